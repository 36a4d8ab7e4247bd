/**
 * `modifier/lua-endpoint`: a Lua `pre` script at the router layer, with KrakenD's `ctx` object (method,
 * url, host, query, params, headers, headerList, body) — per endpoint (inside `auth/validator`, before
 * the rate limits, as KrakenD's handler factory stacks it) or for the whole service (before routing, so
 * `ctx:url()` may send the request to another endpoint). A failing script is answered with a bare 500;
 * `custom_error(message, status, content_type)` with a bare `status` (and its `Content-Type`), as gin's
 * `AbortWithError` does in KrakenD.
 *
 * @example
 * ```json
 * "modifier/lua-endpoint": {
 *   "sources": ["scripts/auth.lua"],
 *   "pre": "local c = ctx.load(); if c:headers('X-Api-Version') == '' then c:headers('X-Api-Version', '2') end",
 *   "allow_open_libs": true
 * }
 * ```
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EndpointConfig } from '../../config/types.js';
import type { BuildContext, HandlerMiddleware, RequestContext, ServiceMiddleware } from '../../pipeline/types.js';
import { readBody } from '../../core/request-body.js';
import { MAX_BUFFERED_BODY_BYTES } from '../../proxy/buffer-body.js';
import type { Block } from '../block-reader.js';
import { rejectRequest } from '../deny.js';
import type { ComponentDefinition } from '../registry.js';
import { LuaCall } from './bridge.js';
import { poolFor } from './lua-proxy.js';
import { loadLuaRuntime } from './runtime.js';
import { LUA_BLOCK_SCHEMA, mentionsBody, readLuaBlock, validateLuaBlock } from './scripts.js';
import type { LuaBlock } from './scripts.js';
import { LuaScriptError } from './vm.js';

export const LUA_ENDPOINT_NAMESPACE = 'modifier/lua-endpoint';

type Run = (request: IncomingMessage, response: ServerResponse, context: RequestContext | undefined) => Promise<boolean>;

/** Runs the `pre` script; resolves false when it answered the client itself (an error). */
function createRouterRun(scripts: LuaBlock, label: string, timeoutMs: number, context: BuildContext): Run {
  const pool = poolFor(scripts, label, context);
  const readsBody = mentionsBody(scripts);
  const logger = context.logger;
  return async function runRouterLua(request, response, routed) {
    let vms;
    try {
      if (readsBody && routed && routed.body === undefined && hasBody(request)) routed.body = await readBody(request, MAX_BUFFERED_BODY_BYTES);
      vms = await pool();
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      logger.error(`${label}[Lua] ${(error as Error).message}`);
      rejectRequest(response, typeof status === 'number' ? status : 500);
      return false;
    }
    const call = new LuaCall(undefined, undefined, { request, context: routed });
    const vm = vms.acquire();
    try {
      vm.begin(call);
      if (scripts.pre !== '') await vm.run('pre', call, timeoutMs);
      return true;
    } catch (error) {
      const custom = error instanceof LuaScriptError ? call.customErrorOf(error.message) : undefined;
      if (custom) {
        rejectRequest(response, custom.status > 0 ? custom.status : 500, custom.contentType ? ['Content-Type', custom.contentType] : undefined);
      } else {
        logger.error(`${label}[Lua] the pre script failed: ${(error as Error).message}`);
        rejectRequest(response, 500);
      }
      return false;
    } finally {
      vms.release(vm);
    }
  };
}

export function createLuaEndpoint(scripts: LuaBlock, endpoint: EndpointConfig, context: BuildContext): HandlerMiddleware {
  const run = createRouterRun(scripts, `[ENDPOINT: ${endpoint.path}]`, endpoint.timeoutMs, context);
  return (next) =>
    function luaBeforeEndpoint(requestContext) {
      void run(requestContext.request, requestContext.response, requestContext).then((goOn) => {
        if (goOn && !requestContext.response.destroyed) next(requestContext);
      });
    };
}

export function createLuaService(scripts: LuaBlock, context: BuildContext): ServiceMiddleware {
  const run = createRouterRun(scripts, '[SERVICE: Gin]', context.service.timeoutMs, context);
  return (next) =>
    function luaBeforeRouting(request, response) {
      void run(request, response, undefined).then((goOn) => {
        if (goOn && !response.destroyed) next(request, response);
      });
    };
}

function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  if (length !== undefined) return length !== '0';
  return request.headers['transfer-encoding'] !== undefined;
}

export const luaEndpointComponent: ComponentDefinition = {
  namespace: LUA_ENDPOINT_NAMESPACE,
  schemas: { service: LUA_BLOCK_SCHEMA, endpoint: LUA_BLOCK_SCHEMA },
  prepare: async () => void (await loadLuaRuntime()),
  validate(block, _scope, at, issues) {
    validateLuaBlock(block, at, issues);
    if (typeof block['post'] === 'string' && block['post'] !== '') {
      issues.warning({ code: 'PRT_WARN_CONFIG_UNSUPPORTED', at: [...at, 'post'], message: 'modifier/lua-endpoint runs "pre" only (as KrakenD\'s router layer); "post" is ignored' });
    }
    if (block['skip_next'] === true) {
      issues.warning({ code: 'PRT_WARN_CONFIG_UNSUPPORTED', at: [...at, 'skip_next'], message: '"skip_next" has no effect at the router layer' });
    }
  },
  endpoint: (block: Block, endpoint, context) => createLuaEndpoint(readLuaBlock(block), endpoint, context),
  service: (block: Block, context) => createLuaService(readLuaBlock(block), context),
};
