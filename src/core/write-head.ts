import type { ServerResponse } from 'node:http';

/**
 * `writeHead` with `[name, value, …]` pairs that may repeat a name (Set-Cookie). Node merges such an array
 * with headers set earlier by `setHeader` (CORS, security headers) through `setHeader`, which keeps only the
 * last value of a repeated name; then the pairs are appended one by one instead.
 */
export function writeHeadPairs(response: ServerResponse, statusCode: number, pairs: string[]): void {
  if (response.getHeaderNames().length === 0) {
    response.writeHead(statusCode, pairs);
    return;
  }
  for (let i = 0; i < pairs.length; i += 2) {
    const name = pairs[i] as string;
    const value = pairs[i + 1] as string;
    // Single-valued headers set by the gateway replace earlier ones; repeated backend headers accumulate.
    if (response.hasHeader(name) && !isListHeader(name)) response.setHeader(name, value);
    else response.appendHeader(name, value);
  }
  response.writeHead(statusCode);
}

function isListHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === 'set-cookie' || lower === 'vary' || lower === 'link' || lower === 'access-control-expose-headers';
}
