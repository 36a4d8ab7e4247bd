/**
 * The order each layer's components run in, outermost first, following KrakenD CE
 * (`executor.go`, `handler_factory.go`, `proxy_factory.go`, `backend_factory.go`). One readable list per
 * layer; a test checks that every component with a factory for a layer is listed here.
 */
/**
 * Namespaces set once at the root whose factories also run for every endpoint and backend layer
 * (krakend-metrics instruments every handler, pipe and backend from its root block).
 */
export const SERVICE_WIDE: ReadonlySet<string> = new Set(['telemetry/metrics', 'telemetry/opentelemetry', 'telemetry/opencensus']);

/**
 * `auth/revoker` and `telemetry/influx` add no layer: their factories start the revocation filter and
 * the metrics pusher with the gateway. A v2-era name
 * KrakenD CE 2.13 still reads sits beside its component's current one.
 */
export const SERVICE_ORDER: readonly string[] = ['plugin/http-server', 'auth/revoker', 'telemetry/opentelemetry', 'telemetry/opencensus', 'telemetry/metrics', 'telemetry/influx', 'security/cors', 'security/http', 'modifier/lua-endpoint', 'security/bot-detector'];

export const ENDPOINT_ORDER: readonly string[] = [
  // krakend-otel's gin wrapper only names the route for the router span and metrics: outermost, so a
  // request refused by any component below is still counted under its route.
  'telemetry/opentelemetry',
  'telemetry/opencensus',
  'security/bot-detector',
  // krakend-ce handler_factory.go: metrics wrap JWT, Lua and the rate limits; the bot detector wraps metrics.
  'telemetry/metrics',
  'auth/api-keys',
  'auth/basic',
  'auth/validator',
  'modifier/lua-endpoint',
  // `qos/ratelimit/router/redis` has no middleware of its own: it moves these buckets into Redis.
  'qos/ratelimit/router',
  // KrakenD's token signer replaces the endpoint handler, inside the validator and the rate limits.
  'auth/signer',
  // Switches to WebSocket instead of calling the endpoint handler: every check above has passed.
  'websocket',
];

/** `proxy` holds static data and the endpoint flatmap; sequential/shadow are read by the merge itself. */
/** lura's default factory: static data wraps the endpoint's modifier plugins, which wrap the merge. */
export const PROXY_ORDER: readonly string[] = ['auth/signer', 'telemetry/opentelemetry', 'telemetry/opencensus', 'telemetry/metrics', 'modifier/lua-proxy', 'validation/cel', 'validation/json-schema', 'proxy', 'plugin/req-resp-modifier'];

/**
 * Backends that are not HTTP calls: their factory replaces the HTTP call, so they come last (innermost),
 * inside the backend components, as in krakend-ce `backend_factory.go` (pubsub, AMQP and Lambda wrap the
 * HTTP factory; CEL, Lua, rate limit, breaker and metrics wrap them).
 */
export const NON_HTTP_BACKENDS: readonly string[] = ['backend/pubsub/subscriber', 'backend/pubsub/publisher', 'backend/amqp/consumer', 'backend/amqp/producer', 'backend/lambda'];

/** lura `newStack`: a backend's modifier plugins wrap its whole backend factory. */
export const BACKEND_ORDER: readonly string[] = ['plugin/req-resp-modifier', 'telemetry/opentelemetry', 'telemetry/opencensus', 'telemetry/metrics', 'qos/circuit-breaker', 'qos/ratelimit/proxy', 'modifier/lua-backend', 'validation/cel', ...NON_HTTP_BACKENDS];

/**
 * Around the raw HTTP exchange, below decoding (krakend-ce `internalNewBackendFactory` and
 * `newRequestExecutorFactory`: Martian wraps the request executor, whose HTTP cache wraps the client).
 * Martian edits the request before the cache sees it; the cache answers before any retry; a miss is
 * retried, then stored. The client-credentials token is the client itself in KrakenD (innermost): each
 * attempt carries the token valid at that moment.
 */
export const CLIENT_ORDER: readonly string[] = [
  'modifier/martian',
  // Replaces KrakenD's HTTP client, with the cache, retries and client credentials around it: those are not used.
  'plugin/http-client',
  'qos/http-cache',
  'backend/http/retry',
  'auth/client-credentials',
  // krakend-otel instruments the HTTP client itself: one span and one traceparent per attempt.
  'telemetry/opentelemetry',
  'telemetry/opencensus',
];
