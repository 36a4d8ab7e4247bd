/**
 * The three plugin namespaces as components: each factory finds the TypeScript plugins the config
 * names (loaded with the config, see loader.ts), calls the plugin's factory with its own block once,
 * and adds the resulting layer. A name no plugin provides was allowed to be missing at load time
 * (config/go-plugins.ts refuses it otherwise) and adds nothing.
 */
import type { BackendConfig, EndpointConfig } from '../config/types.js';
import { pluginNames } from '../config/go-plugins.js';
import { formatKeyPath } from '../config/source.js';
import type { KeyPath } from '../config/source.js';
import type { ComponentDefinition } from '../pipeline/registry.js';
import type { BuildContext, RequestListener, ServiceMiddleware } from '../pipeline/types.js';
import type { Middleware } from '../proxy/types.js';
import type { HttpClientHandler, Modifiers, PluginConfig, PluginContext, PluginDefinition } from './api.js';
import { buildPiece } from './failures.js';
import { createPluginCall } from './http-client.js';
import { chainServerMiddlewares, guardListener } from './http-server.js';
import { pluginsOf } from './loaded.js';
import type { LoadedPlugin } from './loaded.js';
import { createModifierMiddleware } from './modifiers.js';
import type { NamedModifiers } from './modifiers.js';

const HTTP_SERVER = 'plugin/http-server';
const HTTP_CLIENT = 'plugin/http-client';
const MODIFIER = 'plugin/req-resp-modifier';

type Block = Record<string, unknown>;

/** The plugin's own block, `block[name]`, as KrakenD's plugins read it; `{}` when absent. */
function ownBlock(block: Block, name: string): PluginConfig {
  const own = block[name];
  return own !== null && typeof own === 'object' && !Array.isArray(own) ? (own as PluginConfig) : {};
}

function pluginContext(block: Block, context: BuildContext, endpoint?: EndpointConfig, backend?: BackendConfig): PluginContext {
  return {
    namespaceBlock: block,
    service: context.service,
    logger: context.logger,
    onClose: context.onClose,
    ...(endpoint ? { endpoint } : {}),
    ...(backend ? { backend } : {}),
  };
}

/** The loaded plugins `block` names that implement `factory`, in config order. */
function namedPlugins(block: Block, context: BuildContext, factory: keyof PluginDefinition): LoadedPlugin[] {
  const plugins = pluginsOf(context.service);
  return pluginNames(block).flatMap((name) => {
    const plugin = plugins.get(name);
    return plugin && typeof plugin.definition[factory] === 'function' ? [plugin] : [];
  });
}

const isFunction = (value: unknown): value is (...args: never[]) => unknown => typeof value === 'function';
const isObject = (value: unknown): value is object => value !== null && typeof value === 'object';

function where(at: KeyPath, namespace: string): string {
  return formatKeyPath([...at, 'extra_config', namespace]);
}

export const pluginHttpServerComponent: ComponentDefinition = {
  namespace: HTTP_SERVER,
  schemas: { service: { type: 'object' } },
  service(block, context) {
    const at = where([], HTTP_SERVER);
    const middlewares = namedPlugins(block, context, 'httpServer').map((plugin): ServiceMiddleware => {
      const factory = plugin.definition.httpServer as NonNullable<PluginDefinition['httpServer']>;
      const middleware = buildPiece(plugin, 'http-server', at, () => factory(ownBlock(block, plugin.name), pluginContext(block, context)), isFunction, 'a middleware: (next) => (request, response) => ...') as ServiceMiddleware;
      return (next) => {
        const listener = buildPiece(plugin, 'http-server', at, () => middleware(next), isFunction, 'a request listener: (request, response) => ...') as RequestListener;
        return guardListener(listener, plugin.name, context.logger, context.versionHeader);
      };
    });
    return middlewares.length === 0 ? undefined : chainServerMiddlewares(middlewares);
  },
};

export const pluginHttpClientComponent: ComponentDefinition = {
  namespace: HTTP_CLIENT,
  schemas: { backend: { type: 'object' } },
  validate(block, _scope, at, issues) {
    const names = pluginNames(block);
    if (names.length > 1) {
      issues.error({ code: 'PRT_ERR_CONFIG_VALUE', at: [...at, 'name'], message: `one backend has one HTTP client: ${names.length} plugins are named`, hint: 'name a single plugin (KrakenD reads one name here)' });
    }
  },
  client(block, backend, endpoint, context) {
    const [plugin] = namedPlugins(block, context, 'httpClient');
    if (plugin === undefined) return undefined;
    const factory = plugin.definition.httpClient as NonNullable<PluginDefinition['httpClient']>;
    const handler = buildPiece(plugin, 'http-client', where(backend.at, HTTP_CLIENT), () => factory(ownBlock(block, plugin.name), pluginContext(block, context, endpoint, backend)), isFunction, 'a handler: (request) => response') as HttpClientHandler;
    const call = createPluginCall(handler, plugin.name);
    // The end of the chain: the default client below is never called.
    return () => call;
  },
};

function buildModifiers(block: Block, context: BuildContext, at: string, endpoint: EndpointConfig, backend?: BackendConfig): Middleware | undefined {
  const entries = namedPlugins(block, context, 'reqRespModifier').map((plugin): NamedModifiers => {
    const factory = plugin.definition.reqRespModifier as NonNullable<PluginDefinition['reqRespModifier']>;
    const modifiers = buildPiece(plugin, 'req-resp-modifier', at, () => factory(ownBlock(block, plugin.name), pluginContext(block, context, endpoint, backend)), isObject, 'an object { request?, response? }') as Modifiers;
    return { plugin: plugin.name, modifiers };
  });
  return createModifierMiddleware(entries);
}

export const pluginModifierComponent: ComponentDefinition = {
  namespace: MODIFIER,
  schemas: { endpoint: { type: 'object' }, backend: { type: 'object' } },
  proxy: (block, endpoint, context) => buildModifiers(block, context, where(endpoint.at, MODIFIER), endpoint),
  backend: (block, backend, endpoint, context) => buildModifiers(block, context, where(backend.at, MODIFIER), endpoint, backend),
};

