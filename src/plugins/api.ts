/**
 * The TypeScript plugin API: what a module in the root `plugin.folder` default-exports. A plugin gives a
 * factory per KrakenD plugin kind it implements (`plugin/http-server`, `plugin/http-client`,
 * `plugin/req-resp-modifier`); each factory runs once at start-up with its own config block and returns
 * what runs per request. The loader turns every plugin into a ComponentDefinition, the API built-in
 * components use. See docs/plugins.md.
 */
import type { Readable } from 'node:stream';
import type { BackendConfig, EndpointConfig, ServiceConfig } from '../config/types.js';
import type { ServiceMiddleware } from '../pipeline/types.js';
import type { ProxyRequest, ProxyResponse } from '../proxy/types.js';
import type { Logger } from '../core/logger.js';

export type PluginKind = 'http-server' | 'http-client' | 'req-resp-modifier';

/** What every factory receives besides its own block: built once per gateway. */
export interface PluginContext {
  /** The whole `plugin/<kind>` block this plugin was named in, as KrakenD hands it to Go plugins. */
  namespaceBlock: Readonly<Record<string, unknown>>;
  service: ServiceConfig;
  /** Set for plugins named at an endpoint or one of its backends. */
  endpoint?: EndpointConfig;
  /** Set for plugins named at a backend. */
  backend?: BackendConfig;
  logger: Logger;
  /** Work to do when the gateway closes or a reload retires this build (timers, connections). */
  onClose(cleanup: () => void | Promise<void>): void;
}

/** A plugin's own block: `extra_config["plugin/<kind>"][name]`, `{}` when the config gives none. */
export type PluginConfig = Readonly<Record<string, unknown>>;

/** `plugin/http-server`: wraps the service's request listener (Node's `(request, response)`). */
export type HttpServerFactory = (config: PluginConfig, context: PluginContext) => ServiceMiddleware;

/** The backend request an `http-client` plugin sends in place of Portico's HTTP client. */
export interface PluginHttpRequest {
  method: string;
  /** Absolute URL: the backend host, `url_pattern` filled in, and the query. */
  url: string;
  /** Header values by canonical name (`Content-Type`), `Host` excluded. */
  headers: Record<string, string[]>;
  /** Buffered, or the client's body as a stream for single-backend endpoints; null when none. */
  body: Buffer | Readable | null;
  /** Aborted when the endpoint times out or the client goes away. */
  signal: AbortSignal;
}

export interface PluginHttpResponse {
  status: number;
  headers?: Record<string, string | readonly string[]>;
  body?: string | Uint8Array | null;
}

/** Answers a backend call; throwing (or rejecting) fails that backend like a network error. */
export type HttpClientHandler = (request: PluginHttpRequest) => PluginHttpResponse | Promise<PluginHttpResponse>;

/** `plugin/http-client`: replaces one backend's HTTP call. */
export type HttpClientFactory = (config: PluginConfig, context: PluginContext) => HttpClientHandler;

/**
 * Request and response modifiers (KrakenD's `plugin/req-resp-modifier`). Each may change its argument in
 * place or return a replacement; throwing fails the endpoint (or, on a backend, that backend), and an
 * error with a numeric `statusCode` (see HttpError) answers with that status, as in KrakenD.
 */
export interface Modifiers {
  request?(request: ProxyRequest): ProxyRequest | void | Promise<ProxyRequest | void>;
  response?(response: ProxyResponse): ProxyResponse | void | Promise<ProxyResponse | void>;
}

export type ModifierFactory = (config: PluginConfig, context: PluginContext) => Modifiers;

/** The default export of a plugin module: a name and one factory per kind it implements. */
export interface PluginDefinition {
  /** The name the config lists under `name`. */
  name: string;
  httpServer?: HttpServerFactory;
  httpClient?: HttpClientFactory;
  reqRespModifier?: ModifierFactory;
}

/** What definePlugin returns: the factories it was given, each with the full factory signature. */
export type DefinedPlugin<T extends PluginDefinition> = { readonly [K in keyof T]: K extends keyof PluginDefinition ? NonNullable<PluginDefinition[K]> : T[K] };

/**
 * Identity, for type inference: `export default definePlugin({ name: 'x', httpServer(config, context) {...} })`
 * types `config` and `context`, and lets a test call `plugin.httpServer(config, context)` directly.
 */
export function definePlugin<const T extends PluginDefinition>(plugin: T & PluginDefinition): DefinedPlugin<T> {
  return plugin as DefinedPlugin<T>;
}

/** An error a modifier throws to answer with a status (KrakenD's errors with `StatusCode()`). */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    /** The `Content-Type` of `message` when `router.return_error_msg` shows it. */
    readonly contentType = 'text/plain; charset=utf-8',
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/**
 * A context for calling a factory in a plugin's own unit tests: a silent logger whose lines land in
 * `logged`, and `onClose` cleanups collected in `cleanups`.
 */
export function pluginTestContext(overrides: Partial<PluginContext> = {}): PluginContext & { logged: string[]; cleanups: (() => void | Promise<void>)[] } {
  const logged: string[] = [];
  const cleanups: (() => void | Promise<void>)[] = [];
  const line = (level: string) => (message: string): void => {
    logged.push(`${level} ${message}`);
  };
  const logger: Logger = { debug: line('DEBUG'), info: line('INFO'), warn: line('WARNING'), error: line('ERROR'), access: () => undefined, level: 'debug', flush: () => undefined };
  return { namespaceBlock: {}, service: {} as ServiceConfig, logger, onClose: (cleanup) => void cleanups.push(cleanup), ...overrides, logged, cleanups };
}

/** The kinds a definition implements, in the order of PluginKind. */
export function pluginKinds(plugin: PluginDefinition): PluginKind[] {
  const kinds: PluginKind[] = [];
  if (typeof plugin.httpServer === 'function') kinds.push('http-server');
  if (typeof plugin.httpClient === 'function') kinds.push('http-client');
  if (typeof plugin.reqRespModifier === 'function') kinds.push('req-resp-modifier');
  return kinds;
}
