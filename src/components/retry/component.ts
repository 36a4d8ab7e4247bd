/**
 * `backend/http/retry` (Portico's own namespace; KrakenD CE never retries): retries failed calls to an
 * idempotent backend with exponential back-off, within the endpoint timeout. See `retry.ts`.
 *
 * ```json
 * "extra_config": {
 *   "backend/http/retry": { "max_retries": 2, "initial_backoff": "100ms", "max_backoff": "1s", "retry_on": [502, 503, 504] }
 * }
 * ```
 */
import { parseDuration } from '../../config/duration.js';
import type { ComponentDefinition } from '../registry.js';
import { createRetry, IDEMPOTENT_METHODS } from './retry.js';

export const RETRY_NAMESPACE = 'backend/http/retry';
const DEFAULT_RETRY_ON = [502, 503, 504];

export const retryComponent: ComponentDefinition = {
  namespace: RETRY_NAMESPACE,
  schemas: {
    backend: {
      type: 'object',
      properties: {
        max_retries: { type: 'integer', minimum: 0, maximum: 10, default: 2 },
        initial_backoff: { $ref: '#/$defs/duration', default: '100ms' },
        max_backoff: { $ref: '#/$defs/duration', default: '1s' },
        retry_on: { type: 'array', items: { type: 'integer', minimum: 100, maximum: 599 }, default: DEFAULT_RETRY_ON },
      },
      patternProperties: { '^[@$_#]': {} },
      additionalProperties: false,
    },
  },
  validate(block, _scope, at, issues, _service, { backend }) {
    if (backend && !IDEMPOTENT_METHODS.has(backend.method)) {
      issues.error({
        code: 'PRT_ERR_CONFIG_VALUE',
        at,
        message: `a ${backend.method} backend is not idempotent: retrying it could repeat its effect`,
        expected: `a backend method among ${[...IDEMPOTENT_METHODS].join(', ')}`,
        found: backend.method,
      });
    }
    const initial = durationMs(block['initial_backoff'], 100);
    const max = durationMs(block['max_backoff'], 1000);
    if (max < initial) issues.error({ code: 'PRT_ERR_CONFIG_VALUE', at: [...at, 'max_backoff'], message: 'max_backoff is shorter than initial_backoff', expected: `at least ${block['initial_backoff'] as string}`, found: block['max_backoff'] });
  },
  client(block, backend, _endpoint, context) {
    const maxRetries = typeof block['max_retries'] === 'number' ? block['max_retries'] : 2;
    if (maxRetries === 0 || !IDEMPOTENT_METHODS.has(backend.method)) return undefined;
    const label = `[BACKEND: ${backend.urlPattern}][Retry]`;
    const retryOn = Array.isArray(block['retry_on']) ? (block['retry_on'] as number[]) : DEFAULT_RETRY_ON;
    return createRetry({
      maxRetries,
      initialBackoffMs: durationMs(block['initial_backoff'], 100),
      maxBackoffMs: durationMs(block['max_backoff'], 1000),
      retryOn: new Set(retryOn),
      onRetry: (attempt, cause, delayMs) => context.logger.debug(`${label} retry ${attempt} after ${cause}, in ${delayMs} ms`),
    });
  },
};

function durationMs(value: unknown, fallback: number): number {
  const ms = typeof value === 'string' ? parseDuration(value) : undefined;
  return ms === undefined || ms < 0 ? fallback : ms;
}
