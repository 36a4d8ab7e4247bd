/**
 * The CORS decisions, compiled once from `security/cors`. Semantics follow rs/cors, which KrakenD's
 * CORS layer wraps: origins matched case-insensitively with `*` for all and one `*` wildcard per origin,
 * `OPTIONS` always allowed, requested headers checked against a set, and the preflight echoing back
 * what was asked instead of listing everything allowed.
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
  /** The `Access-Control-Allow-Headers` value for a requested list, or undefined when one is not allowed. */
  allowedHeadersFor(requested: string): string | undefined;
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
  // KrakenD's layer turns an empty allow_headers into "*"; Origin is always accepted.
  const allowsAllHeaders = settings.allowHeaders.length === 0 || settings.allowHeaders.includes('*');
  const headers = new Set([...settings.allowHeaders.map((name) => name.toLowerCase()), 'origin']);

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
    allowedHeadersFor(requested) {
      const names = requested.split(',').map((name) => name.trim()).filter((name) => name !== '');
      if (!allowsAllHeaders && names.some((name) => !headers.has(name.toLowerCase()))) return undefined;
      return names.map(canonicalHeaderName).join(', ');
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
