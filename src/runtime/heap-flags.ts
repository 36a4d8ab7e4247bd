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
 * Both only act when the process starts, so they are given to the cluster workers Portico forks; a
 * single-process run (`-w 1`, containers) takes them from `NODE_OPTIONS`, as the shipped Dockerfile sets it.
 */
export const DEFAULT_HEAP_FLAGS: readonly string[] = ['--max-semi-space-size=4', '--v8-pool-size=1'];

/** The defaults, minus any the operator already chose (command line or NODE_OPTIONS). */
export function heapFlagsFor(execArgv: readonly string[], nodeOptions = ''): string[] {
  const chosen = [...execArgv, ...nodeOptions.split(/\s+/)];
  return DEFAULT_HEAP_FLAGS.filter((flag) => !chose(chosen, [flag.split('=')[0] as string]));
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
  if (chose(execArgv, [PRETENURING, PRETENURING.replace('--', '--no-')])) return false;
  setFlags(PRETENURING.replace('--', '--no-'));
  return true;
}
