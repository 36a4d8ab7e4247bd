/**
 * KrakenD's rate keys (`max_rate`, `capacity`, `every`), turned into bucket settings once at start-up.
 * As in krakend-ratelimit: `every` (default 1s, at least 1s) scales the rate, and the default capacity is
 * the rate per second rounded down, at least 1.
 */
import { parseDuration } from '../../config/duration.js';
import type { BucketSettings } from './token-bucket.js';

export const MIN_EVERY_MS = 1000;

/** `every` in ms: invalid or missing → 1s; below 1s → 1s (KrakenD's floor). */
export function everyMs(value: unknown): number {
  const ms = typeof value === 'string' ? parseDuration(value) : undefined;
  return ms === undefined || ms < MIN_EVERY_MS ? MIN_EVERY_MS : ms;
}

export function bucketSettings(maxRate: number, capacity: unknown, every: number): BucketSettings {
  const perSecond = (maxRate * 1000) / every;
  const explicit = typeof capacity === 'number' && capacity > 0 ? Math.floor(capacity) : 0;
  return { ratePerMs: maxRate / every, capacity: explicit > 0 ? explicit : Math.max(1, Math.floor(perSecond)) };
}

/** How long an emptied bucket takes to fill up again: after that its state is forgettable. */
export function refillMs(settings: BucketSettings): number {
  return Math.ceil(settings.capacity / settings.ratePerMs);
}

export function positiveNumber(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}
