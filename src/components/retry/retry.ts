/**
 * Retries of one backend's raw exchange with exponential back-off and full jitter (a delay drawn
 * between 0 and `min(maxBackoffMs, initialBackoffMs * 2^attempt)`), for idempotent methods only, and
 * only while the request's Cancellation (endpoint timeout, client gone) has not fired: a retry never
 * outlives the endpoint. Retried: transport failures before an answer (connect, reset, closed, header
 * timeout) and the statuses in `retryOn`. A streamed request body cannot be sent twice, so such calls
 * get one attempt.
 */
import type { Readable } from 'node:stream';
import type { Cancellation } from '../../core/cancellation.js';
import { GatewayError } from '../../core/errors.js';
import type { BackendCallMiddleware } from '../../pipeline/types.js';
import type { BackendReply, CallOptions } from '../../transport/backend-call.js';
import type { OutgoingRequest } from '../../transport/http1-client.js';

export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

const RETRYABLE_ERRORS: ReadonlySet<string> = new Set([
  'PRT_ERR_BACKEND_CONNECT',
  'PRT_ERR_BACKEND_RESET',
  'PRT_ERR_BACKEND_CLOSED',
  'PRT_ERR_BACKEND_TIMEOUT',
  'PRT_ERR_BACKEND_IO',
]);

export interface RetrySettings {
  maxRetries: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  retryOn: ReadonlySet<number>;
  /** [0, 1); injectable for tests. */
  random?: () => number;
  /** Called before each retry (logs). */
  onRetry?: (attempt: number, cause: string, delayMs: number) => void;
}

export function createRetry(settings: RetrySettings): BackendCallMiddleware {
  const random = settings.random ?? Math.random;
  const { maxRetries, initialBackoffMs, maxBackoffMs, retryOn } = settings;
  return (next) =>
    async function retryingCall(origin: string, request: OutgoingRequest, options: CallOptions, cancel: Cancellation): Promise<BackendReply> {
      if (!IDEMPOTENT_METHODS.has(request.method) || !isReplayable(request.body)) return next(origin, request, options, cancel);
      for (let attempt = 0; ; attempt++) {
        const isLast = attempt >= maxRetries;
        let cause: string;
        try {
          const reply = await next(origin, request, options, cancel);
          if (isLast || !retryOn.has(reply.statusCode)) return reply;
          reply.stream?.discard(new GatewayError('PRT_ERR_RETRY', 'discarded for a retry'));
          cause = `status ${reply.statusCode}`;
        } catch (error) {
          if (isLast || cancel.aborted || !RETRYABLE_ERRORS.has((error as GatewayError).code)) throw error;
          cause = (error as Error).message;
        }
        const ceiling = Math.min(maxBackoffMs, initialBackoffMs * 2 ** attempt);
        const delayMs = Math.floor(random() * ceiling);
        settings.onRetry?.(attempt + 1, cause, delayMs);
        await sleep(delayMs, cancel);
      }
    };
}

function isReplayable(body: Buffer | Readable | null): boolean {
  return body === null || Buffer.isBuffer(body);
}

/** Waits `ms`, or rejects with the cancellation's reason as soon as it fires. */
function sleep(ms: number, cancel: Cancellation): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (cancel.aborted) {
      reject(cancel.reason as Error);
      return;
    }
    const timer = setTimeout(() => {
      cancel.off(ticket);
      resolve();
    }, ms);
    const ticket = cancel.on((reason) => {
      clearTimeout(timer);
      reject(reason);
    });
  });
}
