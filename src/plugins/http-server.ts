/**
 * `plugin/http-server`: the plugins listed under `name` wrap the service's request listener, before
 * routing. As in KrakenD (lura `transport/http/server/plugin`), each plugin wraps what the ones before it
 * built, so the last name sees the request first. A throw, or a rejected promise from an async
 * handler, is logged and answered 500 (a bare one, as the gateway answers any handler failure).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestListener, ServiceMiddleware } from '../pipeline/types.js';
import { writeError } from '../router/endpoint-handler.js';
import type { Logger } from '../core/logger.js';
import { isThenable } from './failures.js';

export function guardListener(listener: RequestListener, plugin: string, logger: Logger, versionHeader: string): RequestListener {
  const fail = (request: IncomingMessage, response: ServerResponse, error: unknown): void => {
    logger.error(`[SERVICE: plugin/http-server][${plugin}] ${request.method ?? ''} ${request.url ?? ''}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    if (response.headersSent) response.destroy();
    else writeError(response, 500, '', versionHeader);
  };
  return function pluginListener(request, response) {
    try {
      const result: unknown = listener(request, response);
      if (isThenable(result)) result.then(undefined, (error: unknown) => fail(request, response, error));
    } catch (error) {
      fail(request, response, error);
    }
  };
}

/** The listed plugins' middlewares, in config order, composed so the last wraps the others. */
export function chainServerMiddlewares(middlewares: readonly ServiceMiddleware[]): ServiceMiddleware {
  return (next) => middlewares.reduce<RequestListener>((inner, middleware) => middleware(inner), next);
}
