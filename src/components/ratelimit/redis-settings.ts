/**
 * `qos/ratelimit/router/redis` (Portico's own namespace; KrakenD CE has no shared limit): makes the
 * `qos/ratelimit/router` limits of an endpoint cluster-wide by keeping the buckets in Redis. Set it at
 * service level for every rate-limited endpoint, or on one endpoint (its keys override the service's).
 * Without this block nothing talks to Redis.
 *
 * ```json
 * "extra_config": {
 *   "qos/ratelimit/router/redis": {
 *     "url": "redis://redis.internal:6379/0",
 *     "key_prefix": "portico:rl:",
 *     "timeout": "100ms",
 *     "on_error": "allow"
 *   }
 * }
 * ```
 * `on_error`: `allow` (default, fail open: the request passes while Redis is unreachable) or `deny`
 * (fail closed: 503).
 */
import { parseDuration } from '../../config/duration.js';
import type { EndpointConfig, ServiceConfig } from '../../config/types.js';
import { blockOf } from '../registry.js';
import type { ComponentDefinition } from '../registry.js';
import type { RedisConnectionSettings } from './redis-buckets.js';

export const REDIS_NAMESPACE = 'qos/ratelimit/router/redis';

export interface RedisLimitSettings {
  connection: RedisConnectionSettings;
  keyPrefix: string;
  failOpen: boolean;
}

const schema = {
  type: 'object',
  properties: {
    url: { type: 'string', pattern: '^rediss?://', description: 'redis://[user:password@]host:port/db; rediss:// for TLS. Overrides host/port/db/username/password.' },
    host: { type: 'string', minLength: 1, default: '127.0.0.1' },
    port: { type: 'integer', minimum: 1, maximum: 65535, default: 6379 },
    username: { type: 'string' },
    password: { type: 'string' },
    db: { type: 'integer', minimum: 0, default: 0 },
    key_prefix: { type: 'string', default: 'portico:rl:' },
    timeout: { $ref: '#/$defs/duration', description: 'Bound on one Redis call (default 100ms); past it on_error applies.' },
    on_error: { type: 'string', enum: ['allow', 'deny'], default: 'allow' },
  },
  patternProperties: { '^[@$_#]': {} },
  additionalProperties: false,
};

export const redisComponent: ComponentDefinition = {
  namespace: REDIS_NAMESPACE,
  schemas: { service: schema, endpoint: schema },
  validate(block, scope, at, issues, service, owner) {
    const timeout = block['timeout'];
    if (typeof timeout === 'string') {
      const ms = parseDuration(timeout);
      if (ms !== undefined && ms <= 0) issues.error({ code: 'PRT_ERR_CONFIG_VALUE', at: [...at, 'timeout'], message: 'the Redis timeout must be positive', expected: 'a duration such as "100ms"', found: timeout });
    }
    if (scope === 'service' && !service.endpoints.some((endpoint) => blockOf(endpoint.extraConfig, 'qos/ratelimit/router'))) {
      issues.warning({ code: 'PRT_WARN_CONFIG_UNUSED', at, message: 'no endpoint has qos/ratelimit/router, so this Redis connection is never used' });
    }
    const endpoint = scope === 'endpoint' ? owner.endpoint : undefined;
    if (endpoint && !blockOf(endpoint.extraConfig, 'qos/ratelimit/router')) {
      issues.warning({ code: 'PRT_WARN_CONFIG_UNUSED', at, message: 'this endpoint has no qos/ratelimit/router, so there is nothing to keep in Redis' });
    }
  },
};

/** The Redis settings for one endpoint, or undefined when its limits stay in memory. */
export function redisSettingsFor(endpoint: EndpointConfig, service: ServiceConfig): RedisLimitSettings | undefined {
  const serviceBlock = blockOf(service.extraConfig, REDIS_NAMESPACE);
  const endpointBlock = blockOf(endpoint.extraConfig, REDIS_NAMESPACE);
  if (!serviceBlock && !endpointBlock) return undefined;
  const block = { ...serviceBlock, ...endpointBlock };
  const text = (key: string): string | undefined => (typeof block[key] === 'string' ? (block[key] as string) : undefined);
  const integer = (key: string, fallback: number): number => (typeof block[key] === 'number' ? (block[key] as number) : fallback);
  const timeout = text('timeout');
  const timeoutMs = timeout === undefined ? 100 : (parseDuration(timeout) ?? 100);
  return {
    connection: {
      url: text('url'),
      host: text('host') ?? '127.0.0.1',
      port: integer('port', 6379),
      username: text('username'),
      password: text('password'),
      db: integer('db', 0),
      timeoutMs: timeoutMs > 0 ? timeoutMs : 100,
    },
    keyPrefix: text('key_prefix') ?? 'portico:rl:',
    failOpen: block['on_error'] !== 'deny',
  };
}
