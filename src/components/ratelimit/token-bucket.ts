/**
 * A token bucket (the algorithm behind every KrakenD rate limit): it starts full with `capacity`
 * tokens, refills continuously at `ratePerMs`, and each allowed request takes one token. The refill is
 * computed lazily from the elapsed time, so an idle bucket costs nothing.
 */
import type { Clock } from '../clock.js';

import type { BucketSettings } from '../../shared-state/protocol.js';

export type { BucketSettings };

export class TokenBucket {
  private tokens: number;
  private stamp: number;

  constructor(
    private readonly settings: BucketSettings,
    private readonly clock: Clock,
  ) {
    this.tokens = settings.capacity;
    this.stamp = clock.now();
  }

  /** Takes a token when one is available. */
  allow(): boolean {
    this.refill(this.clock.now());
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** True when the bucket is back to a fresh one's state: forgetting it changes nothing. */
  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.settings.capacity;
  }

  private refill(now: number): void {
    const elapsed = now - this.stamp;
    if (elapsed <= 0) return; // a clock that went back adds nothing
    this.stamp = now;
    const tokens = this.tokens + elapsed * this.settings.ratePerMs;
    this.tokens = tokens > this.settings.capacity ? this.settings.capacity : tokens;
  }
}
