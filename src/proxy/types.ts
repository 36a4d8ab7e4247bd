import type { Readable } from 'node:stream';
import type { Cancellation } from '../core/cancellation.js';
import type { PassthroughBody } from '../transport/passthrough-body.js';

/** Header values by canonical name, as Go's `http.Header` holds them. */
export type HeaderMap = Record<string, string[]>;

/** What one layer passes to the next: the client's request, already filtered by the endpoint. */
export interface ProxyRequest {
  method: string;
  /** Endpoint `{params}` by name, plus `resp0_x` / `JWT.x` values added by components. */
  params: Record<string, string>;
  /** Query strings allowed through by the endpoint, in a stable key order; null when none. */
  query: Record<string, string[]> | null;
  headers: HeaderMap;
  /** Buffered body, or the client's stream for single-backend endpoints. */
  body: Buffer | Readable | null;
  /** Declared length of a streamed body; undefined for chunked. */
  bodyLength: number | undefined;
  /** The path the client asked for (without query). */
  path: string;
  /**
   * Wildcard endpoints: the rest of the client's path after the prefix, still percent-encoded as sent and
   * already checked (no dot-segments, no encoded separators); HTTP backends append it to their path.
   */
  wildcardRest?: string;
  /**
   * Set by a backend-level component that rewrote the call itself (Lua's `req:method()`, `req:url()`):
   * the HTTP backend then uses these instead of the backend's `method` and host + `url_pattern` + query.
   */
  callOverride?: CallOverride;
  /** Opaque trace context of the innermost traced layer (`telemetry/opentelemetry`); absent without it. */
  telemetry?: unknown;
}

export interface CallOverride {
  method?: string;
  /** `scheme://host:port` and the request target (path and query), both already encoded. */
  url?: { origin: string; target: string };
}

export interface ResponseMetadata {
  statusCode: number;
  headers: HeaderMap;
}

export interface ProxyResponse {
  data: Record<string, unknown>;
  isComplete: boolean;
  metadata: ResponseMetadata;
  /** no-op encoding: the backend body, streamed to the client untouched. */
  body: PassthroughBody | null;
  /**
   * Set on a partial answer when some backend failed (lura returns both a response and an error):
   * the static proxy's `errored`/`success` strategies and the endpoint flatmap read it.
   */
  error?: Error;
}

/** One call of the layer below (lura's `proxy.Proxy`). Never resolves after `cancel` aborts without a result. */
export type Proxy = (request: ProxyRequest, cancel: Cancellation) => Promise<ProxyResponse>;

export type Middleware = (next: Proxy) => Proxy;

export function emptyMetadata(): ResponseMetadata {
  return { statusCode: 200, headers: {} };
}
