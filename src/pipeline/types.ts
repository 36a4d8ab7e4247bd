/**
 * The extension points of the pipeline. A component contributes a factory per layer it lives in; the
 * factory sees its own config block once, at start-up, and returns a middleware or nothing (then the
 * layer is not in the chain at all).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BackendConfig, EndpointConfig, ServiceConfig } from '../config/types.js';
import type { Logger } from '../core/logger.js';
import type { Agent } from '../transport/agent.js';
import type { Middleware } from '../proxy/types.js';
import type { BackendCall } from '../transport/backend-call.js';
import type { SharedStateClient } from '../shared-state/client.js';
import type { EndpointHandler, HandlerMiddleware } from '../router/context.js';
import type { ComponentRegistry } from './registry.js';

// The router layer's request context, re-exported: components take everything they plug in with from here.
export { RequestContext } from '../router/context.js';
export type { EndpointHandler, HandlerMiddleware };

/** Wraps the raw HTTP exchange of one backend (KrakenD's HTTP client factory layer). */
export type BackendCallMiddleware = (next: BackendCall) => BackendCall;

export type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;
export type ServiceMiddleware = (next: RequestListener) => RequestListener;

/** What factories may use: shared per gateway instance, built once. */
export interface BuildContext {
  service: ServiceConfig;
  logger: Logger;
  agent: Agent;
  /** `X-Krakend` value (`Version undefined` with `router.hide_version_header`). */
  versionHeader: string;
  /** Registers work to do when the gateway closes (timers, connections). */
  onClose(cleanup: () => void | Promise<void>): void;
  /** The components, decoders and renderers this gateway is built with. */
  components: ComponentRegistry;
  /**
   * One value per built gateway under `key`, made by `create` the first time it is asked for (a state
   * several factories of one component share, such as the revoker's filter).
   */
  instance<T>(key: symbol, create: () => T): T;
  /**
   * Set in the workers of `portico run -w N`: rate limits, breakers and caches keep their state in the
   * primary process, so it holds per instance. Undefined when this process is the whole instance.
   */
  sharedState?: SharedStateClient;
}

/** Returns true to refuse a verified token by its claims (krakend-jose's rejecter). */
export type ClaimsRejecter = (claims: Readonly<Record<string, unknown>>) => boolean;

export interface ComponentFactories {
  /** Wraps the whole request listener, before routing (CORS, security headers). */
  service?(block: Record<string, unknown>, context: BuildContext): ServiceMiddleware | undefined;
  /** Router layer of one endpoint, before the proxy runs (JWT, rate limits, bot detector). */
  endpoint?(block: Record<string, unknown>, endpoint: EndpointConfig, context: BuildContext): HandlerMiddleware | undefined;
  /** Proxy layer of one endpoint, around the merge (static, flatmap, CEL, Lua). */
  proxy?(block: Record<string, unknown>, endpoint: EndpointConfig, context: BuildContext): Middleware | undefined;
  /** Around one backend's HTTP call (circuit breaker, backend rate limit, cache). */
  backend?(block: Record<string, unknown>, backend: BackendConfig, endpoint: EndpointConfig, context: BuildContext): Middleware | undefined;
  /** Around one backend's raw HTTP exchange, seeing status and headers before decoding (HTTP cache, retry). */
  client?(block: Record<string, unknown>, backend: BackendConfig, endpoint: EndpointConfig, context: BuildContext): BackendCallMiddleware | undefined;
}
