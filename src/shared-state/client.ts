/**
 * A worker's side of shared state (`portico run -w N`): asks the primary, which owns the instance's
 * buckets, breakers and caches (see host.ts). Questions made during one event-loop turn leave as one
 * message (flushed by setImmediate), and their answers come back as one. Reports (a breaker call's
 * outcome, a cache store) leave at once, with whatever is queued before them: they are written before the
 * response reaches the client, so whatever that client sends next, through any worker, is decided
 * after the primary has counted them (the primary reads its channels in the order they became readable).
 *
 * Bounded failure: a call the primary has not answered within `timeoutMs` (default 1s) fails with
 * `PRT_ERR_STATE_UNAVAILABLE`, and so does every call once the channel is closed; each caller then
 * takes its documented safe choice (limits refuse, breakers refuse the call, caches miss). A breaker
 * admission that arrives after its caller gave up is handed back at once, so it cannot hold a
 * half-open circuit.
 */
import { createHash } from 'node:crypto';
import { GatewayError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { OP, STATE_TAG, stateCalls, UNAVAILABLE } from './protocol.js';
import type { Call, Declaration, Op } from './protocol.js';

/** The cluster IPC channel as the client needs it (a fake one in unit tests). */
export interface StateChannel {
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  onClose(listener: () => void): void;
}

export interface SharedStateClientOptions {
  timeoutMs?: number;
  logger?: Logger;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  sentAt: number;
  op: Op;
  id: string;
}

const DEFAULT_TIMEOUT_MS = 1_000;
/** After a timeout, keep waiting this long for a late breaker admission to hand back. */
const LATE_ANSWER_MS = 60_000;
const LOG_EVERY_MS = 10_000;

export class SharedStateClient {
  private outbox: Call[] = [];
  private flushScheduled = false;
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  /** Timed-out breaker admissions: seq → [breaker id, when it gave up]. */
  private readonly abandoned = new Map<number, [string, number]>();
  private sweeper: NodeJS.Timeout | undefined;
  private closed = false;
  private lastLogged = -Infinity;
  private readonly timeoutMs: number;

  constructor(
    private readonly channel: StateChannel,
    private readonly options: SharedStateClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    channel.onMessage((message) => this.receive(message));
    channel.onClose(() => this.close());
  }

  /**
   * Tells the primary what `id` is and returns the id to call it by: `id` with a digest of its settings,
   * so after a config reload a piece whose settings are unchanged finds its state as it was, and a changed
   * one (another capacity, another backend) starts fresh instead of inheriting a stale bucket.
   */
  declare(id: string, declaration: Declaration): string {
    const stateId = stateIdOf(id, declaration);
    this.tell(OP.declare, stateId, declaration);
    return stateId;
  }

  /** A call that wants an answer; rejects with `PRT_ERR_STATE_UNAVAILABLE` when none comes in time. */
  ask(op: Op, id: string, a?: unknown): Promise<unknown> {
    if (this.closed) return Promise.reject(this.unavailable('the primary process is gone'));
    const seq = (this.seq = this.seq === 0x7fffffff ? 1 : this.seq + 1);
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject, sentAt: performance.now(), op, id });
      this.queue(a === undefined ? [seq, op, id] : [seq, op, id, a]);
      this.sweeper ??= this.startSweeper();
    });
  }

  /** A call that wants no answer (reports, stores), sent now. Lost when the primary is gone. */
  tell(op: Op, id: string, a?: unknown, b?: unknown): void {
    if (this.closed) return;
    this.outbox.push([0, op, id, a, b]);
    this.flush();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.outbox = [];
    for (const [seq, waiting] of this.pending) {
      this.pending.delete(seq);
      waiting.reject(this.unavailable('the primary process is gone'));
    }
    this.abandoned.clear();
    this.stopSweeper();
  }

  private queue(call: Call): void {
    this.outbox.push(call);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.outbox.length === 0 || this.closed) return;
    const batch = this.outbox;
    this.outbox = [];
    try {
      this.channel.send({ [STATE_TAG]: batch });
    } catch (error) {
      this.log(`cannot reach the primary process: ${(error as Error).message}`);
      this.close();
    }
  }

  private receive(message: unknown): void {
    const answers = stateCalls(message);
    if (answers === undefined) return;
    for (const answer of answers) {
      if (!Array.isArray(answer)) continue;
      const [seq, value] = answer as [number, unknown];
      const waiting = this.pending.get(seq);
      if (waiting !== undefined) {
        this.pending.delete(seq);
        if (value === UNAVAILABLE) {
          const error = this.unavailable(`the primary cannot answer for "${waiting.id}"`);
          this.log(error.message);
          waiting.reject(error);
        } else {
          waiting.resolve(value);
        }
        continue;
      }
      const gaveUp = this.abandoned.get(seq);
      if (gaveUp !== undefined) {
        this.abandoned.delete(seq);
        if (typeof value === 'number') this.tell(OP.breakerLeave, gaveUp[0], value, null);
      }
    }
  }

  private startSweeper(): NodeJS.Timeout {
    const timer = setInterval(() => this.expire(), Math.max(10, Math.min(250, this.timeoutMs / 4)));
    timer.unref();
    return timer;
  }

  private stopSweeper(): void {
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  private expire(): void {
    const now = performance.now();
    let expired = 0;
    for (const [seq, waiting] of this.pending) {
      // Insertion order is send order: the first one still in time ends the scan.
      if (now - waiting.sentAt < this.timeoutMs) break;
      this.pending.delete(seq);
      if (waiting.op === OP.breakerEnter) this.abandoned.set(seq, [waiting.id, now]);
      waiting.reject(this.unavailable(`no answer within ${this.timeoutMs} ms`));
      expired++;
    }
    for (const [seq, [, since]] of this.abandoned) {
      if (now - since < LATE_ANSWER_MS) break;
      this.abandoned.delete(seq);
    }
    if (expired > 0) this.log(`${expired} call(s) to the primary process got no answer within ${this.timeoutMs} ms`);
    if (this.pending.size === 0 && this.abandoned.size === 0) this.stopSweeper();
  }

  private unavailable(why: string): GatewayError {
    return new GatewayError('PRT_ERR_STATE_UNAVAILABLE', `shared state unavailable: ${why}`);
  }

  private log(message: string): void {
    const now = performance.now();
    if (now - this.lastLogged < LOG_EVERY_MS) return;
    this.lastLogged = now;
    this.options.logger?.error(`[SERVICE: Portico][SharedState] PRT_ERR_STATE_UNAVAILABLE ${message}`);
  }
}

/** The worker's cluster channel: `process.send` and the `message`/`disconnect` events. */
export function processChannel(): StateChannel {
  return {
    send(message) {
      if (process.send === undefined || !process.connected) throw new Error('no IPC channel');
      process.send(message);
    },
    onMessage(listener) {
      process.on('message', listener);
    },
    onClose(listener) {
      process.once('disconnect', listener);
    },
  };
}

/** `id` plus a short digest of its declaration (see `declare`). */
export function stateIdOf(id: string, declaration: Declaration): string {
  return `${id} #${createHash('sha256').update(JSON.stringify(declaration)).digest('base64url').slice(0, 12)}`;
}
