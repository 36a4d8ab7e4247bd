/**
 * `auth/revoker` across the workers of `portico run -w N`. A revocation added on one worker's admin
 * listener goes to the primary, which relays it to the other workers and keeps it in a log for as long
 * as a filter could still hold it (3 TTLs). A worker that starts later (a replacement for a crashed one,
 * or a new generation after a reload) asks for that log first, so no worker serves a revoked token.
 */

/** Worker → primary: revocations added on this worker; primary → worker: revocations to add. */
export const REVOCATION_RELAY = 'portico:revoker:add';
/** Worker → primary: send me every revocation still alive (answered with a relay marked `replay`). */
export const REVOCATION_SYNC = 'portico:revoker:sync';
/** How long a starting worker waits for that answer before it serves without it (and says so). */
export const SYNC_TIMEOUT_MS = 2_000;

/** The most revocations the primary keeps for replay: past it the oldest go first (and a warning says so). */
export const MAX_LOGGED_REVOCATIONS = 1_000_000;

export interface RevocationMessage {
  type: typeof REVOCATION_RELAY;
  elements: string[];
  /** How long the sender's filter may hold these (3 × TTL): the primary keeps them that long. */
  keepMs?: number;
  /** Set on the primary's answer to `REVOCATION_SYNC`. */
  replay?: true;
}

export function revocationMessage(message: unknown): RevocationMessage | undefined {
  const candidate = message as Partial<RevocationMessage> | null;
  if (candidate?.type !== REVOCATION_RELAY || !Array.isArray(candidate.elements)) return undefined;
  const elements = candidate.elements.filter((element): element is string => typeof element === 'string');
  return {
    type: REVOCATION_RELAY,
    elements,
    ...(typeof candidate.keepMs === 'number' ? { keepMs: candidate.keepMs } : {}),
    ...(candidate.replay === true ? { replay: true as const } : {}),
  };
}

export function isSyncRequest(message: unknown): boolean {
  return (message as { type?: unknown } | null)?.type === REVOCATION_SYNC;
}

/** The primary's log of live revocations, oldest first (insertion order of the Map). */
export class RevocationLog {
  private readonly expiries = new Map<string, number>();
  private warnedFull = false;

  constructor(
    private readonly now: () => number,
    private readonly warn: (message: string) => void,
    private readonly capacity = MAX_LOGGED_REVOCATIONS,
  ) {}

  add(elements: readonly string[], keepMs: number): void {
    const expiry = this.now() + keepMs;
    for (const element of elements) {
      // Re-adding moves it to the end, so the Map stays ordered by expiry for a fixed TTL.
      this.expiries.delete(element);
      this.expiries.set(element, expiry);
    }
    this.prune();
    while (this.expiries.size > this.capacity) {
      const oldest = this.expiries.keys().next().value as string;
      this.expiries.delete(oldest);
      if (!this.warnedFull) {
        this.warnedFull = true;
        this.warn(`[SERVICE: auth/revoker] more than ${this.capacity} live revocations: the oldest are no longer replayed to workers that start later`);
      }
    }
  }

  /** Every revocation that has not expired. */
  live(): string[] {
    this.prune();
    return [...this.expiries.keys()];
  }

  get size(): number {
    return this.expiries.size;
  }

  private prune(): void {
    const now = this.now();
    for (const [element, expiry] of this.expiries) {
      if (expiry > now) break;
      this.expiries.delete(element);
    }
  }
}

/**
 * A worker's side of the channel, one per process: from its first sync until the filter is built, what
 * the primary sends is kept, so no revocation falls between the replay and the filter's own listener.
 */
export class WorkerRevocationFeed {
  private pending: string[] = [];
  private sink: ((elements: string[]) => void) | undefined;

  constructor() {
    process.on('message', (message: unknown) => {
      const relayed = revocationMessage(message);
      if (relayed === undefined) return;
      if (this.sink) this.sink(relayed.elements);
      else this.pending.push(...relayed.elements);
    });
  }

  /** Asks the primary for every live revocation; resolves once they are in (false: no answer in time). */
  sync(): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(false), SYNC_TIMEOUT_MS);
      const onMessage = (message: unknown): void => {
        if (revocationMessage(message)?.replay) done(true);
      };
      const done = (answered: boolean): void => {
        clearTimeout(timer);
        process.off('message', onMessage);
        resolve(answered);
      };
      process.on('message', onMessage);
      process.send?.({ type: REVOCATION_SYNC });
    });
  }

  /** Hands what was kept, then every later relay, to `sink` (the filter of the gateway being built). */
  attach(sink: (elements: string[]) => void): () => void {
    this.sink = sink;
    sink(this.pending);
    this.pending = [];
    return () => {
      if (this.sink === sink) this.sink = undefined;
    };
  }
}
