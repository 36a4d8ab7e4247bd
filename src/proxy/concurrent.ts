/**
 * `concurrent_calls` (lura `NewConcurrentMiddleware`): the same request is sent N times to a backend;
 * the first complete answer wins and the other calls are aborted. When none is complete, the last
 * answer received is returned (or the last error when there is none). All calls share a deadline of
 * 75 % of the endpoint timeout. Only for idempotent backends.
 *
 * ```json
 * { "endpoint": "/products", "concurrent_calls": 3, "backend": [{ "url_pattern": "/products" }] }
 * ```
 */
import type { Cancellation } from '../core/cancellation.js';
import { timeoutError } from '../core/errors.js';
import type { Middleware, ProxyRequest, ProxyResponse } from './types.js';

export function createConcurrentMiddleware(calls: number, endpointTimeoutMs: number): Middleware {
  const deadlineMs = Math.floor((endpointTimeoutMs * 75) / 100);
  return (next) =>
    function callConcurrently(request: ProxyRequest, cancel: Cancellation): Promise<ProxyResponse> {
      return new Promise<ProxyResponse>((resolve, reject) => {
        // One child per call so the winner keeps running (a no-op answer still streams) while the others stop.
        const children = Array.from({ length: calls }, () => cancel.child());
        let pending = calls;
        let settled = false;
        let lastResponse: ProxyResponse | undefined;
        let lastError: Error | undefined;
        const timer = setTimeout(() => {
          const reason = timeoutError('the concurrent calls', deadlineMs);
          for (const child of children) child.abort(reason);
        }, deadlineMs);

        const stopOthers = (winner: number): void => {
          const reason = timeoutError('a concurrent call that lost', 0);
          children.forEach((child, index) => {
            if (index === winner) return;
            child.abort(reason);
            child.dispose();
          });
        };
        const done = (): void => {
          if (pending !== 0 || settled) return;
          settled = true;
          clearTimeout(timer);
          for (const child of children) child.dispose();
          if (lastResponse) {
            if (lastError !== undefined && lastResponse.error === undefined) lastResponse.error = lastError;
            resolve(lastResponse);
          } else reject(lastError ?? new Error('no concurrent call answered'));
        };

        children.forEach((child, index) => {
          next(request, child).then(
            (response) => {
              pending--;
              if (settled) {
                response.body?.discard(timeoutError('a concurrent call that lost', 0));
                return;
              }
              if (response.isComplete) {
                settled = true;
                clearTimeout(timer);
                stopOthers(index);
                resolve(response);
                return;
              }
              lastResponse?.body?.discard(timeoutError('a concurrent call that lost', 0));
              lastResponse = response;
              done();
            },
            (error: Error) => {
              pending--;
              if (settled) return;
              lastError = error;
              done();
            },
          );
        });
      });
    };
}
