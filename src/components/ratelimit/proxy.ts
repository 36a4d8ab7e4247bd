/**
 * `qos/ratelimit/proxy`: caps the calls this gateway makes to one backend (krakend-ratelimit `proxy`).
 * Over the limit the call fails at once without touching the network; the endpoint then answers like
 * with any failed backend (a partial response when other backends answered, else 500). Inside a
 * circuit breaker, a rejection counts as a failure, as in KrakenD. The bucket holds per instance: with
 * `portico run -w N` it lives in the primary process (shared-limiters.ts).
 *
 * ```json
 * "extra_config": { "qos/ratelimit/proxy": { "max_rate": 50, "capacity": 50, "every": "1s" } }
 * ```
 */
import type { BackendConfig } from '../../config/types.js';
import { GatewayError } from '../../core/errors.js';
import type { Middleware, ProxyRequest } from '../../proxy/types.js';
import type { Cancellation } from '../../core/cancellation.js';
import type { Clock } from '../clock.js';
import { monotonicClock } from '../clock.js';
import type { ComponentDefinition } from '../registry.js';
import { parseDuration } from '../../config/duration.js';
import { bucketSettings, everyMs, MIN_EVERY_MS, positiveNumber } from './rate-settings.js';
import { TokenBucket } from './token-bucket.js';
import { createSharedBucket } from './shared-limiters.js';
import type { SharedStateClient } from '../../shared-state/client.js';
import { backendStateName } from '../../shared-state/protocol.js';

export const PROXY_NAMESPACE = 'qos/ratelimit/proxy';

export const backendRateLimitComponent: ComponentDefinition = {
  namespace: PROXY_NAMESPACE,
  schemas: {
    backend: {
      type: 'object',
      properties: {
        max_rate: { type: 'number', minimum: 0 },
        capacity: { type: 'integer', minimum: 0 },
        every: { $ref: '#/$defs/duration' },
      },
      patternProperties: { '^[@$_#]': {} },
      additionalProperties: false,
    },
  },
  validate(block, _scope, at, issues) {
    if (positiveNumber(block['max_rate']) === 0) issues.warning({ code: 'PRT_WARN_CONFIG_UNUSED', at, message: 'max_rate is not above 0, so nothing is limited' });
    const every = block['every'];
    if (typeof every === 'string' && (parseDuration(every) ?? MIN_EVERY_MS) < MIN_EVERY_MS) {
      issues.warning({ code: 'PRT_WARN_CONFIG_CLAMPED', at: [...at, 'every'], message: 'every is below 1s; 1s is used', found: every });
    }
  },
  backend(block, backend, _endpoint, context) {
    return createProxyRateLimit(block, backend, monotonicClock, context.sharedState);
  },
};

export function createProxyRateLimit(block: Record<string, unknown>, backend: BackendConfig, clock: Clock = monotonicClock, state?: SharedStateClient): Middleware | undefined {
  const maxRate = positiveNumber(block['max_rate']);
  if (maxRate === 0) return undefined;
  const settings = bucketSettings(maxRate, block['capacity'], everyMs(block['every']));
  const message = `rate limit exceeded for the backend ${backend.urlPattern}`;
  if (state) {
    const take = createSharedBucket(state, backendStateName(PROXY_NAMESPACE, backend), settings);
    return (next) =>
      function rateLimitedBackendInPrimary(request: ProxyRequest, cancel: Cancellation) {
        return take().then((allowed) => (allowed ? next(request, cancel) : Promise.reject(new GatewayError('PRT_ERR_RATELIMIT_BACKEND', message))));
      };
  }
  const bucket = new TokenBucket(settings, clock);
  return (next) =>
    function rateLimitedBackend(request: ProxyRequest, cancel: Cancellation) {
      if (!bucket.allow()) return Promise.reject(new GatewayError('PRT_ERR_RATELIMIT_BACKEND', message));
      return next(request, cancel);
    };
}
