/**
 * `modifier/lua-proxy` (endpoint) and `modifier/lua-backend` (backend): Lua scripts run around the
 * endpoint's proxy or one backend's call, with KrakenD's `request` and `response` objects (krakend-lua).
 * `pre` runs before the call and may change the request (headers, params, query, body; on a backend
 * also its method and URL); `post` runs on the response (data, status, headers, completeness).
 * `custom_error(message, status, content_type)` ends the request with that answer.
 *
 * @example
 * ```json
 * "modifier/lua-backend": {
 *   "sources": ["scripts/tenant.lua"],
 *   "pre": "local r = request.load(); r:headers('X-Tenant', r:params('Tenant'))",
 *   "post": "local d = response.load():data(); d:set('served_by', 'portico')",
 *   "allow_open_libs": true
 * }
 * ```
 */
import type { BackendConfig, EndpointConfig } from '../../config/types.js';
import type { BuildContext } from '../../pipeline/types.js';
import { bufferRequestBody } from '../../proxy/buffer-body.js';
import { GatewayError } from '../../core/errors.js';
import type { Middleware, ProxyRequest, ProxyResponse } from '../../proxy/types.js';
import { compileUrlPattern } from '../../proxy/url-template.js';
import { createStaticBalancer } from '../../transport/balancer.js';
import type { Block } from '../block-reader.js';
import type { ComponentDefinition } from '../registry.js';
import { LuaCall } from './bridge.js';
import type { BackendTarget, CustomError } from './bridge.js';
import { loadedLuaRuntime, loadLuaRuntime } from './runtime.js';
import type { LuaModule } from './runtime.js';
import { LUA_BLOCK_SCHEMA, mentionsBody, readLuaBlock, validateLuaBlock } from './scripts.js';
import type { LuaBlock } from './scripts.js';
import { LuaScriptError, LuaVmPool } from './vm.js';

export const LUA_PROXY_NAMESPACE = 'modifier/lua-proxy';
export const LUA_BACKEND_NAMESPACE = 'modifier/lua-backend';

/** `custom_error(...)`: its status (500 when none) and, with `return_error_msg`, its message and type. */
export class LuaCustomError extends GatewayError {
  readonly statusCode: number;
  readonly contentType: string;
  constructor(custom: CustomError) {
    super('PRT_ERR_LUA_CUSTOM', custom.message);
    this.statusCode = custom.status > 0 ? custom.status : 500;
    this.contentType = custom.contentType;
  }
}

interface LuaSettings {
  label: string;
  timeoutMs: number;
  /** Present at the backend: what `req:url()`, `req:path()` and `req:method()` refer to. */
  backend: BackendTarget | undefined;
}

/**
 * The VM pool, built now when the runtime is loaded (always after `loadConfig`), else on first use.
 * Scripts that do not load fail every request of their endpoint (closed, as in KrakenD), not the gateway.
 */
export function poolFor(scripts: LuaBlock, label: string, context: BuildContext): () => Promise<LuaVmPool> {
  let pool: LuaVmPool | undefined;
  let failure: GatewayError | undefined;
  const build = (module: LuaModule): LuaVmPool => {
    try {
      pool = new LuaVmPool(module, scripts);
      return pool;
    } catch (error) {
      failure = new GatewayError('PRT_ERR_LUA_SCRIPT', `the Lua scripts do not load: ${firstLine((error as Error).message)}`);
      context.logger.error(`${label}[Lua] ${failure.message}; every request of this endpoint fails`);
      throw failure;
    }
  };
  const runtime = loadedLuaRuntime();
  if (runtime) {
    try {
      build(runtime);
    } catch {
      // logged; the requests answer with it
    }
  }
  context.onClose(() => pool?.close());
  let building: Promise<LuaVmPool> | undefined;
  return () => {
    if (pool) return Promise.resolve(pool);
    if (failure) return Promise.reject(failure);
    building ??= loadLuaRuntime().then(build);
    return building;
  };
}

export function createLuaMiddleware(scripts: LuaBlock, settings: LuaSettings, context: BuildContext): Middleware {
  const pool = poolFor(scripts, settings.label, context);
  const readsBody = mentionsBody(scripts);
  const hasPre = scripts.pre !== '';
  const hasPost = scripts.post !== '';
  const { label, timeoutMs, backend } = settings;
  const logger = context.logger;

  const runStage = async (vm: ReturnType<LuaVmPool['acquire']>, stage: 'pre' | 'post', call: LuaCall): Promise<void> => {
    try {
      await vm.run(stage, call, timeoutMs);
    } catch (error) {
      if (!(error instanceof LuaScriptError)) throw error;
      const custom = call.customErrorOf(error.message);
      if (custom) throw new LuaCustomError(custom);
      logger.debug(`${label}[Lua][${stage}] ${error.message}`);
      throw new GatewayError('PRT_ERR_LUA_SCRIPT', `the Lua ${stage} script failed: ${firstLine(error.message)}`);
    }
  };

  return (next) =>
    async function runLua(request, cancel) {
      if (readsBody) await bufferRequestBody(request, cancel);
      // A backend works on its own copy: sibling backends must not see its changes.
      const own = backend ? copyRequest(request) : request;
      const call = new LuaCall(own, backend);
      const vms = await pool();
      const vm = vms.acquire();
      try {
        vm.begin(call);
        if (hasPre) await runStage(vm, 'pre', call);
        const response = scripts.skipNext ? emptyResponse() : await next(own, cancel);
        if (hasPost) {
          call.response = response;
          await runStage(vm, 'post', call);
        }
        return response;
      } finally {
        vms.release(vm);
      }
    };
}

function copyRequest(request: ProxyRequest): ProxyRequest {
  return { ...request, headers: { ...request.headers }, params: { ...request.params } };
}

/** `skip_next`: the script answers alone, starting from lura's empty response. */
function emptyResponse(): ProxyResponse {
  return { data: {}, isComplete: false, metadata: { statusCode: 0, headers: {} }, body: null };
}

function firstLine(text: string): string {
  const end = text.indexOf('\n');
  return end === -1 ? text : text.slice(0, end);
}

function backendTarget(backend: BackendConfig): BackendTarget {
  return { template: compileUrlPattern(backend.urlPattern), balancer: createStaticBalancer(backend.hosts.length > 0 ? backend.hosts : ['']), method: backend.method };
}

export const luaProxyComponent: ComponentDefinition = {
  namespace: LUA_PROXY_NAMESPACE,
  schemas: { endpoint: LUA_BLOCK_SCHEMA },
  prepare: async () => void (await loadLuaRuntime()),
  validate: (block, _scope, at, issues) => validateLuaBlock(block, at, issues),
  proxy: (block: Block, endpoint: EndpointConfig, context) =>
    createLuaMiddleware(readLuaBlock(block), { label: `[ENDPOINT: ${endpoint.path}]`, timeoutMs: endpoint.timeoutMs, backend: undefined }, context),
};

export const luaBackendComponent: ComponentDefinition = {
  namespace: LUA_BACKEND_NAMESPACE,
  schemas: { backend: LUA_BLOCK_SCHEMA },
  prepare: async () => void (await loadLuaRuntime()),
  validate: (block, _scope, at, issues) => validateLuaBlock(block, at, issues),
  backend: (block: Block, backend: BackendConfig, endpoint: EndpointConfig, context) =>
    createLuaMiddleware(readLuaBlock(block), { label: `[BACKEND: ${backend.urlPattern}]`, timeoutMs: endpoint.timeoutMs, backend: backendTarget(backend) }, context),
};
