/**
 * KrakenD's router-layer Lua object, `ctx` (krakend-lua `router/gin`): the client's request before the
 * endpoint reads it. Changes made here are what the endpoint then sees — method, path and query, `Host`,
 * headers, params and the body. At service level (before routing) there are no params and no body.
 */
import type { IncomingMessage } from 'node:http';
import { canonicalHeaderName } from '../../config/headers.js';
import type { RequestContext } from '../../pipeline/types.js';
import { encodeQuery } from '../../proxy/url-template.js';
import type { LuaCall } from './bridge.js';

export interface RouterTarget {
  request: IncomingMessage;
  /** Present at endpoint level: the routed request (path, query, params, buffered body). */
  context: RequestContext | undefined;
}

export function routerOp(call: LuaCall, target: RouterTarget, name: string, count: number, a: unknown, b: unknown): unknown[] | undefined {
  const { request, context } = target;
  switch (name) {
    case 'method':
      if (count === 0) return call.describe(request.method ?? '');
      request.method = String(a);
      return undefined;
    case 'url':
      if (count === 0) return call.describe(context ? context.path + (context.rawQuery === '' ? '' : `?${context.rawQuery}`) : (request.url ?? ''));
      setUrl(target, String(a));
      return undefined;
    case 'host':
      if (count === 0) return call.describe(request.headers.host ?? '');
      setRequestHeader(request, 'Host', [String(a)]);
      return undefined;
    case 'query':
      return queryOp(call, target, count, a, b);
    case 'params':
      if (count === 0) throw new Error('need arguments');
      if (count === 1) return call.describe(context?.params[String(a)] ?? '');
      if (context) context.params[String(a)] = String(b);
      return undefined;
    case 'headers':
      if (count === 0) throw new Error('need arguments');
      if (count === 1) return call.describe(headerValues(request, String(a))[0] ?? '');
      setRequestHeader(request, String(a), b === null || b === undefined ? undefined : [String(b)]);
      return undefined;
    case 'headerList': {
      if (count === 0) throw new Error('need arguments');
      if (count === 1) return call.describe(headerValues(request, String(a)));
      const list = call.object(b);
      if (!Array.isArray(list)) throw new Error('invalid header value, must be a luaList');
      setRequestHeader(request, String(a), list.map(String));
      return undefined;
    }
    case 'body':
      if (!context) throw new Error('the body is not available before routing');
      if (count === 0) return call.describe(context.body?.toString('utf8') ?? '');
      context.body = Buffer.from(String(a), 'utf8');
      return undefined;
    default:
      throw new Error(`unknown ctx method ${name}`);
  }
}

function queryOp(call: LuaCall, target: RouterTarget, count: number, a: unknown, b: unknown): unknown[] | undefined {
  if (count === 0) throw new Error('need arguments');
  const { request, context } = target;
  const raw = context ? context.rawQuery : queryOf(request.url ?? '');
  const query = new URLSearchParams(raw);
  if (count === 1) return call.describe(query.get(String(a)) ?? '');
  // Go's url.Values.Set then Encode: one value for the key, keys sorted.
  const values: Record<string, string[]> = {};
  for (const [key, value] of query) (values[key] ??= []).push(value);
  values[String(a)] = [String(b)];
  const encoded = encodeQuery(values);
  if (context) context.rawQuery = encoded;
  else request.url = pathOf(request.url ?? '/') + (encoded === '' ? '' : `?${encoded}`);
  return undefined;
}

function setUrl(target: RouterTarget, text: string): void {
  const url = new URL(text, 'http://gateway');
  if (target.context) {
    target.context.path = url.pathname;
    target.context.rawQuery = url.search.slice(1);
  } else target.request.url = url.pathname + url.search;
}

function queryOf(url: string): string {
  const index = url.indexOf('?');
  return index === -1 ? '' : url.slice(index + 1);
}

function pathOf(url: string): string {
  const index = url.indexOf('?');
  return index === -1 ? url : url.slice(0, index);
}

function headerValues(request: IncomingMessage, name: string): string[] {
  const lower = name.toLowerCase();
  const values: string[] = [];
  const raw = request.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if ((raw[i] as string).toLowerCase() === lower) values.push(raw[i + 1] as string);
  return values;
}

/** Rewrites a client header in both of Node's views of it (`rawHeaders`, which the endpoint reads, and `headers`). */
function setRequestHeader(request: IncomingMessage, name: string, values: string[] | undefined): void {
  const lower = name.toLowerCase();
  const raw = request.rawHeaders;
  const kept: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if ((raw[i] as string).toLowerCase() !== lower) kept.push(raw[i] as string, raw[i + 1] as string);
  if (values) for (const value of values) kept.push(canonicalHeaderName(name), value);
  raw.splice(0, raw.length, ...kept);
  const headers = request.headers;
  delete headers[lower];
  if (values && values.length > 0) headers[lower] = lower === 'set-cookie' ? values : values.join(', ');
}
