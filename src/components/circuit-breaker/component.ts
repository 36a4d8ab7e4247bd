/**
 * `qos/circuit-breaker`: stops calling a backend that keeps failing (krakend-circuitbreaker). Errors are
 * transport failures, timeouts, backend rate-limit rejections and statuses other than 200/201 (no-op
 * backends pass every status through, so only their transport failures count). A client that went away
 * says nothing about the backend and is not counted. While open, calls fail at once with
 * `PRT_ERR_CIRCUIT_OPEN`; the endpoint answers as for any failed backend.
 *
 * ```json
 * "extra_config": {
 *   "qos/circuit-breaker": { "interval": 60, "timeout": 10, "max_errors": 5, "name": "users", "log_status_change": true }
 * }
 * ```
 * `interval` and `timeout` are seconds; the circuit opens when consecutive errors exceed `max_errors`.
 */
import type { BackendConfig } from '../../config/types.js';
import type { Cancellation } from '../../proxy/cancellation.js';
import { GatewayError } from '../../proxy/errors.js';
import type { Middleware, ProxyRequest, ProxyResponse } from '../../proxy/types.js';
import type { Logger } from '../../server/logger.js';
import type { Clock } from '../clock.js';
import { monotonicClock } from '../clock.js';
import { registerComponent } from '../registry.js';
import { CircuitBreaker } from './breaker.js';

export const CIRCUIT_BREAKER_NAMESPACE = 'qos/circuit-breaker';
/** gobreaker's open period when `timeout` is 0. */
const DEFAULT_TIMEOUT_MS = 60_000;

registerComponent({
  namespace: CIRCUIT_BREAKER_NAMESPACE,
  schemas: {
    backend: {
      type: 'object',
      required: ['interval', 'timeout', 'max_errors'],
      properties: {
        interval: { type: 'integer', minimum: 0, description: 'Seconds after which the error count of a closed circuit starts over (0: never).' },
        timeout: { type: 'integer', minimum: 0, description: 'Seconds an open circuit waits before letting a probe through (0: 60).' },
        max_errors: { type: 'integer', minimum: 0, description: 'The circuit opens when consecutive errors exceed this.' },
        name: { type: 'string' },
        log_status_change: { type: 'boolean', default: false },
      },
      patternProperties: { '^[@$_#]': {} },
      additionalProperties: false,
    },
  },
  backend(block, backend, _endpoint, context) {
    return createCircuitBreakerMiddleware(block, backend, context.logger);
  },
});

export function createCircuitBreakerMiddleware(block: Record<string, unknown>, backend: BackendConfig, logger: Logger, clock: Clock = monotonicClock): Middleware {
  const seconds = (key: string): number => (typeof block[key] === 'number' ? (block[key] as number) * 1000 : 0);
  const name = typeof block['name'] === 'string' && block['name'] !== '' ? block['name'] : backend.urlPattern;
  const label = `[BACKEND: ${backend.urlPattern}][CB]`;
  const breaker = new CircuitBreaker(
    {
      intervalMs: seconds('interval'),
      timeoutMs: seconds('timeout') || DEFAULT_TIMEOUT_MS,
      maxErrors: typeof block['max_errors'] === 'number' ? block['max_errors'] : 0,
      ...(block['log_status_change'] === true ? { onStateChange: (from, to) => logger.warn(`${label} Circuit breaker named '${name}' went from '${from}' to '${to}'`) } : {}),
    },
    clock,
  );
  const passesStatuses = backend.encoding === 'no-op';
  const openError = (): GatewayError => new GatewayError('PRT_ERR_CIRCUIT_OPEN', `circuit breaker '${name}' is open`);
  const probingError = (): GatewayError => new GatewayError('PRT_ERR_CIRCUIT_OPEN', `circuit breaker '${name}' is half-open and already probing`);

  return (next) =>
    function circuitBreakerBackend(request: ProxyRequest, cancel: Cancellation): Promise<ProxyResponse> {
      const admitted = breaker.enter();
      if (admitted === 'open') return Promise.reject(openError());
      if (admitted === 'half-open') return Promise.reject(probingError());
      return next(request, cancel).then(
        (response) => {
          // With return_error_details a failed call comes back as data, not as an error.
          const isSuccess = passesStatuses || response.metadata.statusCode === 200 || response.metadata.statusCode === 201;
          breaker.leave(admitted, isSuccess);
          return response;
        },
        (error: Error) => {
          const clientLeft = cancel.aborted && (cancel.reason as GatewayError | undefined)?.code === 'PRT_ERR_CLIENT_GONE';
          breaker.leave(admitted, clientLeft ? undefined : false);
          throw error;
        },
      );
    };
}

