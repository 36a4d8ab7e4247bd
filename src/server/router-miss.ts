/**
 * What the gateway answers when no endpoint matches (gin's engine, as KrakenD configures it): `%` escapes
 * that do not decode are 400; `router.remove_extra_slash` routes the path with single slashes;
 * `router.auto_options` answers OPTIONS; a path that matches with or without its trailing slash (or with
 * fixed case and dots) redirects; a path known for other methods is 405 with `Allow`; anything else 404,
 * with `router.error_body` when set.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouterSettings } from '../config/types.js';
import { renderJson } from '../render/json.js';
import { RequestContext } from '../router/context.js';
import type { EndpointHandler } from '../router/context.js';
import { writeError } from '../router/endpoint-handler.js';
import type { RouteTable } from '../router/route-table.js';

export interface RouterMiss {
  /** Answers a request no endpoint or built-in path took. `search` is the query with its `?`. */
  answer(request: IncomingMessage, response: ServerResponse, method: string, path: string, search: string): void;
  notFound(response: ServerResponse, method: string): void;
  notAllowed(response: ServerResponse, method: string, allowed: string[]): void;
}

export function createRouterMiss(table: RouteTable<EndpointHandler>, router: RouterSettings, versionHeader: string): RouterMiss {
  // gin's c.JSON: sorted keys and HTML-escaped, like every other JSON body KrakenD writes.
  const notFoundBody = router.errorBody404 === undefined ? undefined : renderJson(router.errorBody404);
  const notAllowedBody = router.errorBody405 === undefined ? undefined : renderJson(router.errorBody405);

function answerMiss(request: IncomingMessage, response: ServerResponse, method: string, path: string, search: string): void {
  if (path.includes('%') && !isDecodable(path)) {
    writeError(response, 400, 'invalid URL escape', versionHeader);
    return;
  }
  if (router.removeExtraSlash && path.includes('//')) {
    // gin's RemoveExtraSlash: route the request as if the path had single slashes.
    const collapsed = path.replace(/\/{2,}/g, '/');
    const match = table.find(method, collapsed);
    if (match !== undefined) {
      match.handler(new RequestContext(request, response, match.params, collapsed, search.slice(1)));
      return;
    }
  }
  if (method === 'OPTIONS' && router.autoOptions) {
    const allowed = table.allowedMethods(path);
    if (allowed.length > 0) {
      // router.auto_options: answer OPTIONS for every registered path with the methods it accepts.
      response.writeHead(200, ['Allow', [...allowed, 'OPTIONS'].join(', '), 'X-Krakend', versionHeader, 'Content-Length', '0']);
      response.end();
      return;
    }
  }
  const miss = table.miss(method, path);
  if (miss.kind === 'redirect') {
    const location = miss.location + search;
    // Go's http.Redirect: an HTML note for GET and HEAD, nothing for other methods; no X-Krakend headers.
    const body = method === 'GET' ? `<a href="${escapeHtml(location)}">Moved Permanently</a>.\n\n` : '';
    const headers = ['Location', location];
    if (method === 'GET' || method === 'HEAD') headers.push('Content-Type', 'text/html; charset=utf-8');
    headers.push('Content-Length', String(Buffer.byteLength(body)));
    response.writeHead(method === 'GET' ? 301 : 307, headers);
    response.end(body);
    return;
  }
  if (miss.kind === 'method-not-allowed') writeNotAllowed(response, method, miss.allowed);
  else writeNotFound(response, method);
}

function writeNotFound(response: ServerResponse, method: string): void {
  writeRouterError(response, method, 404, notFoundBody ?? '404 page not found', notFoundBody !== undefined, []);
}

function writeNotAllowed(response: ServerResponse, method: string, allowed: string[]): void {
  writeRouterError(response, method, 405, notAllowedBody ?? '405 method not allowed', notAllowedBody !== undefined, ['Allow', allowed.join(', ')]);
}

/** gin's 404/405: text/plain (no charset) or the configured JSON, with KrakenD's headers. */
function writeRouterError(response: ServerResponse, method: string, status: number, body: string, isJson: boolean, extra: string[]): void {
  const headers = ['Content-Type', isJson ? 'application/json; charset=utf-8' : 'text/plain', 'X-Krakend', versionHeader, 'X-Krakend-Completed', 'false', ...extra];
  headers.push('Content-Length', String(Buffer.byteLength(body)));
  response.writeHead(status, headers);
  response.end(method === 'HEAD' ? undefined : body);
}

  return { answer: answerMiss, notFound: writeNotFound, notAllowed: writeNotAllowed };
}

function isDecodable(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
