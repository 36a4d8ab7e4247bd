/**
 * The order each layer's components run in, outermost first, following KrakenD CE
 * (`executor.go`, `handler_factory.go`, `proxy_factory.go`, `backend_factory.go`). One readable list per
 * layer; a test checks that every component with a factory for a layer is listed here.
 */
/**
 * Namespaces set once at the root whose factories also run for every endpoint and backend layer
 * (krakend-metrics instruments every handler, pipe and backend from its root block).
 */
export const SERVICE_WIDE: ReadonlySet<string> = new Set(['telemetry/metrics']);

/**
 * `auth/revoker` adds no layer: its factory starts the revocation filter with the gateway. A v2-era name
 * KrakenD CE 2.13 still reads sits beside its component's current one.
 */
export const SERVICE_ORDER: readonly string[] = ['auth/revoker', 'telemetry/metrics', 'security/cors', 'security/http', 'modifier/lua-endpoint', 'security/bot-detector'];

export const ENDPOINT_ORDER: readonly string[] = [
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
export const PROXY_ORDER: readonly string[] = ['auth/signer', 'telemetry/metrics', 'modifier/lua-proxy', 'validation/cel', 'validation/json-schema', 'proxy'];

export const BACKEND_ORDER: readonly string[] = ['telemetry/metrics', 'qos/circuit-breaker', 'qos/ratelimit/proxy', 'modifier/lua-backend', 'validation/cel'];

/**
 * Around the raw HTTP exchange, below decoding (krakend-ce `internalNewBackendFactory` and
 * `newRequestExecutorFactory`: Martian wraps the request executor, whose HTTP cache wraps the client).
 * Martian edits the request before the cache sees it; the cache answers before any retry; a miss is
 * retried, then stored. The client-credentials token is the client itself in KrakenD (innermost): each
 * attempt carries the token valid at that moment.
 */
export const CLIENT_ORDER: readonly string[] = [
  'modifier/martian',
  'qos/http-cache',
  'backend/http/retry',
  'auth/client-credentials',
];
