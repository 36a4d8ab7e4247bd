/**
 * Portico's public API: the types a component or a TypeScript plugin is written against, and
 * `definePlugin`. Light on purpose: importing it loads no gateway code (the types are erased).
 */
export type { BlockOwner, ComponentDefinition, Scope } from './pipeline/registry.js';
export type {
  BackendCallMiddleware,
  BuildContext,
  ComponentFactories,
  EndpointHandler,
  HandlerMiddleware,
  RequestListener,
  ServiceMiddleware,
} from './pipeline/types.js';
export type { RequestContext } from './pipeline/types.js';
export type { HeaderMap, Middleware, Proxy, ProxyRequest, ProxyResponse, ResponseMetadata } from './proxy/types.js';
export type { Cancellation } from './core/cancellation.js';
export type { BackendCall, BackendReply, CallOptions } from './transport/backend-call.js';
export type { OutgoingRequest } from './transport/http1-client.js';
export type { BackendConfig, EndpointConfig, ExtraConfig, ServiceConfig } from './config/types.js';
export type { ConfigIssues, IssueInput } from './config/issues.js';
export type { JsonSchema } from './config/schema.js';
export type { KeyPath } from './config/source.js';
export type { Logger } from './core/logger.js';
export type {
  DefinedPlugin,
  HttpClientFactory,
  HttpClientHandler,
  HttpServerFactory,
  ModifierFactory,
  Modifiers,
  PluginConfig,
  PluginContext,
  PluginDefinition,
  PluginHttpRequest,
  PluginHttpResponse,
  PluginKind,
} from './plugins/api.js';
export { definePlugin, HttpError, pluginTestContext } from './plugins/api.js';
