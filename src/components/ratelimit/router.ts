/**
 * `qos/ratelimit/router`: endpoint and per-client rate limits (krakend-ratelimit `router/gin`).
 * Over `max_rate` the endpoint answers 503, over `client_max_rate` 429; both with an empty body and
 * no `X-Krakend` headers, as KrakenD's aborted gin handlers do. It runs after JWT validation
 * (ENDPOINT_ORDER), so rejected tokens consume nothing. With `qos/ratelimit/router/redis` the buckets
 * are shared by every replica; otherwise they hold per instance: in this process, or with
 * `portico run -w N` in the primary process, which every worker asks (shared-limiters.ts).
 *
 * ```json
 * "extra_config": {
 *   "qos/ratelimit/router": {
 *     "max_rate": 100, "capacity": 100, "every": "1s",
 *     "client_max_rate": 10, "client_capacity": 10, "strategy": "ip",
 *     "num_shards": 2048, "cleanup_period": "1m"
 *   }
 * }
 * ```
 */
import type { ServerResponse } from 'node:http';
import { parseDuration } from '../../config/duration.js';
import type { EndpointConfig } from '../../config/types.js';
import type { BuildContext, HandlerMiddleware, RequestContext } from '../../pipeline/types.js';
import { monotonicClock } from '../clock.js';
import type { ComponentDefinition } from '../registry.js';
import { createClientKeyReader } from './client-key.js';
import type { Strategy } from './client-key.js';
import { bucketSettings, everyMs, MIN_EVERY_MS, positiveNumber } from './rate-settings.js';
import { RedisBuckets } from './redis-buckets.js';
import { redisSettingsFor } from './redis-settings.js';
import type { RedisConnectionSettings } from './redis-buckets.js';
import { ALLOWED, createMemoryLimiter, createRedisLimiter } from './router-limiter.js';
import { createSharedRouterLimiter } from './shared-limiters.js';
import { Sweeper } from './sweeper.js';
import type { LimiterBuckets, RouterLimiter } from './router-limiter.js';

export const ROUTER_NAMESPACE = 'qos/ratelimit/router';
const DEFAULT_SHARDS = 2048;
const DEFAULT_CLEANUP_MS = 60_000;
/** Portico's bound on remembered clients per endpoint (KrakenD has none). */
const DEFAULT_MAX_CLIENTS = 100_000;

const rate = { type: 'number', minimum: 0 };
const count = { type: 'integer', minimum: 0 };

export const routerRateLimitComponent: ComponentDefinition = {
  namespace: ROUTER_NAMESPACE,
  schemas: {
    endpoint: {
      type: 'object',
      properties: {
        max_rate: rate,
        capacity: count,
        every: { $ref: '#/$defs/duration' },
        client_max_rate: rate,
        client_capacity: count,
        strategy: { type: 'string', enum: ['ip', 'header', 'param'] },
        key: { type: 'string' },
        num_shards: { type: 'integer', minimum: 1 },
        cleanup_period: { $ref: '#/$defs/duration' },
        cleanup_threads: { type: 'integer', minimum: 1, description: 'Accepted for KrakenD compatibility; one sweep suffices in Node.' },
        max_clients: { type: 'integer', minimum: 1, description: `Portico: most client buckets kept in memory per endpoint (default ${DEFAULT_MAX_CLIENTS}).` },
      },
      patternProperties: { '^[@$_#]': {} },
      additionalProperties: false,
    },
  },
  validate(block, _scope, at, issues, service, owner) {
    const maxRate = positiveNumber(block['max_rate']);
    const clientMaxRate = positiveNumber(block['client_max_rate']);
    if (maxRate === 0 && clientMaxRate === 0) {
      issues.warning({ code: 'PRT_WARN_CONFIG_UNUSED', at, message: 'neither max_rate nor client_max_rate is set above 0, so nothing is limited' });
    }
    const every = block['every'];
    if (typeof every === 'string' && (parseDuration(every) ?? MIN_EVERY_MS) < MIN_EVERY_MS) {
      issues.warning({ code: 'PRT_WARN_CONFIG_CLAMPED', at: [...at, 'every'], message: 'every is below 1s; 1s is used (as KrakenD does)', found: every });
    }
    const cleanup = block['cleanup_period'];
    if (typeof cleanup === 'string' && (parseDuration(cleanup) ?? 1000) < 1000) {
      issues.warning({ code: 'PRT_WARN_CONFIG_CLAMPED', at: [...at, 'cleanup_period'], message: 'cleanup_period is below 1s; 1s is used (as KrakenD does)', found: cleanup });
    }
    if (clientMaxRate === 0) return;
    const strategy = block['strategy'];
    const key = typeof block['key'] === 'string' ? block['key'] : '';
    if (strategy === undefined) {
      issues.warning({
        code: 'PRT_WARN_CONFIG_DEFAULTED',
        at: [...at, 'strategy'],
        message: 'client_max_rate without strategy: Portico limits per client IP (KrakenD would ignore client_max_rate)',
        hint: 'set "strategy": "ip", "header" or "param"',
      });
    }
    if ((strategy === 'header' || strategy === 'param') && key === '') {
      issues.error({ code: 'PRT_ERR_CONFIG_REQUIRED', at: [...at, 'key'], message: `the ${strategy} strategy needs the ${strategy} name in key`, expected: strategy === 'header' ? 'a header name such as "X-Api-Key"' : 'an endpoint param name' });
    }
    if (strategy === 'param' && key !== '') {
      const endpoint = owner.endpoint;
      if (endpoint && !endpoint.params.includes(key)) {
        issues.error({ code: 'PRT_ERR_CONFIG_VALUE', at: [...at, 'key'], message: `"${key}" is not a param of ${endpoint.path}`, expected: `one of: ${endpoint.params.join(', ') || '(the endpoint has no params)'}`, found: key });
      }
    }
    if (strategy === 'ip' && key !== '' && service.router.trustedProxies === undefined) {
      issues.warning({
        code: 'PRT_WARN_CONFIG_UNTRUSTED_HEADER',
        at: [...at, 'key'],
        message: `any client can set ${key} and choose the address it is limited by (KrakenD behaviour)`,
        hint: 'list your load balancers in router.trusted_proxies so the header is only read from them',
      });
    }
  },
  endpoint(block, endpoint, context) {
    return createRouterRateLimit(block, endpoint, context);
  },
};

export function createRouterRateLimit(block: Record<string, unknown>, endpoint: EndpointConfig, context: BuildContext): HandlerMiddleware | undefined {
  const maxRate = positiveNumber(block['max_rate']);
  const clientMaxRate = positiveNumber(block['client_max_rate']);
  if (maxRate === 0 && clientMaxRate === 0) return undefined;
  const every = everyMs(block['every']);
  const buckets = {
    endpoint: maxRate > 0 ? bucketSettings(maxRate, block['capacity'], every) : undefined,
    client: clientMaxRate > 0 ? bucketSettings(clientMaxRate, block['client_capacity'], every) : undefined,
  };
  const strategy = (typeof block['strategy'] === 'string' ? block['strategy'] : 'ip') as Strategy;
  const readClientKey = buckets.client ? createClientKeyReader(strategy, typeof block['key'] === 'string' ? block['key'] : '', context.service) : undefined;
  const limiter = createLimiter(block, endpoint, context, buckets);
  const logger = context.logger;

  return (next) =>
    function rateLimitedEndpoint(request: RequestContext): void {
      const verdict = limiter(readClientKey?.(request));
      if (typeof verdict === 'number') {
        if (verdict === ALLOWED) next(request);
        else reject(request.response, verdict);
        return;
      }
      verdict
        .then((settled) => {
          if (request.response.destroyed) return;
          if (settled === ALLOWED) next(request);
          else reject(request.response, settled);
        })
        .catch((error: Error) => {
          // What `guard` does for synchronous handlers: a failure never escapes as an unhandled rejection.
          logger.error(`[ENDPOINT: ${endpoint.path}][Ratelimit] ${error.stack ?? error.message}`);
          reject(request.response, 500);
        });
    };
}

function createLimiter(block: Record<string, unknown>, endpoint: EndpointConfig, context: BuildContext, buckets: LimiterBuckets): RouterLimiter {
  const redis = redisSettingsFor(endpoint, context.service);
  if (redis) {
    return createRedisLimiter({ ...buckets, buckets: sharedRedis(redis.connection, context), keyBase: `${redis.keyPrefix}{${endpointId(endpoint)}}`, failOpen: redis.failOpen });
  }
  const numShards = typeof block['num_shards'] === 'number' ? block['num_shards'] : DEFAULT_SHARDS;
  const maxClients = typeof block['max_clients'] === 'number' ? block['max_clients'] : DEFAULT_MAX_CLIENTS;
  const cleanup = typeof block['cleanup_period'] === 'string' ? parseDuration(block['cleanup_period']) : undefined;
  const cleanupMs = Math.max(cleanup ?? DEFAULT_CLEANUP_MS, 1000);
  if (context.sharedState) {
    return createSharedRouterLimiter(context.sharedState, `${ROUTER_NAMESPACE} ${endpointId(endpoint)}`, { kind: 'router', ...buckets, numShards, maxClients, cleanupMs });
  }
  const memory = createMemoryLimiter({ ...buckets, clock: monotonicClock, numShards, maxClients });
  if (buckets.client) sweeperOf(context).add(cleanupMs, memory.sweep);
  return memory.check;
}

const SWEEPER = Symbol('qos/ratelimit/router sweeper');

/** One sweeper per gateway, closed with it. */
function sweeperOf(context: BuildContext): Sweeper {
  return context.instance(SWEEPER, () => {
    const created = new Sweeper();
    context.onClose(() => created.close());
    return created;
  });
}

/** `GET /users/:id`: stable across replicas that load the same config. */
function endpointId(endpoint: EndpointConfig): string {
  return `${endpoint.method} ${endpoint.path.replace(/\{([^}]*)\}/g, ':$1')}`;
}

const REDIS_CONNECTIONS = Symbol('qos/ratelimit/router/redis connections');

/** One Redis connection per gateway and settings, closed with the gateway. */
function sharedRedis(settings: RedisConnectionSettings, context: BuildContext): RedisBuckets {
  const byKey = context.instance(REDIS_CONNECTIONS, () => {
    const created = new Map<string, RedisBuckets>();
    context.onClose(() => {
      for (const connection of created.values()) connection.close();
      created.clear();
    });
    return created;
  });
  const key = JSON.stringify(settings);
  let connection = byKey.get(key);
  if (!connection) {
    connection = new RedisBuckets(settings, context.logger);
    byKey.set(key, connection);
  }
  return connection;
}

/** KrakenD's aborted gin handler: the status, no body, no gateway headers. */
function reject(response: ServerResponse, status: number): void {
  if (response.headersSent || response.destroyed) return;
  response.writeHead(status, ['Content-Length', '0']);
  response.end();
}
