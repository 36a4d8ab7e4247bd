/**
 * Time sources for components that measure it (token buckets, circuit breakers, caches). Injected so
 * tests can move time by hand instead of sleeping.
 */
export interface Clock {
  /** Milliseconds; only differences matter for `monotonicClock`, `wallClock` is Unix time. */
  now(): number;
}

/** Never jumps back with NTP adjustments: the right clock for rates and timeouts. */
export const monotonicClock: Clock = { now: () => performance.now() };

/** Unix milliseconds: needed where times come from HTTP dates (`Date`, `Expires`). */
export const wallClock: Clock = { now: () => Date.now() };

/** A clock that moves only when told to (tests). */
export class ManualClock implements Clock {
  constructor(private current = 0) {}

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    this.current += ms;
  }
}
