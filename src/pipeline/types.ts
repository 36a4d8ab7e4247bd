/**
 * The extension points of the pipeline. A component contributes a factory per layer it lives in; the
 * factory sees its own config block once, at start-up, and returns a middleware or nothing (then the
 * layer is not in the chain at all).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BackendConfig, EndpointConfig, ServiceConfig } from '../config/types.js';
import type { Logger } from '../server/logger.js';
import type { Agent } from '../transport/agent.js';
import type { HeaderMap, Middleware } from '../proxy/types.js';
import type { BackendCall } from '../transport/backend-call.js';
import type { SharedStateClient } from '../shared-state/client.js';

/** Everything the router layer knows about one request; one shape for every request. */
export class RequestContext {
  /** Extra params for `url_pattern` placeholders (e.g. `JWT.sub`), set by router-layer components. */
  extraParams: Record<string, string> | undefined = undefined;
  /** Extra headers for backends (e.g. propagated JWT claims). */
  extraHeaders: HeaderMap | undefined = undefined;
  /** Verified token claims, when `auth/validator` ran. */
  claims: Record<string, unknown> | undefined = undefined;
  /**
   * Set by `auth/signer`: answer as KrakenD's token signer does, with the backend's status and headers and
   * the JSON data plus a newline, without `X-Krakend`, `X-Krakend-Completed` or `Cache-Control`.
   */
  plainJsonAnswer = false;
  /** The client's body, when a router-layer component had to read it (Lua's `ctx:body()`); used instead of the stream. */
  body: Buffer | undefined = undefined;
  /** Opaque trace context set by `telemetry/opentelemetry`, handed to the proxy request. */
  telemetry: unknown = undefined;

  constructor(
    readonly request: IncomingMessage,
    readonly response: ServerResponse,
    readonly params: Record<string, string>,
    /** Path and query the endpoint reads; router-layer components may rewrite them (Lua's `ctx:url()`). */
    public path: string,
    public rawQuery: string,
  ) {}
}

export type EndpointHandler = (context: RequestContext) => void;
export type HandlerMiddleware = (next: EndpointHandler) => EndpointHandler;

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
  /**
   * Set in the workers of `portico run -w N`: rate limits, breakers and caches keep their state in the
   * primary process, so it holds per instance. Undefined when this process is the whole instance.
   */
  sharedState?: SharedStateClient;
}

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
