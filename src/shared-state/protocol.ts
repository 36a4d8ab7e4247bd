/**
 * The wire format between `portico run -w N` workers and their primary, which owns the per-instance
 * state of rate limits, circuit breakers and HTTP caches. Calls travel in batches (one IPC message per
 * event-loop turn of a worker, one answer message per batch), so a busy worker pays one message per turn,
 * not one per request. node:cluster's JSON channel is used: measured (bench/shared-state.ts) several
 * times cheaper per call than its 'advanced' V8 serialization, so cached bodies travel as base64.
 */
import type { BackendConfig } from '../config/types.js';

/** Marks Portico's messages on the cluster channel; anything else on it is ignored. */
/** A token bucket's settings, as the ratelimit components and the primary's state host share them. */
export interface BucketSettings {
  /** Tokens added per millisecond (`max_rate` per `every`, scaled). */
  ratePerMs: number;
  /** Most tokens the bucket holds: the largest burst. */
  capacity: number;
}

export const STATE_TAG = 'porticoState';

/** What a piece of state is; a worker declares it at start-up, the first declaration of an id wins. */
export type Declaration =
  | { kind: 'router'; endpoint: BucketSettings | undefined; client: BucketSettings | undefined; numShards: number; maxClients: number; cleanupMs: number }
  | { kind: 'bucket'; bucket: BucketSettings }
  | { kind: 'breaker'; intervalMs: number; timeoutMs: number; maxErrors: number; changeLog: string | undefined }
  | { kind: 'cache'; maxItems: number; maxSizeBytes: number };

export const OP = {
  declare: 0,
  /** `qos/ratelimit/router`: a → client key or null; answers a Verdict. */
  routerCheck: 1,
  /** `qos/ratelimit/proxy`: answers true when a token was taken. */
  bucketTake: 2,
  /** answers the generation admitted, or 'open' / 'half-open'. */
  breakerEnter: 3,
  /** a → generation, b → true / false / null (the call said nothing); no answer. */
  breakerLeave: 4,
  /** a → key; answers the entry or undefined. */
  cacheGet: 5,
  /** a → key, b → entry; no answer. */
  cacheSet: 6,
  /** a → key; no answer. */
  cacheDelete: 7,
} as const;
export type Op = (typeof OP)[keyof typeof OP];

/** `seq` 0: no answer wanted. */
export type Call = [seq: number, op: Op, id: string, a?: unknown, b?: unknown];
/** `UNAVAILABLE` when the primary cannot answer (an id it was never told about). */
export type Answer = [seq: number, value: unknown];
export const UNAVAILABLE = '!unavailable';

export interface StateMessage {
  [STATE_TAG]: Call[] | Answer[];
}

export function stateCalls(message: unknown): unknown[] | undefined {
  if (message === null || typeof message !== 'object') return undefined;
  const batch = (message as Record<string, unknown>)[STATE_TAG];
  return Array.isArray(batch) ? batch : undefined;
}

/**
 * The name of a backend's state: its place in the config plus what it calls, so a reload that points that
 * place at another backend does not hand it the old one's open circuit or cached answers.
 */
export function backendStateName(namespace: string, backend: BackendConfig): string {
  return `${namespace} ${JSON.stringify(backend.at)} ${backend.method} ${JSON.stringify([backend.sd, backend.hosts, backend.urlPattern])}`;
}
