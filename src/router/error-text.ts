/**
 * The body KrakenD writes for a failed request under `router.return_error_msg`: lura's endpoint handler
 * writes `err.Error()` of whatever the proxy stack returned. Portico's errors keep their own message for
 * the logs; this module gives the text KrakenD would have produced for the same failure (lura's
 * transport and status errors, Go's net/http and encoding/json, krakend-cel, krakend-jsonschema,
 * krakend-ratelimit, gobreaker). Errors without a KrakenD counterpart answer with their own message.
 */
import { GatewayError, InvalidStatusError, MergeError } from '../core/errors.js';

/** Fixed texts by code (Go's error values). */
const FIXED_TEXTS: Record<string, string> = {
  // lura proxy/http.go returns ctx.Err() once the endpoint's context is done.
  PRT_ERR_TIMEOUT: 'context deadline exceeded',
  // krakend-ratelimit v3 `krakendrate.ErrLimited` (their spelling).
  PRT_ERR_RATELIMIT_BACKEND: 'rate limit exceded',
  // lura sd `ErrNoHosts`.
  PRT_ERR_SD_NO_HOSTS: 'no hosts available',
};

export function krakendErrorText(error: Error): string {
  if (error instanceof MergeError) return error.errors.map(krakendErrorText).join('\n');
  if (error instanceof InvalidStatusError) return error.krakendText;
  const code = (error as Partial<GatewayError>).code;
  if (code === undefined) return error.message;
  if (code === 'PRT_ERR_CIRCUIT_OPEN') {
    // gobreaker: ErrTooManyRequests while a half-open breaker already probes, else ErrOpenState.
    return error.message.includes('half-open') ? 'too many requests' : 'circuit breaker is open';
  }
  const fixed = FIXED_TEXTS[code];
  if (fixed !== undefined) return fixed;
  const request = (error as GatewayError).backendRequest;
  if (request !== undefined) return goClientErrorText(request.method, request.url, error);
  return error.message;
}

/** Go's `*url.Error` from `http.Client.Do`: `Get "http://host/path": dial tcp 127.0.0.1:1: connect: connection refused`. */
function goClientErrorText(method: string, url: string, error: Error): string {
  const op = method.charAt(0) + method.slice(1).toLowerCase();
  const cause = (error.cause ?? {}) as NodeJS.ErrnoException & { address?: string; port?: number };
  let detail = error.message;
  if (cause.code === 'ECONNREFUSED' && cause.address !== undefined) {
    const host = cause.address.includes(':') ? `[${cause.address}]` : cause.address;
    detail = `dial tcp ${host}:${cause.port ?? ''}: connect: connection refused`;
  } else if (cause.code === 'ENOTFOUND') {
    detail = `dial tcp: lookup ${(cause as { hostname?: string }).hostname ?? new URL(url).hostname}: no such host`;
  } else if (cause.code === 'ECONNRESET') {
    detail = 'read: connection reset by peer';
  } else if ((error as GatewayError).code === 'PRT_ERR_BACKEND_CLOSED') {
    detail = 'EOF';
  }
  return `${op} "${url}": ${detail}`;
}
