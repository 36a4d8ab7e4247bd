/**
 * Shadow backends (lura `shadowFactory`): backends marked `"shadow": true` get a copy of every request;
 * their answers and errors are ignored, and the real answer never waits for them. Each shadow call is
 * bounded by `shadow_timeout` (the endpoint timeout when unset) and, like lura, is not cancelled when
 * the client goes away.
 *
 * ```json
 * "backend": [
 *   { "url_pattern": "/v1/users", "host": ["http://users-v1:8080"] },
 *   { "url_pattern": "/v2/users", "host": ["http://users-v2:8080"],
 *     "extra_config": { "proxy": { "shadow": true, "shadow_timeout": "300ms" } } }
 * ]
 * ```
 */
import { Cancellation } from '../core/cancellation.js';
import { GatewayError, timeoutError } from '../core/errors.js';
import type { Proxy, ProxyResponse } from './types.js';

export interface ShadowHooks {
  /** Told about a shadow call that failed (for a debug log line); never affects the real answer. */
  onShadowError?(error: Error): void;
}

/** Sends each request to `shadow` too, without waiting for it, then answers with `real`. */
export function createShadowProxy(real: Proxy, shadow: Proxy, timeoutMs: number, hooks: ShadowHooks = {}): Proxy {
  const onShadowError = hooks.onShadowError;
  return function callWithShadow(request, cancel) {
    const shadowCancel = new Cancellation().abortAfter(timeoutMs, () => timeoutError('the shadow backend', timeoutMs));
    let call: Promise<ProxyResponse>;
    try {
      call = shadow({ ...request }, shadowCancel);
    } catch (error) {
      call = Promise.reject(error as Error);
    }
    call.then(
      (response) => {
        shadowCancel.dispose();
        // A no-op shadow answer streams; nobody reads it, so release the connection.
        response.body?.discard(new GatewayError('PRT_ERR_SHADOW_IGNORED', 'shadow answers are ignored'));
      },
      (error: Error) => {
        shadowCancel.dispose();
        onShadowError?.(error);
      },
    );
    return real(request, cancel);
  };
}
