import { setFlagsFromString } from 'node:v8';

/**
 * V8 settings Portico ships as defaults, chosen with `npm run bench`:
 * - a 4 MB young-generation semi-space holds the young generation of a worker with 1,000 keep-alive
 *   connections at 8 MB (Node's default lets it grow to 16 MB: 89–102 MB of RSS against 84–85 in the
 *   same runs) at no measurable CPU cost per response on S1–S3;
 * - one V8 background thread instead of Node's four: a worker shares its cores with the other workers,
 *   so more GC and compiler threads only contend, and each thread that allocates holds its own malloc
 *   arena (with 1,000 connections: 75.0–75.5 MB of RSS against 78.4–80.9 without it, five and three
 *   starts; CPU per response unchanged, paired ratio 0.995 on S1).
 * - no memory reducer: after about 8 s without traffic V8's memory reducer runs full GCs that leave the
 *   old generation's limits just above the live heap (~13 MB); from then on, the external memory of
 *   large bodies passing through (S3: ~100 KB of buffers a response) crossed them between two
 *   scavenges, and V8 kept running a full mark-compact several times a second, its concurrent marking
 *   on top of the requests, for as long as such traffic lasted. Measured on S3 after 12 s idle, wrk
 *   -c64: 47–53 mark-compacts in 7 s and 467–487 µs a response with it, 1 and 328–341 µs without; S1 and
 *   S2 unaffected; RSS after 1,000 keep-alive connections and after idling the same (74–75 MB).
 * All three only act when the process starts (the reducer is made with the heap: set later, it stays),
 * so they are given to the cluster workers Portico forks. A single-process run (`-w 1`, containers)
 * takes the first two from `NODE_OPTIONS`, as the shipped Dockerfile sets it; Node refuses
 * `--no-memory-reducer` there, so the Dockerfile puts it on node's command line, and a process started
 * without it gets `holdMemoryReducerOffSmallHeaps` below.
 */
export const DEFAULT_HEAP_FLAGS: readonly string[] = ['--max-semi-space-size=4', '--v8-pool-size=1', '--no-memory-reducer'];

/** The defaults, minus any the operator already chose, either way (command line or NODE_OPTIONS). */
export function heapFlagsFor(execArgv: readonly string[], nodeOptions = ''): string[] {
  const chosen = [...execArgv, ...nodeOptions.split(/\s+/)];
  return DEFAULT_HEAP_FLAGS.filter((flag) => !chose(chosen, bothWays(flag.split('=')[0] as string)));
}

/** `--name` and `--no-name`, for a flag given as either. */
function bothWays(name: string): string[] {
  const positive = name.replace(/^--no-/, '--');
  return [positive, positive.replace('--', '--no-')];
}

/** True when one of `options` names one of `names` (V8 reads `_` as `-`), with or without a value. */
function chose(options: readonly string[], names: readonly string[]): boolean {
  return options.some((option) => names.includes(option.replace(/_/g, '-').split('=')[0] as string));
}

const PRETENURING = '--allocation-site-pretenuring';

/**
 * Once a gateway serves, V8 stops choosing allocation sites to pretenure. It keeps choosing during
 * start-up, where the config's objects do live long. Under the first requests, while code is still cold
 * and the young generation small, a per-request site can look long-lived; once pretenured, its objects
 * are allocated old and die old, and the young objects they point to survive every scavenge with them,
 * until the next full GC. Measured on S1 with traces at a fixed 4,000 req/s, one worker started alone
 * (issue #12): in 16 of 18 starts the old generation grew by 0.1–0.6 MB a scavenge and a scavenge took
 * 1.0–4.1 ms (GC 8–24 µs a response); with this, 14 of 14 starts stayed flat at 0.4–0.6 ms (GC ~2 µs).
 * An operator who set the flag either way on the command line keeps it. Returns whether it acted.
 */
export function stopPretenuringOnceServing(execArgv: readonly string[] = process.execArgv, setFlags: (flags: string) => void = setFlagsFromString): boolean {
  if (chose(execArgv, bothWays(PRETENURING))) return false;
  setFlags(PRETENURING.replace('--', '--no-'));
  return true;
}

const REDUCER = '--memory-reducer';
const SMALL_HEAP_REDUCER = '--memory-reducer-for-small-heaps';

/**
 * For a process started without `--no-memory-reducer` (which Node does not take from NODE_OPTIONS):
 * V8 then does not start the memory reducer when a small heap first grows, the trigger that led to the
 * repeated full GCs described above (S3 after 12 s idle: 1 mark-compact in 7 s, 338 µs a response,
 * against 52 and 467 without it). Unlike the start-up flag, a reducer that a full GC arms later still
 * runs. The command's entry sets it before the bundled code loads: loading it already grows the heap
 * enough to start the reducer (set later, in `run`, it did not help). An operator who set either flag
 * either way keeps it. Returns whether it acted.
 */
export function holdMemoryReducerOffSmallHeaps(execArgv: readonly string[] = process.execArgv, setFlags: (flags: string) => void = setFlagsFromString): boolean {
  if (chose(execArgv, [...bothWays(REDUCER), ...bothWays(SMALL_HEAP_REDUCER)])) return false;
  setFlags(SMALL_HEAP_REDUCER.replace('--', '--no-'));
  return true;
}
