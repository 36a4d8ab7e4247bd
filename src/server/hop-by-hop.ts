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
  const lower = name.toLowerCase();
  return HOP_BY_HOP.has(lower) || lower.startsWith('proxy-');
}

/** Lower-cased names a `Connection` header value lists (`Connection: close, X-Foo` → `x-foo`). */
export function connectionListed(connectionValue: string | undefined): Set<string> | undefined {
  if (!connectionValue) return undefined;
  const names = connectionValue
    .split(',')
    .map((part) => part.trim().toLowerCase())
    .filter((part) => part !== '' && part !== 'close' && part !== 'keep-alive');
  return names.length > 0 ? new Set(names) : undefined;
}
