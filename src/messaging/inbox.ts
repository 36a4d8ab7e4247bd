/**
 * Messages waiting for requests, and requests waiting for messages, both first come first served. A
 * request that is cancelled (endpoint timeout, client gone) leaves the queue with its cancellation reason.
 */
import type { Cancellation } from '../core/cancellation.js';

export class Inbox<T> {
  private readonly items: T[] = [];
  private readonly waiting: { resolve: (item: T) => void; cancel: Cancellation; ticket: number }[] = [];

  constructor(
    /** Bound on items held with no request waiting; `put` refuses beyond it. */
    private readonly capacity = Infinity,
  ) {}

  get size(): number {
    return this.items.length;
  }

  /** False when the inbox is full (the caller drops or rejects the item). */
  put(item: T): boolean {
    const waiter = this.waiting.shift();
    if (waiter) {
      waiter.cancel.off(waiter.ticket);
      waiter.resolve(item);
      return true;
    }
    if (this.items.length >= this.capacity) return false;
    this.items.push(item);
    return true;
  }

  take(cancel: Cancellation): Promise<T> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift() as T);
    return new Promise<T>((resolve, reject) => {
      const entry = { resolve, cancel, ticket: -1 };
      entry.ticket = cancel.on((reason) => {
        const index = this.waiting.indexOf(entry);
        if (index !== -1) this.waiting.splice(index, 1);
        reject(reason);
      });
      if (!cancel.aborted) this.waiting.push(entry);
    });
  }

  /** Forgets the held items (their source is gone and will deliver them again). */
  clear(): void {
    this.items.length = 0;
  }
}
