/** Wrappers around the whole request listener, outside every component: guard, access log, absolute-form targets. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../core/logger.js';
import { peerAddress } from '../router/client-ip.js';
import { writeError } from '../router/endpoint-handler.js';

type Listener = (request: IncomingMessage, response: ServerResponse) => void;

/** Nothing a handler throws may take the process down: answer 500 and log. */
export function guard(listener: Listener, logger: Logger, versionHeader: string): Listener {
  return function guardedRequest(request, response) {
    try {
      listener(request, response);
    } catch (error) {
      logger.error(`unexpected error handling ${request.method ?? ''} ${request.url ?? ''}: ${(error as Error).stack ?? String(error)}`);
      writeError(response, 500, '', versionHeader);
    }
  };
}

export function withAccessLog(listener: Listener, logger: Logger): Listener {
  return function loggedRequest(request, response) {
    const started = performance.now();
    response.once('finish', () => {
      const url = request.url ?? '';
      const queryIndex = url.indexOf('?');
      logger.access({
        method: request.method ?? '',
        path: queryIndex === -1 ? url : url.slice(0, queryIndex),
        status: response.statusCode,
        durationMs: performance.now() - started,
        clientIp: peerAddress(request),
      });
    });
    listener(request, response);
  };
}

/** Absolute-form targets become origin-form, their host the request's host, before anything reads them. */
export function originFormFirst(listener: Listener): Listener {
  return function routeOriginForm(request, response) {
    const url = request.url as string;
    if (url.charCodeAt(0) !== 47 /* / */) toOriginForm(request, url);
    listener(request, response);
  };
}

/**
 * RFC 9112 §3.2.2: a server accepts absolute-form targets and uses their host instead of `Host`. Only the
 * path is routed, to the configured backends: the named host is never contacted (no open proxy).
 */
function toOriginForm(request: IncomingMessage, target: string): void {
  const match = /^https?:\/\/([^/?#]+)(\/[^#]*)?$/i.exec(target);
  if (match === null) return;
  const pathAndQuery = match[2] ?? '/';
  request.url = pathAndQuery.startsWith('?') ? `/${pathAndQuery}` : pathAndQuery;
  request.headers.host = match[1] as string;
}
