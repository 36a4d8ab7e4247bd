/**
 * Node keeps one list of timers per duration and drops a list as soon as its last timer is cleared. At
 * low concurrency each request's timeout was then the only timer of its duration: `setTimeout` built
 * the list again and inserted it into the timers' priority queue, `clearTimeout` deleted it from the map
 * of lists (a profile at 600 req/s showed both on every request). An unref'd interval of each
 * configured duration keeps its list: it fires once per duration, does nothing, and holds the process
 * open for no one.
 */

/** Node's largest timer duration; longer ones (and anything below 1 ms) are run after 1 ms. */
const TIMEOUT_MAX = 2 ** 31 - 1;

function doNothing(): void {}

/** At most this many durations are kept (the most frequent): each keeper wakes the loop once per duration. */
const MAX_KEPT = 64;

/** Keeps the timer lists of `durations` (ms, one entry per use) alive until the returned function is called. */
export function keepTimerLists(durations: Iterable<number>): () => void {
  const uses = new Map<number, number>();
  for (const ms of durations) if (ms >= 1 && ms <= TIMEOUT_MAX) uses.set(ms, (uses.get(ms) ?? 0) + 1);
  const keepers = [...uses]
    .sort((a, b) => b[1] - a[1])
    .slice(0, MAX_KEPT)
    .map(([ms]) => setInterval(doNothing, ms).unref());
  return () => keepers.forEach((keeper) => clearInterval(keeper));
}
