/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection and are never forwarded, whatever
 * `input_headers` says. Names listed in the request's own `Connection` header are removed too.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'trailers',
  'transfer-encoding',
  'upgrade',
]);

export function isHopByHop(name: string): boolean {
  // Cheap rejection by first letter and length: runs for every header of every passthrough response.
  const length = name.length;
  switch (name.charCodeAt(0) | 0x20) {
    case 0x63: // c: connection
    case 0x6b: // k: keep-alive
      if (length !== 10) return false;
      break;
    case 0x74: // t: te, trailer(s), transfer-encoding
      if (length !== 2 && length !== 7 && length !== 8 && length !== 17) return false;
      break;
    case 0x75: // u: upgrade
      if (length !== 7) return false;
      break;
    case 0x70: // p: proxy-*
      if (length < 6) return false;
      break;
    default:
      return false;
  }
  const lower = name.toLowerCase();
  return HOP_BY_HOP.has(lower) || lower.startsWith('proxy-');
}

const ONLY_CONNECTION_OPTION = /^[ \t]*(?:keep-alive|close)[ \t]*$/i;

/** Lower-cased names a `Connection` header value lists (`Connection: close, X-Foo` → `x-foo`). */
export function connectionListed(connectionValue: string | undefined): Set<string> | undefined {
  if (!connectionValue) return undefined;
  // What nearly every peer sends: no list to split (this runs for each backend response).
  if (ONLY_CONNECTION_OPTION.test(connectionValue)) return undefined;
  const names = connectionValue
    .split(',')
    .map((part) => part.trim().toLowerCase())
    .filter((part) => part !== '' && part !== 'close' && part !== 'keep-alive');
  return names.length > 0 ? new Set(names) : undefined;
}
