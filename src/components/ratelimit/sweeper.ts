/**
 * One timer per cleanup period for all the client limiters of a gateway (or of the primary's shared
 * state), instead of one timer per limited endpoint: 5,000 limited endpoints keep a handful of timers.
 * A sweep of a limiter that never saw a client returns at once.
 */
export class Sweeper {
  private readonly groups = new Map<number, { timer: NodeJS.Timeout; sweeps: Set<() => unknown> }>();

  /** Runs `sweep` every `periodMs` until the returned function or `close()` is called. */
  add(periodMs: number, sweep: () => unknown): () => void {
    let group = this.groups.get(periodMs);
    if (group === undefined) {
      const sweeps = new Set<() => unknown>();
      const timer = setInterval(() => {
        for (const run of sweeps) run();
      }, periodMs);
      timer.unref();
      group = { timer, sweeps };
      this.groups.set(periodMs, group);
    }
    const { sweeps } = group;
    sweeps.add(sweep);
    return () => {
      sweeps.delete(sweep);
      if (sweeps.size === 0) this.stop(periodMs);
    };
  }

  /** Timers running (one per distinct period). */
  get timers(): number {
    return this.groups.size;
  }

  close(): void {
    for (const period of [...this.groups.keys()]) this.stop(period);
  }

  private stop(periodMs: number): void {
    const group = this.groups.get(periodMs);
    if (group === undefined) return;
    clearInterval(group.timer);
    this.groups.delete(periodMs);
  }
}
