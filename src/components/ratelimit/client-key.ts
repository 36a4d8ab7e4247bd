/**
 * Who a client is, for `client_max_rate` (krakend-ratelimit's token extractors):
 * - `ip`: the client address as the router sees it (`router.forwarded_by_client_ip`, `trusted_proxies`);
 *   with `key`, the address in that header. KrakenD takes the header's first address from any peer;
 *   Portico does so only while `router.trusted_proxies` is absent, otherwise it reads the header from
 *   trusted peers only and takes the right-most address that is not a trusted proxy.
 * - `header`: the value of header `key`, also when a router component (JWT `propagate_claims`) set it.
 * - `param`: the endpoint `{key}` param.
 * An empty key is rejected with 429, as KrakenD does. Long keys (tokens) are hashed so that memory and
 * Redis keys stay small.
 */
import { createHash } from 'node:crypto';
import { canonicalHeaderName } from '../../config/headers.js';
import type { ServiceConfig } from '../../config/types.js';
import type { RequestContext } from '../../pipeline/types.js';
import { createClientIpResolver } from '../../router/client-ip.js';

export type Strategy = 'ip' | 'header' | 'param';
export type ClientKeyReader = (context: RequestContext) => string;

const MAX_PLAIN_KEY = 64;

export function createClientKeyReader(strategy: Strategy, key: string, service: ServiceConfig): ClientKeyReader {
  switch (strategy) {
    case 'ip':
      return ipKeyReader(key, service);
    case 'header':
      return headerKeyReader(key);
    case 'param':
      return function paramKey(context) {
        return compact(context.params[key] ?? '');
      };
  }
}

function ipKeyReader(key: string, service: ServiceConfig): ClientKeyReader {
  const router = service.router;
  const clientIp = createClientIpResolver(router);
  if (key === '') {
    return function clientIpKey(context) {
      return clientIp(context.request);
    };
  }
  const lowerKey = key.toLowerCase();
  const fromHeader = createClientIpResolver({ forwardedByClientIp: true, remoteIpHeaders: [key], trustedProxies: router.trustedProxies });
  return function headerIpKey(context) {
    return context.request.headers[lowerKey] === undefined ? clientIp(context.request) : fromHeader(context.request);
  };
}

function headerKeyReader(key: string): ClientKeyReader {
  const canonical = canonicalHeaderName(key);
  const lowerKey = key.toLowerCase();
  return function headerKey(context) {
    const propagated = context.extraHeaders?.[canonical]?.[0];
    if (propagated !== undefined) return compact(propagated);
    const value = context.request.headers[lowerKey];
    return compact((Array.isArray(value) ? value[0] : value) ?? '');
  };
}

/** Keeps short keys readable (IPs, ids) and bounds long ones (bearer tokens) to 43 characters. */
export function compact(key: string): string {
  return key.length <= MAX_PLAIN_KEY ? key : createHash('sha256').update(key).digest('base64url');
}
