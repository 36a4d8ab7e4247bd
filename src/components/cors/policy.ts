/**
 * The CORS decisions, compiled once from `security/cors`. Semantics follow rs/cors, which KrakenD's
 * CORS layer wraps: origins matched case-insensitively with `*` for all and one `*` wildcard per origin,
 * `OPTIONS` always allowed, requested headers checked as rs/cors v1.11.1 does (see acceptsHeaderList),
 * and the preflight echoing back what was asked, verbatim, instead of listing everything allowed.
 */
import { canonicalHeaderName } from '../../config/headers.js';

export interface CorsSettings {
  allowOrigins: string[];
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders: string[];
  allowCredentials: boolean;
  /** Seconds; 0 sends no `Access-Control-Max-Age`, a negative value sends `0`. */
  maxAgeSeconds: number;
  allowPrivateNetwork: boolean;
}

export interface CorsPolicy {
  isOriginAllowed(origin: string): boolean;
  isMethodAllowed(method: string): boolean;
  /** Whether the `Access-Control-Request-Headers` lines of a preflight are all allowed. */
  acceptsRequestedHeaders(lines: string[]): boolean;
  allowsAllOrigins: boolean;
  /** Pre-joined `Access-Control-Expose-Headers`, '' when none. */
  exposeHeaders: string;
  maxAge: string | undefined;
  allowCredentials: boolean;
  allowPrivateNetwork: boolean;
  preflightVary: string;
}

interface Wildcard {
  prefix: string;
  suffix: string;
}

export function compileCorsPolicy(settings: CorsSettings): CorsPolicy {
  const origins = settings.allowOrigins.length === 0 ? ['*'] : settings.allowOrigins.map((origin) => origin.toLowerCase());
  const allowsAllOrigins = origins.includes('*');
  const exact = new Set<string>();
  const wildcards: Wildcard[] = [];
  if (!allowsAllOrigins) {
    for (const origin of origins) {
      const star = origin.indexOf('*');
      if (star === -1) exact.add(origin);
      else wildcards.push({ prefix: origin.slice(0, star), suffix: origin.slice(star + 1) });
    }
  }
  const methods = new Set((settings.allowMethods.length === 0 ? ['GET', 'POST', 'HEAD'] : settings.allowMethods).map((method) => method.toUpperCase()));
  // KrakenD's layer turns an empty allow_headers into "*".
  const allowsAllHeaders = settings.allowHeaders.length === 0 || settings.allowHeaders.includes('*');
  const headerRanks = rankedNames(settings.allowHeaders.map((name) => name.toLowerCase()));

  return {
    allowsAllOrigins,
    isOriginAllowed(origin) {
      if (allowsAllOrigins) return true;
      const lower = origin.toLowerCase();
      if (exact.has(lower)) return true;
      for (const { prefix, suffix } of wildcards) {
        if (lower.length >= prefix.length + suffix.length && lower.startsWith(prefix) && lower.endsWith(suffix)) return true;
      }
      return false;
    },
    isMethodAllowed(method) {
      return method === 'OPTIONS' || methods.has(method.toUpperCase());
    },
    acceptsRequestedHeaders(lines) {
      return allowsAllHeaders || acceptsHeaderList(headerRanks, lines);
    },
    exposeHeaders: settings.exposeHeaders.map(canonicalHeaderName).join(', '),
    maxAge: settings.maxAgeSeconds > 0 ? String(settings.maxAgeSeconds) : settings.maxAgeSeconds < 0 ? '0' : undefined,
    allowCredentials: settings.allowCredentials,
    allowPrivateNetwork: settings.allowPrivateNetwork,
    preflightVary: settings.allowPrivateNetwork
      ? 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network'
      : 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
  };
}

/** Each distinct name with its position in lexicographic order. */
function rankedNames(names: string[]): Map<string, number> {
  const ranks = new Map<string, number>();
  for (const name of [...new Set(names)].sort()) ranks.set(name, ranks.size);
  return ranks;
}

/** Empty list elements tolerated before a request list is refused (rs/cors' maxEmptyElements). */
const MAX_EMPTY_ELEMENTS = 16;

/**
 * rs/cors v1.11.1 (internal/sortedset.go `Accepts`): every name must be an allowed one exactly as
 * written (browsers send them lowercase), in strictly increasing lexicographic order (so no repeats),
 * with at most one space or tab either side, and at most 16 empty elements in all.
 */
export function acceptsHeaderList(ranks: ReadonlyMap<string, number>, lines: string[]): boolean {
  let lastRank = -1;
  let empty = 0;
  for (const line of lines) {
    for (const element of line.split(',')) {
      const name = trimOneSpace(element);
      if (name === undefined) return false;
      if (name === '') {
        if (++empty > MAX_EMPTY_ELEMENTS) return false;
        continue;
      }
      const rank = ranks.get(name);
      if (rank === undefined || rank <= lastRank) return false;
      lastRank = rank;
    }
  }
  return true;
}

/** Drops at most one space or tab at each end; undefined when there is more. */
function trimOneSpace(text: string): string | undefined {
  let start = 0;
  let end = text.length;
  if (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  if (end > start && isSpace(text.charCodeAt(end - 1))) return undefined;
  if (start < end && isSpace(text.charCodeAt(start))) start++;
  if (start < end && isSpace(text.charCodeAt(start))) return undefined;
  return text.slice(start, end);
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9;
}
