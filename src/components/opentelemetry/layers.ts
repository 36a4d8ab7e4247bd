/**
 * The four instrumented layers of krakend-otel, each built once per endpoint or backend:
 * - router (`http/server`): a SERVER span named after the path, `http.server.duration` and
 *   `http.server.response.size` by method, scheme, route and status; reads the client's `traceparent`;
 * - proxy (`lura/proxy.go`): a span named after the endpoint, `krakend.proxy.duration`;
 * - backend (`lura/backend.go`): a span named after the `url_pattern`, `krakend.backend.duration`;
 * - client (`http/client`): a CLIENT span per HTTP exchange, the `http.client.*` metrics, and the
 *   `traceparent` header the backend receives.
 * The parent span's context travels down with the request (`RequestContext.telemetry` →
 * `ProxyRequest.telemetry` → `OutgoingRequest.telemetry`, a `SpanContext`): no async-context tracking on
 * the request path. Spans are the lean tracer's (lean-tracer.ts), not the SDK's.
 */
import { STATUS_CODES } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Attributes, SpanContext } from '@opentelemetry/api';
import type { BackendConfig, EndpointConfig } from '../../config/types.js';
import type { BackendCallMiddleware, HandlerMiddleware, ServiceMiddleware } from '../../pipeline/types.js';
import type { Cancellation } from '../../core/cancellation.js';
import type { Middleware, ProxyResponse } from '../../proxy/types.js';
import { watchBodySize } from '../metrics/component.js';
import { formatTraceparent, parseTraceparent, SPAN_KIND_CLIENT, SPAN_KIND_INTERNAL, SPAN_KIND_SERVER, STATUS_ERROR, STATUS_OK } from './lean-tracer.js';
import type { LeanSpan, LeanTracer } from './lean-tracer.js';
import type { BackendLayer, GlobalLayer, ProxyLayer } from './settings.js';
import { normalizeBackendRoute, normalizeRoute } from './settings.js';
import { seriesCache } from './instruments.js';
import { headerValue } from '../../transport/backend-call.js';
import { FixedAttributes } from './otlp-proto-encoder.js';
import type { HistogramInstrument, HistogramSeries } from './instruments.js';
import type { Instruments, Telemetry } from './telemetry.js';

interface Tracking {
  /** The endpoint's route, once the router matched one. */
  route: string | undefined;
  /** The span context the proxy layer starts from: the SERVER span's, or the client's own. */
  context: SpanContext | undefined;
  metricsAttributes: Attributes | undefined;
  tracesAttributes: Attributes | undefined;
  /** The matched endpoint's memo of its last router series. */
  memo: SeriesMemo | undefined;
}

/** The router series an endpoint's last request was counted in, and what named it: a repeat reuses it. */
interface SeriesMemo {
  status: number;
  method: string;
  scheme: string;
  series: unknown;
}

/**
 * The router layer's state for a request, kept on the request itself for the endpoint layer to find:
 * no module-wide map of requests in flight (a WeakMap's entries also cost every garbage collection).
 */
const TRACKING = Symbol('telemetry/opentelemetry router layer');
type TrackedRequest = IncomingMessage & { [TRACKING]?: Tracking };

const VALID_METHODS = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE']);

/** krakend-otel `validMethod`: unknown methods are `_OTHER`, so clients cannot blow up cardinality. */
function metricMethod(method: string | undefined): string {
  // Node hands known methods over upper-cased already: no copy for them.
  if (method !== undefined && VALID_METHODS.has(method)) return method;
  const upper = (method ?? '').toUpperCase();
  return VALID_METHODS.has(upper) ? upper : '_OTHER';
}

function headerAttributes(prefix: string, headers: IncomingMessage['headers'] | Record<string, string[]>, skip: ReadonlySet<string>, into: Attributes): void {
  for (const name in headers) {
    const lower = name.toLowerCase();
    if (skip.has(lower)) continue;
    const value = headers[name];
    if (value === undefined) continue;
    into[`${prefix}${lower}`] = Array.isArray(value) ? value : [String(value)];
  }
}

/** Router layer: wraps the whole listener, as krakend-otel wraps the server's handler. */
export function routerMiddleware(telemetry: Telemetry, global: GlobalLayer): ServiceMiddleware {
  const tracer = global.disableTraces ? undefined : telemetry.tracer;
  const instruments = global.disableMetrics ? undefined : telemetry.instruments;
  // Duration and size are always recorded together: one lookup binds both.
  const serverSeries = instruments === undefined ? undefined : seriesCache((attributes) => ({ duration: instruments.serverDuration.bind(attributes), size: instruments.serverSize.bind(attributes) }));
  type ServerSeries = ReturnType<NonNullable<typeof serverSeries>>;
  const propagate = !global.disablePropagation;
  const skipPaths = telemetry.settings.skipPaths;
  const fixedMetrics = global.metricsAttributes;
  const fixedTraces = new FixedAttributes({ 'krakend.stage': 'global', ...global.tracesAttributes });
  // Four request attributes the span sets unless a configured static one of the same name wins.
  const [ownUrl, ownServer, ownMethod, ownClient] = ['url.full', 'server.address', 'http.request.method', 'client.address'].map((key) => !Object.hasOwn(fixedTraces.values, key));
  return (next) =>
    function tracedRequest(request: IncomingMessage, response: ServerResponse) {
      const url = request.url ?? '/';
      const queryAt = url.indexOf('?');
      const path = queryAt === -1 ? url : url.slice(0, queryAt);
      if (skipPaths.has(path)) return next(request, response);
      let parent: SpanContext | undefined;
      if (propagate) {
        const header = request.headers.traceparent;
        if (typeof header === 'string') parent = parseTraceparent(header);
      }
      const begin = performance.now();
      const span = tracer?.open(path, SPAN_KIND_SERVER, parent, {}, fixedTraces);
      const tracking: Tracking = { route: undefined, context: span !== undefined ? span.spanContext() : parent, metricsAttributes: undefined, tracesAttributes: undefined, memo: undefined };
      (request as TrackedRequest)[TRACKING] = tracking;
      // Left out by the sampler, and no metrics: the layers below only need the context to propagate.
      if (instruments === undefined && span?.recording !== true) return next(request, response);
      if (span?.recording === true) {
        const attributes = span.ownAttributes;
        if (ownUrl) attributes['url.full'] = url;
        if (ownServer) attributes['server.address'] = request.headers.host ?? '';
        if (ownMethod) attributes['http.request.method'] = request.method ?? '';
        if (ownClient) attributes['client.address'] = `${request.socket.remoteAddress ?? ''}:${request.socket.remotePort ?? ''}`;
        const length = request.headers['content-length'];
        if (length !== undefined) attributes['http.request.body.size'] = Number(length);
        const agent = request.headers['user-agent'];
        if (agent) attributes['user_agent.original'] = agent;
        if (global.reportHeaders) headerAttributes('http.request.header.', request.headers, global.skipHeaders, attributes);
      }
      // gin's `ResponseWriter.Size()`, as krakend-otel reports it.
      const written = watchBodySize(response);
      response.on('close', () => {
        const status = response.statusCode;
        const route = tracking.route ?? `${status} ${STATUS_CODES[status] ?? ''}`;
        const size = Math.max(written.bytes, 0);
        if (serverSeries !== undefined) {
          const method = metricMethod(request.method);
          const scheme = (request.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
          const memo = tracking.memo;
          let series = memo !== undefined && memo.status === status && memo.method === method && memo.scheme === scheme ? (memo.series as ServerSeries) : undefined;
          if (series === undefined) {
            // The route and method name the endpoint, and so its static attributes too.
            const key = `${status} ${method} ${scheme} ${route}`;
            const attributes = (): Attributes => ({ ...fixedMetrics, ...tracking.metricsAttributes, 'http.request.method': method, 'url.scheme': scheme, 'http.route': route, 'http.response.status_code': status });
            series = serverSeries(key, attributes);
            if (memo !== undefined) {
              memo.status = status;
              memo.method = method;
              memo.scheme = scheme;
              memo.series = series;
            }
          }
          series.duration.record((performance.now() - begin) / 1000);
          series.size.record(size);
        }
        if (span?.recording === true) {
          const attributes = span.ownAttributes;
          attributes['http.route'] = route;
          attributes['http.response.status_code'] = status;
          attributes['http.response.body.size'] = size;
          if (tracking.tracesAttributes !== undefined) Object.assign(attributes, tracking.tracesAttributes);
          if (global.reportHeaders) headerAttributes('http.response.header.', response.getHeaders() as Record<string, string[]>, global.skipHeaders, attributes);
          if (!response.writableFinished) span.setStatus(STATUS_ERROR, 'the connection closed before the response was written');
          else span.setStatus(STATUS_OK);
        }
        span?.end();
      });
      next(request, response);
    };
}

/**
 * Endpoint layer (krakend-otel `router/gin`): tells the router layer which route matched, adds the
 * endpoint's static attributes, and hands the trace context to the proxy request.
 */
export function endpointMiddleware(endpoint: EndpointConfig, global: GlobalLayer | undefined): HandlerMiddleware {
  const route = normalizeRoute(endpoint.path);
  const metricsAttributes = global && Object.keys(global.metricsAttributes).length > 0 ? global.metricsAttributes : undefined;
  const tracesAttributes = global && Object.keys(global.tracesAttributes).length > 0 ? global.tracesAttributes : undefined;
  const memo: SeriesMemo = { status: 0, method: '', scheme: '', series: undefined };
  return (next) =>
    function trackedEndpoint(context) {
      const tracking = (context.request as TrackedRequest)[TRACKING];
      if (tracking !== undefined) {
        tracking.route = route;
        tracking.memo = memo;
        tracking.metricsAttributes = metricsAttributes;
        tracking.tracesAttributes = tracesAttributes;
        context.telemetry = tracking.context;
      }
      next(context);
    };
}

interface Outcome {
  errored: boolean;
  canceled: boolean;
  complete: boolean;
}

function isClientGone(cancel: Cancellation): boolean {
  return cancel.aborted && (cancel.reason as { code?: string } | undefined)?.code === 'PRT_ERR_CLIENT_GONE';
}

/** krakend-otel `proxy_meter.go`: a partial answer (some backend failed) counts as an error. */
function outcomeOf(response: ProxyResponse | undefined, error: unknown, cancel: Cancellation): Outcome {
  const canceled = (error !== undefined || response?.error !== undefined) && isClientGone(cancel);
  const errored = (error !== undefined || response?.error !== undefined) && !canceled;
  return { errored, canceled, complete: response?.isComplete === true };
}

/** Proxy (`stage: proxy`) and backend (`stage: backend`) layers: one span and one duration each. */
function stageMiddleware(
  telemetry: Telemetry,
  stage: 'proxy' | 'backend',
  name: string,
  fixed: Attributes,
  options: { metrics: boolean; traces: boolean; metricsAttributes: Attributes; tracesAttributes: Attributes; reportHeaders: boolean; skipHeaders: ReadonlySet<string> },
): Middleware | undefined {
  const tracer = options.traces ? telemetry.tracer : undefined;
  const histogram = options.metrics ? (stage === 'proxy' ? telemetry.instruments?.proxyDuration : telemetry.instruments?.backendDuration) : undefined;
  if (tracer === undefined && histogram === undefined) return undefined;
  const metricAttributes: Attributes = { ...fixed, ...options.metricsAttributes };
  // One series per outcome (error, canceled, complete), bound on first use.
  const outcomeSeries: (HistogramSeries | undefined)[] = new Array(8);
  const seriesOf = (metric: HistogramInstrument, outcome: Outcome): HistogramSeries => {
    const index = (outcome.errored ? 4 : 0) + (outcome.canceled ? 2 : 0) + (outcome.complete ? 1 : 0);
    return (outcomeSeries[index] ??= metric.bind({ ...metricAttributes, error: outcome.errored, canceled: outcome.canceled, complete: outcome.complete }));
  };
  const spanAttributes = new FixedAttributes({ ...fixed, ...options.tracesAttributes, 'krakend.stage': stage });
  return (next) => {
    const measured: ReturnType<Middleware> = async function tracedStage(request, cancel) {
      let span: LeanSpan | undefined;
      let own = request;
      if (tracer !== undefined && !dropped(tracer, request.telemetry)) {
        span = tracer.open(name, SPAN_KIND_INTERNAL, request.telemetry as SpanContext | undefined, {}, spanAttributes);
        if (span.recording && options.reportHeaders) headerAttributes('http.request.header.', request.headers, options.skipHeaders, span.ownAttributes);
        // Each backend of a merge shares the request object: the child context travels on a copy.
        own = { ...request, telemetry: span.spanContext() };
      }
      const begin = performance.now();
      let response: ProxyResponse | undefined;
      let failure: unknown;
      try {
        response = await next(own, cancel);
        return response;
      } catch (error) {
        failure = error ?? new Error('failed');
        throw error;
      } finally {
        const outcome = outcomeOf(response, failure, cancel);
        if (histogram !== undefined) seriesOf(histogram, outcome).record((performance.now() - begin) / 1000);
        if (span !== undefined) endStageSpan(span, response, failure, outcome, options);
      }
    };
    if (tracer === undefined || histogram !== undefined) return measured;
    // Traces only: a request the sampler left out goes straight through, without the async frame.
    return function sampledStage(request, cancel) {
      if (!dropped(tracer, request.telemetry)) return measured(request, cancel);
      return passOn(() => next(request, cancel));
    };
  };
}

/** True when the tracer opens no span under this request's context (see `LeanTracer.dropsChildrenOf`). */
function dropped(tracer: LeanTracer, context: unknown): context is SpanContext {
  return context !== undefined && tracer.dropsChildrenOf(context as SpanContext);
}

/** `call()`'s promise, with a synchronous throw turned into a rejection as an async layer would. */
function passOn<T>(call: () => Promise<T>): Promise<T> {
  try {
    return call();
  } catch (error) {
    return Promise.reject(error);
  }
}

function endStageSpan(span: LeanSpan, response: ProxyResponse | undefined, failure: unknown, outcome: Outcome, options: { reportHeaders: boolean; skipHeaders: ReadonlySet<string> }): void {
  if (!span.recording) return span.end();
  if (failure !== undefined) {
    if (outcome.canceled) span.setAttribute('canceled', true);
    else span.setAttribute('error', (failure as Error).message ?? String(failure));
    span.setAttribute('http.response.status_code', 500);
  } else if (response !== undefined) {
    span.setAttribute('http.response.status_code', response.metadata.statusCode);
    if (options.reportHeaders) headerAttributes('http.response.header.', response.metadata.headers, options.skipHeaders, span.ownAttributes);
  }
  span.setAttribute('complete', outcome.complete);
  span.end();
}

export function proxyMiddleware(telemetry: Telemetry, endpoint: EndpointConfig, layer: ProxyLayer): Middleware | undefined {
  const route = normalizeRoute(endpoint.path);
  return stageMiddleware(telemetry, 'proxy', route, { 'http.request.method': endpoint.method, 'http.route': route }, {
    metrics: !layer.disableMetrics,
    traces: !layer.disableTraces,
    metricsAttributes: layer.metricsAttributes,
    tracesAttributes: layer.tracesAttributes,
    reportHeaders: layer.reportHeaders,
    skipHeaders: layer.skipHeaders,
  });
}

function backendAttributes(backend: BackendConfig, endpoint: EndpointConfig): Attributes {
  return {
    'http.request.method': backend.method,
    'http.route': normalizeBackendRoute(backend.urlPattern),
    'krakend.endpoint.route': normalizeRoute(endpoint.path),
    'krakend.endpoint.method': endpoint.method,
  };
}

export function backendMiddleware(telemetry: Telemetry, backend: BackendConfig, endpoint: EndpointConfig, layer: BackendLayer): Middleware | undefined {
  return stageMiddleware(telemetry, 'backend', normalizeBackendRoute(backend.urlPattern), backendAttributes(backend, endpoint), {
    metrics: !layer.metrics.disableStage,
    traces: !layer.traces.disableStage,
    metricsAttributes: layer.metrics.attributes,
    tracesAttributes: layer.traces.attributes,
    reportHeaders: layer.traces.reportHeaders,
    skipHeaders: layer.traces.skipHeaders,
  });
}

const TRACEPARENT_LINE = /^traceparent:.*\r\n/gim;

/**
 * The backend's header lines with `traceparent` set to `context`'s, any already there (a forwarded
 * client header, a modifier's) removed. Measured: the replace costs ~60 ns when there is none to
 * remove (V8 returns the same string), no more than a pre-check would.
 */
export function withTraceparent(headerLines: string, context: SpanContext): string {
  return `${headerLines.replace(TRACEPARENT_LINE, '')}Traceparent: ${formatTraceparent(context)}\r\n`;
}

/** `scheme://host:port` → server.address and server.port, computed once per origin. */
function serverOf(origins: Map<string, { address: string; port: number }>, origin: string): { address: string; port: number } {
  let server = origins.get(origin);
  if (server === undefined) {
    try {
      const url = new URL(origin);
      server = { address: url.hostname, port: Number(url.port) || (url.protocol === 'https:' ? 443 : 80) };
    } catch {
      server = { address: origin, port: 0 };
    }
    if (origins.size < 1024) origins.set(origin, server);
  }
  return server;
}

/** Binds on the first call, then returns the same series. */
function lazily<S>(bind: () => S): () => S {
  let series: S | undefined;
  return () => (series ??= bind());
}

/**
 * A client layer's `http.client.*` series, one set per status, method and origin (one lookup per call);
 * each is bound when first recorded, so a series that never counts anything is never exported.
 */
function clientSeries(instruments: Instruments) {
  return seriesCache((attributes) => ({
    started: lazily(() => instruments.clientStarted.bind(attributes)),
    requestSize: lazily(() => instruments.clientRequestSize.bind(attributes)),
    duration: lazily(() => instruments.clientDuration.bind(attributes)),
    responseSize: lazily(() => instruments.clientResponseSize.bind(attributes)),
    noContentLength: lazily(() => instruments.clientNoContentLength.bind(attributes)),
    canceled: lazily(() => instruments.clientCanceled.bind(attributes)),
    timedOut: lazily(() => instruments.clientTimedOut.bind(attributes)),
    failed: lazily(() => instruments.clientFailed.bind(attributes)),
  }));
}

/**
 * Client layer (krakend-otel `http/client`): one CLIENT span per HTTP exchange, the `http.client.*`
 * metrics, and the `traceparent` the backend receives (any the client sent is replaced).
 */
export function clientMiddleware(telemetry: Telemetry, backend: BackendConfig, endpoint: EndpointConfig, layer: BackendLayer): BackendCallMiddleware | undefined {
  const tracer = layer.traces.roundTrip ? telemetry.tracer : undefined;
  const instruments = layer.metrics.roundTrip ? telemetry.instruments : undefined;
  const series = instruments === undefined ? undefined : clientSeries(instruments);
  const fixed = backendAttributes(backend, endpoint);
  const clientName = normalizeBackendRoute(backend.urlPattern);
  const metricFixed: Attributes = { ...fixed, ...layer.metrics.attributes, clientname: clientName };
  const spanFixed = new FixedAttributes({ ...fixed, 'krakend.stage': 'backend-request', ...layer.traces.attributes });
  const fixedMethod = spanFixed.values['http.request.method'];
  const origins = new Map<string, { address: string; port: number }>();
  type ClientSeries = ReturnType<NonNullable<typeof series>>;
  const last: { status: number; method: string; origin: string; bound: ClientSeries | undefined } = { status: 0, method: '', origin: '', bound: undefined };
  return (next) => {
    const measured: ReturnType<BackendCallMiddleware> = async function tracedCall(origin, request, options, cancel) {
      const parent = request.telemetry as SpanContext | undefined;
      const server = serverOf(origins, origin);
      let span: LeanSpan | undefined;
      if (tracer !== undefined && !dropped(tracer, parent)) {
        span = tracer.open(clientName, SPAN_KIND_CLIENT, parent, {}, spanFixed);
        if (span.recording) {
          const attributes = span.ownAttributes;
          attributes['url.full'] = origin + request.target;
          attributes['server.address'] = server.address;
          // The fixed set has the backend's method; a sequential proxy or a modifier may have changed it.
          if (request.method !== fixedMethod) attributes['http.request.method'] = request.method;
          if (request.bodyLength !== undefined) attributes['http.request.body.size'] = request.bodyLength;
        }
      }
      const spanContext = span !== undefined ? span.spanContext() : parent;
      // The parent context is valid by construction (the lean tracer's, or a parsed traceparent).
      const outgoing = spanContext === undefined ? request : { ...request, headerLines: withTraceparent(request.headerLines, spanContext) };
      const begin = performance.now();
      try {
        const reply = await next(origin, outgoing, options, cancel);
        const seconds = (performance.now() - begin) / 1000;
        const length = headerValue(reply.headers, 'content-length', 'Content-Length');
        if (series !== undefined) {
          let bound = last.bound;
          // A backend mostly answers one status to one method from one origin: no key built for a repeat.
          if (bound === undefined || last.status !== reply.statusCode || last.method !== request.method || last.origin !== origin) {
            const key = `${reply.statusCode} ${request.method} ${origin}`;
            const attributes = (): Attributes => ({ ...metricFixed, 'http.request.method': request.method, 'server.address': server.address, 'server.port': server.port, 'http.response.status_code': reply.statusCode });
            bound = series(key, attributes);
            last.status = reply.statusCode;
            last.method = request.method;
            last.origin = origin;
            last.bound = bound;
          }
          bound.started().add(1);
          if (request.bodyLength !== undefined) bound.requestSize().add(request.bodyLength);
          bound.duration().record(seconds);
          if (request.method !== 'HEAD') {
            if (length !== undefined) bound.responseSize().record(Number(length));
            else bound.noContentLength().add(1);
          }
        }
        if (span?.recording === true) {
          const attributes = span.ownAttributes;
          attributes['http.response.status_code'] = reply.statusCode;
          attributes['http.response.body.size'] = length === undefined ? -1 : Number(length);
          attributes['response-duration'] = seconds;
          span.setStatus(STATUS_OK);
        }
        span?.end();
        return reply;
      } catch (error) {
        const seconds = (performance.now() - begin) / 1000;
        if (series !== undefined) {
          // krakend-otel: no status without a response (0); a canceled call is not a failure.
          const key = `0 ${request.method} ${origin}`;
          const attributes = (): Attributes => ({ ...metricFixed, 'http.request.method': request.method, 'server.address': server.address, 'server.port': server.port, 'http.response.status_code': 0 });
          const bound = series(key, attributes);
          bound.started().add(1);
          if (request.bodyLength !== undefined) bound.requestSize().add(request.bodyLength);
          const reason = cancel.aborted ? (cancel.reason as { code?: string } | undefined)?.code : undefined;
          if (reason === 'PRT_ERR_CLIENT_GONE') bound.canceled().add(1);
          else {
            if (reason === 'PRT_ERR_TIMEOUT') bound.timedOut().add(1);
            bound.failed().add(1);
          }
          bound.duration().record(seconds);
        }
        if (span?.recording === true) {
          span.recordException(error);
          span.setStatus(STATUS_ERROR, (error as Error).message);
        }
        span?.end();
        throw error;
      }
    };
    if (tracer === undefined || series !== undefined) return measured;
    // Traces only: a request the sampler left out gets its `traceparent` and goes straight through.
    return function sampledCall(origin, request, options, cancel) {
      const parent = request.telemetry;
      if (!dropped(tracer, parent)) return measured(origin, request, options, cancel);
      return passOn(() => next(origin, { ...request, headerLines: withTraceparent(request.headerLines, parent) }, options, cancel));
    };
  };
}
