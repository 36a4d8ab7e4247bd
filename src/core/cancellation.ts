/**
 * A light cancellation token for one request. AbortController is an EventTarget and costs several
 * allocations per request; the hot path only needs "tell these callbacks once". `signal` builds a real
 * AbortSignal lazily for extensions that want one.
 */
export type AbortListener = (reason: Error) => void;

export class Cancellation {
  aborted = false;
  reason: Error | undefined;
  private listeners: (AbortListener | undefined)[] | undefined;
  private controller: AbortController | undefined;
  private timer: NodeJS.Timeout | undefined;

  /** Registers a listener; returns a ticket for `off`. Runs at once if already aborted. */
  on(listener: AbortListener): number {
    if (this.aborted) {
      listener(this.reason as Error);
      return -1;
    }
    (this.listeners ??= []).push(listener);
    return this.listeners.length - 1;
  }

  off(ticket: number): void {
    if (ticket >= 0 && this.listeners) this.listeners[ticket] = undefined;
  }

  abort(reason: Error): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.clearTimer();
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners) for (const listener of listeners) listener?.(reason);
    this.controller?.abort(reason);
  }

  /** Aborts with `reason()` after `ms` unless disposed first. */
  abortAfter(ms: number, reason: () => Error): this {
    this.timer = setTimeout(() => this.abort(reason()), ms);
    return this;
  }

  /** A child aborted with its parent; aborting the child leaves the parent alone. */
  child(): Cancellation {
    const child = new Cancellation();
    if (this.aborted) {
      child.abort(this.reason as Error);
      return child;
    }
    const ticket = this.on((reason) => child.abort(reason));
    child.parentTicket = ticket;
    child.parent = this;
    return child;
  }

  private parent: Cancellation | undefined;
  private parentTicket = -1;

  /** Done with it: stops the timer and detaches from the parent, without aborting anything. */
  dispose(): void {
    this.clearTimer();
    if (this.parent) {
      this.parent.off(this.parentTicket);
      this.parent = undefined;
    }
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  private clearTimer(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }
}
