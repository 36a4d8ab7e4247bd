/**
 * Where an HTTP cache keeps its entries: in this process (an LRU bounded by count and bytes), or, with
 * `portico run -w N`, in the primary process (the same LRU there, asked over IPC), so every worker
 * serves what any of them stored.
 */
import { LRUCache } from 'lru-cache';
import type { SharedStateClient } from '../../shared-state/client.js';
import { OP } from '../../shared-state/protocol.js';

export interface Sized {
  /** Bytes the entry holds (body, headers, overhead). */
  size: number;
}

export interface CacheStore<Entry extends Sized> {
  get(key: string): Entry | undefined | Promise<Entry | undefined>;
  set(key: string, entry: Entry): void;
  delete(key: string): void;
}

export interface LocalCacheStore<Entry extends Sized> extends CacheStore<Entry> {
  get(key: string): Entry | undefined;
  readonly size: number;
  readonly calculatedSize: number;
}

/**
 * `maxItems`/`maxSizeBytes` 0: no bound of that kind. The LRU is created by the first store, and the
 * count bound is enforced here rather than with lru-cache's `max`, which preallocates arrays for `max`
 * entries (~280 KB per backend at the default 10,000) whether or not anything is ever cached. A class:
 * thousands of backends each hold one, and its methods are shared instead of made per store.
 */
class LocalStore<Entry extends Sized> implements LocalCacheStore<Entry> {
  #cache: LRUCache<string, Entry> | undefined;

  constructor(
    private readonly maxItems: number,
    private readonly maxSizeBytes: number,
  ) {}

  get(key: string): Entry | undefined {
    return this.#cache?.get(key);
  }

  set(key: string, entry: Entry): void {
    const cache = (this.#cache ??= new LRUCache<string, Entry>({
      maxSize: this.maxSizeBytes > 0 ? this.maxSizeBytes : Number.MAX_SAFE_INTEGER,
      sizeCalculation: entrySize,
    }));
    if (this.maxItems > 0 && cache.size >= this.maxItems && !cache.has(key)) cache.pop(); // the least recently used
    cache.set(key, entry);
  }

  delete(key: string): void {
    this.#cache?.delete(key);
  }

  get size(): number {
    return this.#cache?.size ?? 0;
  }

  get calculatedSize(): number {
    return this.#cache?.calculatedSize ?? 0;
  }
}

// Keys hold the URL and Vary values the client chose: they count, or long URLs would escape maxSize.
function entrySize(entry: Sized, key: string): number {
  return Math.max(1, entry.size + key.length);
}

export function createLocalStore<Entry extends Sized>(maxItems: number, maxSizeBytes: number): LocalCacheStore<Entry> {
  return new LocalStore<Entry>(maxItems, maxSizeBytes);
}

/** How an entry crosses the cluster channel, which carries JSON (measured faster than V8 serialization). */
export interface EntryCodec<Entry extends Sized> {
  /** A JSON-safe form whose `size` counts what the primary will hold. */
  encode(entry: Entry): Sized;
  decode(wire: Sized): Entry;
}

/**
 * The primary's store, for a worker of `portico run -w N`. A lookup the primary cannot answer in time is
 * a miss (the backend is asked); stores and deletions are sent without waiting.
 */
export function createSharedStore<Entry extends Sized>(state: SharedStateClient, name: string, maxItems: number, maxSizeBytes: number, codec: EntryCodec<Entry>): CacheStore<Entry> {
  const id = state.declare(name, { kind: 'cache', maxItems, maxSizeBytes });
  // JSON turns a missing entry into null.
  const decode = (wire: unknown): Entry | undefined => (wire === null || wire === undefined ? undefined : codec.decode(wire as Sized));
  const miss = (): undefined => undefined;
  return {
    get: (key) => state.ask(OP.cacheGet, id, key).then(decode, miss),
    set: (key, entry) => state.tell(OP.cacheSet, id, key, codec.encode(entry)),
    delete: (key) => state.tell(OP.cacheDelete, id, key),
  };
}
