/**
 * Which backend requests may share a cached answer. KrakenD's cache keys on the URL alone, but the
 * backend request also carries values the client chose — `X-Forwarded-Host` (from its `Host`), every
 * header listed in `input_headers` — and a backend that reflects one of them (an absolute link built
 * from `X-Forwarded-Host`) would let one request decide what every later client gets: web cache
 * poisoning. So the key holds everything the backend is sent, except:
 *
 * - `X-Forwarded-For`: always an IP address Portico resolved (the peer, or a trusted proxy's hop), never
 *   free text; keying on it would split a shared cache per client. A backend that reflects the client
 *   address must say so (`Vary: X-Forwarded-For` or `private`), as for any per-client answer;
 * - `Cache-Control` and `Pragma`: request directives this cache itself obeys (RFC 9111 §5.2.1).
 *
 * A request with a body is never looked up or stored: a body is client-chosen and not part of any key.
 * Kept in its own module so the key can change without touching the cache's storage.
 */
import { createHash } from 'node:crypto';
import type { OutgoingRequest } from '../../transport/http1-client.js';

const NOT_IN_KEY = new Set(['x-forwarded-for', 'cache-control', 'pragma']);

/** The primary cache key of `request`, or `undefined` when its answer must not be shared. */
export function cacheKeyOf(request: OutgoingRequest, decompress: boolean): string | undefined {
  if (request.body !== null && !(Buffer.isBuffer(request.body) && request.body.length === 0)) return undefined;
  return `${request.method} ${decompress ? 'd' : 'r'} ${request.target} ${headersDigest(request.headerLines)}`;
}

/** Header lines as the backend reads them (names case-insensitive, order of distinct names irrelevant). */
function headersDigest(headerLines: string): string {
  const fields: [name: string, value: string][] = [];
  for (const line of headerLines.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).toLowerCase();
    if (!NOT_IN_KEY.has(name)) fields.push([name, line.slice(colon + 1).trim()]);
  }
  // Sorted by name only: the sort is stable, so repeated headers keep their order, which a backend may read.
  fields.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const hash = createHash('sha256');
  for (const [name, value] of fields) hash.update(`${name}:${value}\n`);
  return hash.digest('base64url');
}
