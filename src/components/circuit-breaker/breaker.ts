/**
 * The circuit breaker state machine KrakenD uses (sony/gobreaker with krakend-circuitbreaker's
 * settings), written for a single-threaded runtime:
 * - closed: calls pass; errors are counted and the count starts over every `intervalMs` (0: never).
 *   When consecutive errors exceed `maxErrors` the circuit opens.
 * - open: calls fail at once for `timeoutMs`, then the circuit is half-open.
 * - half-open: one probe call passes (others fail at once); its success closes the circuit, its failure
 *   opens it again.
 * Each state change starts a new generation: a call that began in an older one no longer counts.
 */
import type { Clock } from '../clock.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerSettings {
  intervalMs: number;
  timeoutMs: number;
  maxErrors: number;
  onStateChange?: (from: BreakerState, to: BreakerState) => void;
}

/** Why `enter` refused a call. */
export type Refusal = 'open' | 'half-open';

const PROBES = 1;

export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private generation = 0;
  /** When the closed count resets, or the open state ends; 0: never. */
  private expiry: number;
  private requests = 0;
  private consecutiveFailures = 0;
  private consecutiveSuccesses = 0;

  constructor(
    private readonly settings: BreakerSettings,
    private readonly clock: Clock,
  ) {
    this.expiry = settings.intervalMs > 0 ? clock.now() + settings.intervalMs : 0;
  }

  get state(): BreakerState {
    return this.refresh(this.clock.now());
  }

  /** Admits a call: returns its generation, or why it is refused. */
  enter(): number | Refusal {
    const state = this.refresh(this.clock.now());
    if (state === 'open') return 'open';
    if (state === 'half-open' && this.requests >= PROBES) return 'half-open';
    this.requests++;
    return this.generation;
  }

  /** Reports the outcome of an admitted call; `undefined` for calls that say nothing (client gone). */
  leave(generation: number, isSuccess: boolean | undefined): void {
    const now = this.clock.now();
    const state = this.refresh(now);
    if (generation !== this.generation) return;
    if (isSuccess === undefined) {
      this.requests--;
      return;
    }
    if (isSuccess) {
      this.consecutiveFailures = 0;
      this.consecutiveSuccesses++;
      if (state === 'half-open' && this.consecutiveSuccesses >= PROBES) this.moveTo('closed', now);
      return;
    }
    this.consecutiveSuccesses = 0;
    this.consecutiveFailures++;
    if (state === 'half-open' || this.consecutiveFailures > this.settings.maxErrors) this.moveTo('open', now);
  }

  private refresh(now: number): BreakerState {
    if (this.current === 'closed') {
      if (this.expiry !== 0 && this.expiry <= now) this.newGeneration(now);
    } else if (this.current === 'open' && this.expiry <= now) {
      this.moveTo('half-open', now);
    }
    return this.current;
  }

  private moveTo(state: BreakerState, now: number): void {
    if (state === this.current) return;
    const previous = this.current;
    this.current = state;
    this.newGeneration(now);
    this.settings.onStateChange?.(previous, state);
  }

  private newGeneration(now: number): void {
    this.generation++;
    this.requests = 0;
    this.consecutiveFailures = 0;
    this.consecutiveSuccesses = 0;
    if (this.current === 'closed') this.expiry = this.settings.intervalMs > 0 ? now + this.settings.intervalMs : 0;
    else if (this.current === 'open') this.expiry = now + this.settings.timeoutMs;
    else this.expiry = 0;
  }
}
