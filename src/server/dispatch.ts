/**
 * The request listener inside the service-level components: the route table first, then the gateway's
 * own paths (`/__health`, `/__debug/`, `/__echo/`), then the router-miss answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouterSettings, ServiceConfig } from '../config/types.js';
import type { Logger } from '../core/logger.js';
import { RequestContext } from '../router/context.js';
import type { EndpointHandler } from '../router/context.js';
import { writeError } from '../router/endpoint-handler.js';
import type { RouteTable } from '../router/route-table.js';
import { debugHandler, echoHandler, healthHandler } from './builtins.js';
import type { RouterMiss } from './router-miss.js';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** The gateway's own paths: exact GET paths, and prefixes with the methods they take. */
export interface BuiltinRoutes {
  exact: Map<string, Handler>;
  prefixes: [string, Handler, readonly string[]][];
}

const ANY_METHOD = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/** `agents`: the async agents' last pings, listed by `/__health` as KrakenD lists them. */
export function builtinRoutes(config: ServiceConfig, debug: boolean, logger: Logger, agents: () => Record<string, string> = () => ({})): BuiltinRoutes {
  const routes: BuiltinRoutes = { exact: new Map(), prefixes: [] };
  if (config.router.healthPath) routes.exact.set(config.router.healthPath, healthHandler(agents));
  if (config.debugEndpoint || debug) routes.prefixes.push(['/__debug/', debugHandler(logger), ANY_METHOD]);
  if (config.echoEndpoint) routes.prefixes.push(['/__echo/', echoHandler(), ANY_METHOD]);
  return routes;
}

export function createDispatcher(table: RouteTable<EndpointHandler>, routes: BuiltinRoutes, miss: RouterMiss, router: RouterSettings, versionHeader: string): Handler {
  return function onRequest(request: IncomingMessage, response: ServerResponse): void {
    const url = request.url as string;
    if (url.charCodeAt(0) !== 47 /* / */) {
      // Asterisk or unparseable targets (absolute-form ones were made origin-form before the components).
      writeError(response, 400, 'invalid request target', versionHeader);
      return;
    }
    const queryIndex = url.indexOf('?');
    const path = queryIndex === -1 ? url : url.slice(0, queryIndex);
    const method = request.method as string;
    const match = table.find(method, path);
    if (match !== undefined && !(match.isWildcard && isBuiltinPath(routes, path))) {
      match.handler(new RequestContext(request, response, match.params, path, queryIndex === -1 ? '' : url.slice(queryIndex + 1)));
      return;
    }
    const builtin = routes.exact.get(path);
    if (builtin) {
      if (method === 'GET') builtin(request, response);
      else if (router.handleMethodNotAllowed) miss.notAllowed(response, method, ['GET']);
      else miss.notFound(response, method);
      return;
    }
    for (const [prefix, handler, methods] of routes.prefixes) {
      if ((path.startsWith(prefix) || path === prefix.slice(0, -1)) && methods.includes(method)) {
        handler(request, response);
        return;
      }
    }
    miss.answer(request, response, method, path, queryIndex === -1 ? '' : url.slice(queryIndex));
  };
  }

/** The gateway's own paths win over wildcard endpoints (`/*` must not hide `/__health`). */
function isBuiltinPath(routes: BuiltinRoutes, path: string): boolean {
  return routes.exact.has(path) || routes.prefixes.some(([prefix]) => path.startsWith(prefix) || path === prefix.slice(0, -1));
}
