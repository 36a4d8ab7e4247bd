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
 * One circuit per backend and instance: with `portico run -w N` it lives in the primary process; each
 * call asks it for admission and reports its outcome. When the primary cannot answer in time the call is
 * refused (`PRT_ERR_STATE_UNAVAILABLE`), as an open circuit would refuse it.
 */
import type { BackendConfig } from '../../config/types.js';
import type { Cancellation } from '../../core/cancellation.js';
import { GatewayError } from '../../core/errors.js';
import type { Middleware, Proxy, ProxyRequest, ProxyResponse } from '../../proxy/types.js';
import type { Logger } from '../../core/logger.js';
import type { Clock } from '../clock.js';
import { monotonicClock } from '../clock.js';
import type { ComponentDefinition } from '../registry.js';
import { CircuitBreaker } from './breaker.js';
import type { Refusal } from './breaker.js';
import type { SharedStateClient } from '../../shared-state/client.js';
import { backendStateName, OP } from '../../shared-state/protocol.js';

export const CIRCUIT_BREAKER_NAMESPACE = 'qos/circuit-breaker';
/** gobreaker's open period when `timeout` is 0. */
const DEFAULT_TIMEOUT_MS = 60_000;

export const circuitBreakerComponent: ComponentDefinition = {
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
    return createCircuitBreakerMiddleware(block, backend, context.logger, monotonicClock, context.sharedState);
  },
};

/** The breaker as a call sees it: in this process (synchronous, the `CircuitBreaker` itself), or the primary's. */
interface BreakerGate {
  enter(): number | Refusal | Promise<number | Refusal>;
  leave(generation: number, isSuccess: boolean | undefined): void;
}

class SharedBreakerGate implements BreakerGate {
  constructor(
    private readonly state: SharedStateClient,
    private readonly id: string,
  ) {}

  enter(): Promise<number | Refusal> {
    return this.state.ask(OP.breakerEnter, this.id) as Promise<number | Refusal>;
  }

  leave(generation: number, isSuccess: boolean | undefined): void {
    this.state.tell(OP.breakerLeave, this.id, generation, isSuccess ?? null);
  }
}

/** What one backend's breaker layer holds; its calls go through the shared functions below (no closures per backend). */
interface Breaker {
  gate: BreakerGate;
  name: string;
  /** No-op backends pass every status through: only transport failures count. */
  passesStatuses: boolean;
}

export function createCircuitBreakerMiddleware(block: Record<string, unknown>, backend: BackendConfig, logger: Logger, clock: Clock = monotonicClock, state?: SharedStateClient): Middleware {
  const intervalMs = typeof block['interval'] === 'number' ? block['interval'] * 1000 : 0;
  const timeoutMs = typeof block['timeout'] === 'number' && block['timeout'] !== 0 ? block['timeout'] * 1000 : DEFAULT_TIMEOUT_MS;
  const settings = { intervalMs, timeoutMs, maxErrors: typeof block['max_errors'] === 'number' ? block['max_errors'] : 0 };
  const name = typeof block['name'] === 'string' && block['name'] !== '' ? block['name'] : backend.urlPattern;
  const changeLog = block['log_status_change'] === true ? `[BACKEND: ${backend.urlPattern}][CB] Circuit breaker named '${name}'` : undefined;
  let gate: BreakerGate;
  if (state) {
    // The primary logs state changes: it is where they happen.
    gate = new SharedBreakerGate(state, state.declare(backendStateName(CIRCUIT_BREAKER_NAMESPACE, backend), { kind: 'breaker', ...settings, changeLog }));
  } else {
    gate = new CircuitBreaker(changeLog ? { ...settings, onStateChange: (from, to) => logger.warn(`${changeLog} went from '${from}' to '${to}'`) } : settings, clock);
  }
  const breaker: Breaker = { gate, name, passesStatuses: backend.encoding === 'no-op' };
  return (next) =>
    function circuitBreakerBackend(request: ProxyRequest, cancel: Cancellation): Promise<ProxyResponse> {
      const admitted = breaker.gate.enter();
      if (admitted instanceof Promise) return admitted.then((settled) => callThrough(breaker, next, settled, request, cancel));
      return callThrough(breaker, next, admitted, request, cancel);
    };
}

function callThrough(breaker: Breaker, next: Proxy, admitted: number | Refusal, request: ProxyRequest, cancel: Cancellation): Promise<ProxyResponse> {
  if (admitted === 'open') return Promise.reject(new GatewayError('PRT_ERR_CIRCUIT_OPEN', `circuit breaker '${breaker.name}' is open`));
  if (admitted === 'half-open') return Promise.reject(new GatewayError('PRT_ERR_CIRCUIT_OPEN', `circuit breaker '${breaker.name}' is half-open and already probing`));
  return next(request, cancel).then(
    (response) => {
      // With return_error_details a failed call comes back as data, not as an error.
      const isSuccess = breaker.passesStatuses || response.metadata.statusCode === 200 || response.metadata.statusCode === 201;
      breaker.gate.leave(admitted, isSuccess);
      return response;
    },
    (error: Error) => {
      const clientLeft = cancel.aborted && (cancel.reason as GatewayError | undefined)?.code === 'PRT_ERR_CLIENT_GONE';
      breaker.gate.leave(admitted, clientLeft ? undefined : false);
      throw error;
    },
  );
}
