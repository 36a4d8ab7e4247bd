/**
 * The JavaScript side of the Lua API (see prelude.ts): one `LuaCall` per request holds the request,
 * the response and the objects Lua has handles to. The bridge functions are created once per VM and act
 * on the call the VM is serving. Semantics follow krakend-lua: getters without arguments, setters with;
 * `luaList` indexes from 0; a native Lua table stored into data becomes an object with string keys.
 */
import { canonicalHeaderName } from '../../config/headers.js';
import { RawNumber } from '../../encoding/json-lossless.js';
import type { ProxyRequest, ProxyResponse } from '../../proxy/types.js';
import { encodeQuery } from '../../proxy/url-template.js';
import type { Balancer } from '../../transport/balancer.js';
import type { CompiledTemplate } from '../../proxy/url-template.js';
import { routerOp } from './router-bridge.js';
import type { RouterTarget } from './router-bridge.js';
import { wasmoon } from './runtime.js';

/** `custom_error(message, status, content_type)` as the script raised it. */
export interface CustomError {
  message: string;
  /** -1 when the script gave none. */
  status: number;
  contentType: string;
}

/** What `req:url()`, `req:path()` and `req:method()` mean at the backend: lura's built backend call. */
export interface BackendTarget {
  template: CompiledTemplate;
  balancer: Balancer;
  method: string;
}

const KIND_VALUE = 1;
const KIND_NULL = 2;
const KIND_TABLE = 3;
const KIND_LIST = 4;
const CUSTOM_ERROR_PREFIX = 'portico:custom_error:';

let nextHandle = 1;

export class LuaCall {
  response: ProxyResponse | undefined;
  readonly customErrors = new Map<string, CustomError>();
  private readonly handles = new Map<number, object>();
  private path: string;
  private origin: string | undefined;

  constructor(
    /** The request the layers below receive (absent at the router layer, which has `ctx` instead). */
    private readonly proxyRequest: ProxyRequest | undefined,
    readonly backend: BackendTarget | undefined,
    /** The router layer's request (`modifier/lua-endpoint`). */
    readonly router?: RouterTarget,
  ) {
    this.path = !proxyRequest ? '' : backend ? pathOf(backend.template.render(proxyRequest.params)) : proxyRequest.path;
  }

  get request(): ProxyRequest {
    if (!this.proxyRequest) throw new Error('request is not available at the router layer: use ctx.load()');
    return this.proxyRequest;
  }

  handle(object: object): number {
    const id = nextHandle++;
    this.handles.set(id, object);
    return id;
  }

  object(id: unknown): Record<string, unknown> | unknown[] {
    const object = typeof id === 'number' ? this.handles.get(id) : undefined;
    // A handle from an earlier request (kept in a table the reset does not reach) is refused.
    if (object === undefined) throw new Error('this luaTable/luaList belongs to another request');
    return object as Record<string, unknown> | unknown[];
  }

  /** A value read from data, as (kind, payload). */
  describe(value: unknown): unknown[] {
    const { LuaMultiReturn } = wasmoon();
    if (value === undefined) return LuaMultiReturn.of(0);
    if (value === null) return LuaMultiReturn.of(KIND_NULL);
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return LuaMultiReturn.of(KIND_VALUE, value);
    if (value instanceof RawNumber) return LuaMultiReturn.of(KIND_VALUE, Number(value.text));
    if (Array.isArray(value)) return LuaMultiReturn.of(KIND_LIST, this.handle(value));
    if (typeof value === 'object') return LuaMultiReturn.of(KIND_TABLE, this.handle(value));
    return LuaMultiReturn.of(0);
  }

  /** A value written from Lua: plain, null, or a table/list by reference. */
  decode(kind: number, payload: unknown): unknown {
    if (kind === KIND_NULL) return null;
    if (kind === KIND_TABLE) return this.object(payload);
    return payload;
  }

  backendUrl(): string {
    const override = this.request.callOverride?.url;
    if (override) return override.origin + override.target;
    if (!this.backend) return '';
    this.origin ??= this.backend.balancer.pick() ?? '';
    let target = this.backend.template.render(this.request.params);
    const query = this.request.query ? encodeQuery(this.request.query) : '';
    if (query !== '') target += (this.backend.template.hasQuery ? '&' : '?') + query;
    return this.origin + target;
  }

  requestOp(name: string, count: number, a: unknown, b: unknown): unknown[] | undefined {
    const request = this.request;
    switch (name) {
      case 'method':
        if (count === 0) return this.describe(this.backend ? (request.callOverride?.method ?? this.backend.method) : request.method);
        if (this.backend) request.callOverride = { ...request.callOverride, method: String(a) };
        else request.method = String(a);
        return undefined;
      case 'path':
        if (count === 0) return this.describe(this.path);
        this.path = String(a);
        return undefined;
      case 'query':
        if (count === 0) return this.describe(request.query ? encodeQuery(request.query) : '');
        request.query = parseQuery(String(a));
        return undefined;
      case 'url':
        if (count === 0) return this.describe(this.backend ? this.backendUrl() : '');
        // As in lura, only a backend's URL is the one called; at the endpoint the backends build their own.
        if (this.backend) setUrl(request, String(a));
        return undefined;
      case 'params':
        return this.paramsOp(count, a, b);
      case 'headers':
        return headersOp(this, request.headers, count, a, b, true);
      case 'headerList':
        return headerListOp(this, request.headers, count, a, b);
      case 'body':
        if (count === 0) return this.describe(Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '');
        request.body = Buffer.from(String(a), 'utf8');
        if (request.bodyLength !== undefined) request.bodyLength = request.body.length;
        return undefined;
      default:
        throw new Error(`unknown request method ${name}`);
    }
  }

  /** lura passes params with their first letter upper-cased (`{id}` is `Id`). */
  private paramsOp(count: number, a: unknown, b: unknown): unknown[] | undefined {
    const params = this.request.params;
    if (count === 0) {
      const copy: Record<string, string> = {};
      for (const name in params) copy[titleCase(name)] = params[name] as string;
      return this.describe(copy);
    }
    const key = String(a);
    const name = paramName(params, key);
    if (count === 1) return this.describe(params[name] ?? '');
    this.request.params = { ...params, [name]: String(b) };
    return undefined;
  }

  responseOp(name: string, count: number, a: unknown, b: unknown): unknown[] | undefined {
    const response = this.response;
    if (!response) throw new Error('there is no response yet');
    switch (name) {
      case 'isComplete':
        if (count === 0) return this.describe(response.isComplete);
        response.isComplete = a === true;
        return undefined;
      case 'statusCode':
        if (count === 0) return this.describe(response.metadata.statusCode);
        response.metadata.statusCode = Math.trunc(Number(a));
        return undefined;
      case 'data':
        return this.describe(response.data);
      case 'headers':
        if (count === 0) throw new Error('need arguments');
        return headersOp(this, response.metadata.headers, count, a, b, false);
      case 'headerList':
        return headerListOp(this, response.metadata.headers, count, a, b);
      case 'body':
        // Streamed (no-op) bodies are not readable from Lua; see docs/components/modifier-lua.md.
        if (count === 0) return this.describe('');
        throw new Error('setting the response body is not supported');
      default:
        throw new Error(`unknown response method ${name}`);
    }
  }

  ctxOp(name: string, count: number, a: unknown, b: unknown): unknown[] | undefined {
    if (!this.router) throw new Error('ctx is only available in modifier/lua-endpoint');
    return routerOp(this, this.router, name, count, a, b);
  }

  /** Records a `custom_error` and returns the text the Lua error carries to the host. */
  raise(message: string, status: number, contentType: string): string {
    const id = `${CUSTOM_ERROR_PREFIX}${this.customErrors.size}`;
    this.customErrors.set(id, { message, status: Math.trunc(status), contentType });
    return id;
  }

  /** The custom error a failed script ended with, if that is how it failed. */
  customErrorOf(luaMessage: string): CustomError | undefined {
    return luaMessage.startsWith(CUSTOM_ERROR_PREFIX) ? this.customErrors.get(luaMessage) : undefined;
  }
}

function pathOf(target: string): string {
  const query = target.indexOf('?');
  return query === -1 ? target : target.slice(0, query);
}

function titleCase(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** The endpoint's own name for a Title-cased key (`Id` → `id`); new keys are kept as given. */
function paramName(params: Readonly<Record<string, string>>, key: string): string {
  if (key in params) return key;
  for (const name in params) if (titleCase(name) === key) return name;
  return key;
}

function parseQuery(text: string): Record<string, string[]> | null {
  let query: Record<string, string[]> | null = null;
  for (const [key, value] of new URLSearchParams(text)) ((query ??= {})[key] ??= []).push(value);
  return query;
}

function setUrl(request: ProxyRequest, text: string): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`invalid URL ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`unsupported URL scheme ${url.protocol}`);
  request.callOverride = { ...request.callOverride, url: { origin: url.origin, target: url.pathname + url.search } };
}

/** Headers are keyed by canonical name in Portico's maps, but listed input headers keep their configured spelling. */
export function headerKey(headers: Record<string, string[]>, name: string): string | undefined {
  const canonical = canonicalHeaderName(name);
  if (canonical in headers) return canonical;
  const lower = name.toLowerCase();
  for (const key in headers) if (key.toLowerCase() === lower) return key;
  return undefined;
}

function headersOp(call: LuaCall, headers: Record<string, string[]>, count: number, a: unknown, b: unknown, allowAll: boolean): unknown[] | undefined {
  if (count === 0) {
    if (!allowAll) throw new Error('need arguments');
    const copy: Record<string, unknown[]> = {};
    for (const name in headers) copy[name] = [...(headers[name] as string[])];
    return call.describe(copy);
  }
  const name = String(a);
  const key = headerKey(headers, name);
  if (count === 1) return call.describe(key === undefined ? '' : (headers[key]?.[0] ?? ''));
  if (key !== undefined) delete headers[key];
  if (b !== null && b !== undefined) headers[canonicalHeaderName(name)] = [String(b)];
  return undefined;
}

function headerListOp(call: LuaCall, headers: Record<string, string[]>, count: number, a: unknown, b: unknown): unknown[] | undefined {
  if (count === 0) throw new Error('need arguments');
  const name = String(a);
  const key = headerKey(headers, name);
  if (count === 1) return call.describe(key === undefined ? [] : [...(headers[key] as string[])]);
  const list = call.object(b);
  if (!Array.isArray(list)) throw new Error('invalid header value, must be a luaList');
  if (key !== undefined) delete headers[key];
  headers[canonicalHeaderName(name)] = list.map((item) => (item instanceof Object ? JSON.stringify(item) : String(item)));
  return undefined;
}

/** The bridge functions of one VM; `current()` is the call it is serving. */
export function createBridge(current: () => LuaCall): Record<string, (...args: never[]) => unknown> {
  const table = (id: unknown): Record<string, unknown> => {
    const object = current().object(id);
    if (Array.isArray(object)) throw new Error('expected a luaTable');
    return object;
  };
  const list = (id: unknown): unknown[] => {
    const object = current().object(id);
    if (!Array.isArray(object)) throw new Error('expected a luaList');
    return object;
  };
  const index = (value: unknown): number => Math.trunc(Number(value));
  return {
    tnew: () => current().handle({}),
    tget: (id: unknown, key: string) => {
      const object = table(id);
      return current().describe(Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined);
    },
    tset: (id: unknown, key: string, kind: number, payload: unknown) => {
      table(id)[key] = current().decode(kind, payload);
    },
    tlen: (id: unknown) => Object.keys(table(id)).length,
    tdel: (id: unknown, key: string) => {
      delete table(id)[key];
    },
    tkeys: (id: unknown) => current().handle(Object.keys(table(id)).sort()),
    texists: (id: unknown, key: string) => Object.prototype.hasOwnProperty.call(table(id), key),
    lnew: () => current().handle([]),
    lget: (id: unknown, at: unknown) => {
      const items = list(id);
      const i = index(at);
      return current().describe(i >= 0 && i < items.length ? items[i] : undefined);
    },
    lset: (id: unknown, at: unknown, kind: number, payload: unknown) => {
      const items = list(id);
      const i = index(at);
      if (i < 0) return;
      while (items.length < i) items.push(null);
      items[i] = current().decode(kind, payload);
    },
    llen: (id: unknown) => list(id).length,
    ldel: (id: unknown, at: unknown) => {
      const items = list(id);
      const i = index(at);
      if (i >= 0 && i < items.length) items.splice(i, 1);
    },
    request: (name: string, count: number, a: unknown, b: unknown) => current().requestOp(name, count, a, b),
    response: (name: string, count: number, a: unknown, b: unknown) => current().responseOp(name, count, a, b),
    ctx: (name: string, count: number, a: unknown, b: unknown) => current().ctxOp(name, count, a, b),
    customError: (message: string, status: unknown, contentType: string) => current().raise(message, typeof status === 'number' ? status : -1, contentType),
  };
}
