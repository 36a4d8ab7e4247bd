/**
 * Diagnostics channels (node:diagnostics_channel) other tools subscribe to without Portico knowing them,
 * named as undici and Node's http do (`undici:request:create`, `http.server.request.start`):
 *
 * - `portico:request:start`  `{ request, response }` when a client request reaches the gateway;
 * - `portico:request:end`    `{ request, response, statusCode, durationMs, finished }` when its response
 *   closes (`finished` false: the client went away first);
 * - `portico:backend:start`  `{ origin, request }` before each raw exchange with a backend (each retry
 *   attempt and each redirect-following call is one);
 * - `portico:backend:end`    `{ origin, request, statusCode, durationMs }` when its head has arrived;
 * - `portico:backend:error`  `{ origin, request, error, durationMs }` when it failed.
 *
 * `request` of the backend channels is the outgoing request (`method`, `target`, `headerLines`). Messages
 * are built only while a channel has subscribers: without any, a request pays one `hasSubscribers` check.
 */
import { channel } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BackendCall } from './backend-call.js';

export const requestStart = channel('portico:request:start');
export const requestEnd = channel('portico:request:end');
export const backendStart = channel('portico:backend:start');
export const backendEnd = channel('portico:backend:end');
export const backendError = channel('portico:backend:error');

type Listener = (request: IncomingMessage, response: ServerResponse) => void;

/** The gateway's outermost listener: publishes the request's start and end while anyone listens. */
export function publishRequests(listener: Listener): Listener {
  return function publishedRequest(request, response) {
    if (requestStart.hasSubscribers || requestEnd.hasSubscribers) publishRequest(request, response);
    listener(request, response);
  };
}

function publishRequest(request: IncomingMessage, response: ServerResponse): void {
  const begin = performance.now();
  if (requestStart.hasSubscribers) requestStart.publish({ request, response });
  response.once('close', () => {
    if (requestEnd.hasSubscribers) requestEnd.publish({ request, response, statusCode: response.statusCode, durationMs: performance.now() - begin, finished: response.writableFinished });
  });
}

/** Around the raw network call to a backend. */
export function publishBackendCalls(call: BackendCall): BackendCall {
  return function publishedBackendCall(origin, request, options, cancel) {
    if (!backendStart.hasSubscribers && !backendEnd.hasSubscribers && !backendError.hasSubscribers) return call(origin, request, options, cancel);
    const begin = performance.now();
    if (backendStart.hasSubscribers) backendStart.publish({ origin, request });
    return call(origin, request, options, cancel).then(
      (reply) => {
        if (backendEnd.hasSubscribers) backendEnd.publish({ origin, request, statusCode: reply.statusCode, durationMs: performance.now() - begin });
        return reply;
      },
      (error: unknown) => {
        if (backendError.hasSubscribers) backendError.publish({ origin, request, error, durationMs: performance.now() - begin });
        throw error;
      },
    );
  };
}
