/**
 * Parallel merge of several backends (lura `parallelMerge` + `combineData`): all backends start at
 * once; responses are merged shallowly in arrival order; the merge stops waiting at 85 % of the
 * endpoint timeout, and whatever arrived by then is the (incomplete) answer.
 */
import { Cancellation } from '../core/cancellation.js';
import { GatewayError, MergeError, timeoutError } from '../core/errors.js';
import type { Proxy, ProxyRequest, ProxyResponse } from './types.js';
import { isSkipped, skippedResponse } from './skipped.js';

/** How long a merge waits for its backends: 85 % of the endpoint timeout (lura), whole milliseconds. */
export function mergeDeadlineMs(endpointTimeoutMs: number): number {
  return Math.floor((endpointTimeoutMs * 85) / 100);
}

export function createParallelMerge(backends: Proxy[], endpointTimeoutMs: number): Proxy {
  const deadlineMs = mergeDeadlineMs(endpointTimeoutMs);
  const total = backends.length;
  return function mergeInParallel(request: ProxyRequest, cancel: Cancellation): Promise<ProxyResponse> {
    return new Promise<ProxyResponse>((resolve, reject) => {
      const local = cancel.child().abortAfter(deadlineMs, () => timeoutError('merging the backends', deadlineMs));
      let pending = total;
      let merged: ProxyResponse | undefined;
      let errors: Error[] | undefined;
      let settled = false;

      const finish = (): void => {
        if (settled) return;
        settled = true;
        local.dispose();
        if (merged === undefined) {
          // Every backend skipped by its condition: an empty, complete answer.
          if (errors === undefined && pending === 0) resolve(skippedResponse());
          else reject(new MergeError(errors ?? [new GatewayError('PRT_ERR_MERGE', 'no backend answered')]));
          return;
        }
        if (pending !== 0 || errors !== undefined) merged.isComplete = false;
        if (errors !== undefined) merged.error = new MergeError(errors);
        resolve(merged);
        // Backends still running cannot change the answer any more.
        if (pending !== 0) local.abort(timeoutError('merging the backends', deadlineMs));
      };
      local.on(() => {
        if (!settled) {
          (errors ??= []).push(timeoutError('merging the backends', deadlineMs));
          finish();
        }
      });

      const accept = (response: ProxyResponse): void => {
        if (settled) return;
        pending--;
        // A backend skipped by backend/conditional takes no part in the answer.
        if (isSkipped(response)) {
          if (pending === 0) finish();
          return;
        }
        if (merged === undefined) merged = response;
        else combine(merged, response);
        if (pending === 0) finish();
      };
      const fail = (error: Error): void => {
        if (settled) return;
        pending--;
        (errors ??= []).push(error);
        if (merged) merged.isComplete = false;
        if (pending === 0) finish();
      };
      for (const backend of backends) backend(request, local).then(accept, fail);
    });
  };
}

/** lura `combineData`: later keys overwrite earlier ones; completeness is the AND of all parts. */
export function combine(into: ProxyResponse, part: ProxyResponse): void {
  const target = into.data;
  const source = part.data;
  for (const key in source) target[key] = source[key];
  into.isComplete = into.isComplete && part.isComplete;
}
