/**
 * What the router layer hands each endpoint: the request, its response, the matched params. Router-layer
 * components (pipeline `endpoint` factories) wrap an `EndpointHandler`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HeaderMap } from '../proxy/types.js';

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
