/**
 * The primary's side of shared state: the one copy of every rate-limit bucket, circuit breaker and HTTP
 * cache of this instance, whatever the number of workers. It runs the same logic a single process runs
 * (TokenBucket, ClientBuckets, CircuitBreaker, the LRU store); workers only ask. Pure and synchronous:
 * `receive` answers a batch of calls at once, so no call can interleave with another.
 *
 * A worker that dies loses nothing here: buckets and caches keep their state, and the breaker calls it
 * had admitted but not reported are released as "said nothing", so a half-open circuit is not left
 * waiting for a probe that will never report.
 */
import type { Clock } from '../components/clock.js';
import { CircuitBreaker } from '../components/circuit-breaker/breaker.js';
import { createLocalStore } from '../components/http-cache/store.js';
import type { LocalCacheStore, Sized } from '../components/http-cache/store.js';
import { createMemoryLimiter } from '../components/ratelimit/router-limiter.js';
import type { MemoryRouterLimiter } from '../components/ratelimit/router-limiter.js';
import { TokenBucket } from '../components/ratelimit/token-bucket.js';
import { Sweeper } from '../components/ratelimit/sweeper.js';
import { OP, UNAVAILABLE } from '../shared-state/protocol.js';
import type { Answer, Call, Declaration } from '../shared-state/protocol.js';

export interface SharedStateHostOptions {
  clock: Clock;
  /** Breaker state changes of breakers declared with `changeLog` (`log_status_change`). */
  log?: (message: string) => void;
}

type State =
  | { kind: 'router'; limiter: MemoryRouterLimiter }
  | { kind: 'bucket'; bucket: TokenBucket }
  | { kind: 'breaker'; breaker: CircuitBreaker }
  | { kind: 'cache'; store: LocalCacheStore<Sized> };

export class SharedStateHost {
  private readonly states = new Map<string, State>();
  /** Who declared each id: `prune` keeps the ids a live worker declared. */
  private readonly declarers = new Map<string, Set<number>>();
  private readonly sweeper = new Sweeper();
  /** id → stops its client-bucket sweep. */
  private readonly sweeps = new Map<string, () => void>();
  /** worker → breaker id → generation → calls admitted and not yet reported. */
  private readonly admitted = new Map<number, Map<string, Map<number, number>>>();

  constructor(private readonly options: SharedStateHostOptions) {}

  /** Runs a worker's batch; returns the answers of the calls that want one. */
  receive(worker: number, calls: readonly unknown[]): Answer[] {
    const answers: Answer[] = [];
    for (const raw of calls) {
      if (!Array.isArray(raw)) continue;
      const call = raw as Call;
      let value: unknown;
      try {
        value = this.run(worker, call);
      } catch {
        value = UNAVAILABLE; // a malformed call must not take the primary down
      }
      if (typeof call[0] === 'number' && call[0] !== 0) answers.push([call[0], value]);
    }
    return answers;
  }

  /** Releases what a dead worker held: its unreported breaker calls. */
  workerGone(worker: number): void {
    // Its declarations no longer count for `prune`; the state itself stays for its successor.
    for (const workers of this.declarers.values()) workers.delete(worker);
    const held = this.admitted.get(worker);
    if (held === undefined) return;
    this.admitted.delete(worker);
    for (const [id, generations] of held) {
      const state = this.states.get(id);
      if (state?.kind !== 'breaker') continue;
      for (const [generation, count] of generations) for (let i = 0; i < count; i++) state.breaker.leave(generation, undefined);
    }
  }

  /**
   * After a config reload has retired the old workers: drops the state no live worker declared (an
   * endpoint removed, or a limit whose settings changed and so got a new id). Not called when a worker
   * is merely replaced, so a crash loses nothing.
   */
  prune(liveWorkers: ReadonlySet<number>): number {
    let dropped = 0;
    for (const [id, workers] of this.declarers) {
      if ([...workers].some((worker) => liveWorkers.has(worker))) continue;
      this.declarers.delete(id);
      this.states.delete(id);
      this.sweeps.get(id)?.();
      this.sweeps.delete(id);
      dropped++;
    }
    return dropped;
  }

  /** Stops the client-bucket sweeps. */
  close(): void {
    this.sweeper.close();
    this.sweeps.clear();
  }

  /** How many ids are declared (tests, debugging). */
  get declared(): number {
    return this.states.size;
  }

  private run(worker: number, [, op, id, a, b]: Call): unknown {
    if (op === OP.declare) {
      if (!this.states.has(id)) this.states.set(id, this.create(id, a as Declaration));
      let workers = this.declarers.get(id);
      if (workers === undefined) this.declarers.set(id, (workers = new Set()));
      workers.add(worker);
      return undefined;
    }
    const state = this.states.get(id);
    if (state === undefined) return UNAVAILABLE;
    switch (op) {
      case OP.routerCheck:
        if (state.kind !== 'router') return UNAVAILABLE;
        return state.limiter.check(typeof a === 'string' ? a : undefined);
      case OP.bucketTake:
        return state.kind === 'bucket' ? state.bucket.allow() : UNAVAILABLE;
      case OP.breakerEnter: {
        if (state.kind !== 'breaker') return UNAVAILABLE;
        const entered = state.breaker.enter();
        if (typeof entered === 'number') this.count(worker, id, entered, 1);
        return entered;
      }
      case OP.breakerLeave:
        if (state.kind !== 'breaker' || typeof a !== 'number') return undefined;
        this.count(worker, id, a, -1);
        state.breaker.leave(a, typeof b === 'boolean' ? b : undefined);
        return undefined;
      case OP.cacheGet:
        return state.kind === 'cache' && typeof a === 'string' ? state.store.get(a) : undefined;
      case OP.cacheSet:
        if (state.kind === 'cache' && typeof a === 'string' && isSized(b)) state.store.set(a, b);
        return undefined;
      case OP.cacheDelete:
        if (state.kind === 'cache' && typeof a === 'string') state.store.delete(a);
        return undefined;
      default:
        return UNAVAILABLE;
    }
  }

  private create(id: string, declaration: Declaration): State {
    const { clock } = this.options;
    switch (declaration.kind) {
      case 'router': {
        const limiter = createMemoryLimiter({ endpoint: declaration.endpoint, client: declaration.client, clock, numShards: declaration.numShards, maxClients: declaration.maxClients });
        if (declaration.client) this.sweeps.set(id, this.sweeper.add(Math.max(declaration.cleanupMs, 1000), limiter.sweep));
        return { kind: 'router', limiter };
      }
      case 'bucket':
        return { kind: 'bucket', bucket: new TokenBucket(declaration.bucket, clock) };
      case 'breaker': {
        const { changeLog } = declaration;
        const log = this.options.log;
        const onStateChange = changeLog !== undefined && log ? (from: string, to: string) => log(`${changeLog} went from '${from}' to '${to}'`) : undefined;
        return {
          kind: 'breaker',
          breaker: new CircuitBreaker({ intervalMs: declaration.intervalMs, timeoutMs: declaration.timeoutMs, maxErrors: declaration.maxErrors, ...(onStateChange ? { onStateChange } : {}) }, clock),
        };
      }
      case 'cache':
        return { kind: 'cache', store: createLocalStore(declaration.maxItems, declaration.maxSizeBytes) };
    }
  }

  private count(worker: number, id: string, generation: number, delta: number): void {
    let byId = this.admitted.get(worker);
    if (byId === undefined) this.admitted.set(worker, (byId = new Map()));
    let generations = byId.get(id);
    if (generations === undefined) byId.set(id, (generations = new Map()));
    // Older generations no longer count in the breaker: keep only the current one's tally.
    for (const old of generations.keys()) if (old < generation) generations.delete(old);
    const count = (generations.get(generation) ?? 0) + delta;
    if (count > 0) generations.set(generation, count);
    else generations.delete(generation);
  }
}

function isSized(value: unknown): value is Sized {
  return value !== null && typeof value === 'object' && typeof (value as Sized).size === 'number';
}
