/**
 * lura's reconnection back-off strategies (`backoff.GetByName`): the wait before retry number `attempt`.
 * An unknown or missing name is KrakenD's "fallback": one second every time. Portico caps a single wait at
 * `MAX_WAIT_MS`, so an exponential strategy cannot leave a broker unwatched for hours.
 */
export type Backoff = (attempt: number) => number;

import { BACKOFF_STRATEGIES } from '../config/amqp-settings.js';

export { BACKOFF_STRATEGIES };

const MAX_WAIT_MS = 60_000;

/** ±33 % around `seconds`, never below 1 ms (lura `jitter`). */
function jitter(seconds: number): number {
  const ms = seconds * 1000;
  const spread = Math.floor(ms / 3) + 1;
  return Math.max(1, ms + Math.floor(Math.random() * 2 * spread) - spread);
}

export function backoffByName(name: string | undefined): Backoff {
  const capped = (wait: (attempt: number) => number): Backoff => (attempt) => Math.min(MAX_WAIT_MS, wait(attempt));
  switch ((name ?? '').toLowerCase()) {
    case 'linear':
      return capped((attempt) => attempt * 1000);
    case 'linear-jitter':
      return capped((attempt) => jitter(attempt));
    case 'exponential':
      return capped((attempt) => 2 ** Math.min(attempt, 30) * 1000);
    case 'exponential-jitter':
      return capped((attempt) => jitter(2 ** Math.min(attempt, 30)));
    default:
      return capped(() => 1000);
  }
}
