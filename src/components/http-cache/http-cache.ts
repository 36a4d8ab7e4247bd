/**
 * An in-memory HTTP cache of one backend's responses (RFC 9111), wrapping the raw exchange like
 * krakend-httpcache wraps KrakenD's HTTP client: it sees the backend's status and headers before
 * KrakenD's status policy and decoding, and a hit is decoded again like a fresh response (decoded data
 * is mutable further up, so only bytes are shared).
 *
 * Stored: answers to GET/HEAD with explicit freshness (`s-maxage` when shared, `max-age`, `Expires`)
 * or a validator to revalidate with; never `no-store`, nor `private` or `Set-Cookie` ones when shared,
 * nor answers to requests with `Authorization` when shared (unless `public`, `s-maxage` or
 * `must-revalidate`). `Vary` selects among variants (`Vary: *` is never stored). Stale or `no-cache`
 * entries are revalidated with `If-None-Match`/`If-Modified-Since`; a 304 refreshes the entry.
 * The request's own `no-store` bypasses the cache; `no-cache` or `max-age=0` skips the lookup.
 * No heuristic freshness: a response without explicit freshness is not served from the cache.
 * Bounds: `maxItems` entries and `maxSizeBytes` (body + headers + key), least recently used evicted first.
 * Entries live in `store`: this process's LRU, or the primary's with `portico run -w N` (store.ts).
 * The key is the URL and every client-chosen header the backend is sent (see `cache-key.ts`).
 */
import type { Cancellation } from '../../core/cancellation.js';
import type { BackendCall, BackendReply, CallOptions } from '../../transport/backend-call.js';
import type { OutgoingRequest } from '../../transport/http1-client.js';
import { PassthroughBody } from '../../transport/passthrough-body.js';
import type { BackendCallMiddleware } from '../../pipeline/types.js';
import type { Clock } from '../clock.js';
import { parseCacheControl } from './cache-control.js';
import { cacheKeyOf } from './cache-key.js';
import { RequestHeaderLines, replaceHeaders, replyHeader } from './raw-headers.js';
import { createLocalStore } from './store.js';
import type { CacheStore, EntryCodec, LocalCacheStore } from './store.js';

export interface HttpCacheOptions {
  /** A shared cache (every client of the gateway reads it): `private` answers are not stored. */
  shared: boolean;
  /** Most entries; 0: no count bound. */
  maxItems: number;
  /** Most bytes of bodies and headers; 0: no size bound. */
  maxSizeBytes: number;
  /** Wall clock: freshness is compared with HTTP dates. */
  clock: Clock;
  /** Where entries live when not in this process (the primary's, shared by workers); it applies the bounds itself. */
  store?: CacheStore<Entry>;
}

interface StoredResponse {
  kind: 'response';
  statusCode: number;
  headers: string[];
  body: Buffer;
  url: string;
  /** When the response arrived (clock ms). */
  responseTime: number;
  /** RFC 9111 §4.2.3 `corrected_initial_age`, ms. */
  initialAgeMs: number;
  /** Freshness lifetime, ms (0: stale at once). */
  lifetimeMs: number;
  /** `no-cache`: revalidate before every use. */
  mustRevalidate: boolean;
  etag: string | undefined;
  lastModified: string | undefined;
  /** Lower-case names from `Vary`; the entry sits under the variant key. */
  vary: string[];
  size: number;
}

/** Sits under the primary key of a URL whose responses vary: tells which request headers pick the variant. */
interface VaryMarker {
  kind: 'vary';
  names: string[];
  size: number;
}

export type Entry = StoredResponse | VaryMarker;

/** Statuses cacheable by default (RFC 9110 §15.1); others are passed through untouched. */
const CACHEABLE_STATUS = new Set([200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501]);
const ENTRY_OVERHEAD = 200;
/** Headers a 304 must not change in the stored response (RFC 9111 §3.2). */
const KEEP_ON_UPDATE = new Set(['content-length', 'content-encoding', 'transfer-encoding', 'content-range']);

export interface HttpCache {
  middleware: BackendCallMiddleware;
  /** Entries held in this process (responses and vary markers); 0 when the store is the primary's. */
  readonly size: number;
  /** Bytes held in this process. */
  readonly calculatedSize: number;
}

export function createHttpCache(options: HttpCacheOptions): HttpCache {
  return new BackendCache(options);
}

/** A class: thousands of backends may each have one, and its methods are shared instead of made per backend. */
class BackendCache implements HttpCache {
  readonly middleware: BackendCallMiddleware;
  private readonly clock: Clock;
  private readonly shared: boolean;
  private readonly local: LocalCacheStore<Entry> | undefined;
  private readonly cache: CacheStore<Entry>;

  constructor(options: HttpCacheOptions) {
    this.clock = options.clock;
    this.shared = options.shared;
    this.local = options.store === undefined ? createLocalStore<Entry>(options.maxItems, options.maxSizeBytes) : undefined;
    this.cache = options.store ?? (this.local as CacheStore<Entry>);
    this.middleware = (next) => {
      const cache = this;
      return function cachedCall(origin, request, callOptions, cancel) {
        return cache.call(next, origin, request, callOptions, cancel);
      };
    };
  }

  get size(): number {
    return this.local?.size ?? 0;
  }

  get calculatedSize(): number {
    return this.local?.calculatedSize ?? 0;
  }

  private async call(next: BackendCall, origin: string, request: OutgoingRequest, callOptions: CallOptions, cancel: Cancellation): Promise<BackendReply> {
    if (request.method !== 'GET' && request.method !== 'HEAD') return next(origin, request, callOptions, cancel);
    const headers = new RequestHeaderLines(request.headerLines);
    const asked = parseCacheControl(headers.get('cache-control'));
    // Ranges and the client's own conditionals are the backend's business.
    if (asked.noStore || headers.get('range') !== undefined || headers.get('if-none-match') !== undefined || headers.get('if-modified-since') !== undefined) {
      return next(origin, request, callOptions, cancel);
    }
    const primaryKey = cacheKeyOf(request, callOptions.decompress);
    if (primaryKey === undefined) return next(origin, request, callOptions, cancel);
    const found = asked.noCache || asked.maxAge === 0 ? undefined : this.lookup(primaryKey, headers);
    const stored = found instanceof Promise ? await found : found;
    const requestTime = this.clock.now();
    // A no-op backend streams; a cacheable answer is buffered so it can be kept, then streamed from memory.
    const buffered = callOptions.stream ? { ...callOptions, stream: false } : callOptions;

    if (stored !== undefined) {
      if (!stored.mustRevalidate && currentAgeMs(stored, requestTime) < stored.lifetimeMs) return replyFrom(stored, requestTime, callOptions);
      if (stored.etag !== undefined || stored.lastModified !== undefined) {
        const conditional = { ...request, headerLines: request.headerLines + validatorLines(stored) };
        const reply = await next(origin, conditional, buffered, cancel);
        if (reply.statusCode === 304) {
          const refreshed = this.refresh(stored, reply, requestTime, primaryKey, headers);
          return replyFrom(refreshed, this.clock.now(), callOptions);
        }
        return this.keep(primaryKey, headers, reply, requestTime, callOptions);
      }
    }
    const reply = await next(origin, request, buffered, cancel);
    return this.keep(primaryKey, headers, reply, requestTime, callOptions);
  }

  /** Synchronous with this process's store; a promise with the primary's. */
  private lookup(primaryKey: string, headers: RequestHeaderLines): StoredResponse | undefined | Promise<StoredResponse | undefined> {
    const entry = this.cache.get(primaryKey);
    return entry instanceof Promise ? entry.then((settled) => this.variantOf(settled, primaryKey, headers)) : this.variantOf(entry, primaryKey, headers);
  }

  private variantOf(entry: Entry | undefined, primaryKey: string, headers: RequestHeaderLines): StoredResponse | undefined | Promise<StoredResponse | undefined> {
    if (entry === undefined || entry.kind === 'response') return entry;
    const variant = this.cache.get(variantKey(primaryKey, entry.names, headers));
    return variant instanceof Promise ? variant.then(responseOnly) : responseOnly(variant);
  }

  /** Stores `reply` when the RFC allows it, and hands it on in the form the caller asked for. */
  private keep(primaryKey: string, headers: RequestHeaderLines, reply: BackendReply, requestTime: number, callOptions: CallOptions): BackendReply {
    const entry = this.storable(reply, headers, requestTime);
    if (entry !== undefined) this.put(primaryKey, headers, entry);
    if (callOptions.stream && reply.stream === null) return { ...reply, stream: streamOf(reply.body), body: null };
    return reply;
  }

  private storable(reply: BackendReply, headers: RequestHeaderLines, requestTime: number): StoredResponse | undefined {
    if (!CACHEABLE_STATUS.has(reply.statusCode) || reply.body === null) return undefined;
    const raw = reply.headers;
    const directives = parseCacheControl(replyHeader(raw, 'cache-control'));
    if (directives.noStore) return undefined;
    if (this.shared) {
      if (directives.isPrivate || replyHeader(raw, 'set-cookie') !== undefined) return undefined;
      const mayShareAuthorized = directives.isPublic || directives.mustRevalidate || directives.sMaxAge !== undefined;
      if (!mayShareAuthorized && headers.get('authorization') !== undefined) return undefined;
    }
    const varyHeader = replyHeader(raw, 'vary');
    const vary = varyHeader === undefined ? [] : varyHeader.split(',').map((name) => name.trim().toLowerCase()).filter((name) => name !== '');
    if (vary.includes('*')) return undefined;
    const responseTime = this.clock.now();
    const lifetimeMs = freshnessLifetimeMs(raw, directives, this.shared);
    const etag = replyHeader(raw, 'etag');
    const lastModified = replyHeader(raw, 'last-modified');
    const hasValidator = etag !== undefined || lastModified !== undefined;
    if (directives.noCache) {
      if (!hasValidator) return undefined; // every use would be a full fetch anyway
    } else if (lifetimeMs === undefined) {
      return undefined; // no explicit freshness: Portico uses no heuristics
    } else if (lifetimeMs <= 0 && !hasValidator) {
      return undefined;
    }
    return {
      kind: 'response',
      statusCode: reply.statusCode,
      headers: raw,
      body: reply.body,
      url: reply.url,
      responseTime,
      initialAgeMs: initialAgeMs(raw, requestTime, responseTime),
      lifetimeMs: lifetimeMs ?? 0,
      mustRevalidate: directives.noCache,
      etag,
      lastModified,
      vary,
      size: ENTRY_OVERHEAD + reply.body.length + headerBytes(raw),
    };
  }

  /** RFC 9111 §4.3.4: the 304's headers replace the stored ones; freshness starts over. */
  private refresh(stored: StoredResponse, notModified: BackendReply, requestTime: number, primaryKey: string, headers: RequestHeaderLines): StoredResponse {
    const replaced = new Set<string>();
    for (let i = 0; i < notModified.headers.length; i += 2) {
      const name = (notModified.headers[i] as string).toLowerCase();
      if (!KEEP_ON_UPDATE.has(name)) replaced.add(name);
    }
    const extra: string[] = [];
    for (let i = 0; i < notModified.headers.length; i += 2) {
      if (replaced.has((notModified.headers[i] as string).toLowerCase())) extra.push(notModified.headers[i] as string, notModified.headers[i + 1] as string);
    }
    const merged = replaceHeaders(stored.headers, replaced, extra);
    const updated = this.storable({ ...notModified, statusCode: stored.statusCode, headers: merged, body: stored.body, url: stored.url }, headers, requestTime);
    if (updated === undefined) {
      this.cache.delete(stored.vary.length === 0 ? primaryKey : variantKey(primaryKey, stored.vary, headers));
      return { ...stored, headers: merged };
    }
    this.put(primaryKey, headers, updated);
    return updated;
  }

  private put(primaryKey: string, headers: RequestHeaderLines, entry: StoredResponse): void {
    if (entry.vary.length === 0) {
      this.cache.set(primaryKey, entry);
      return;
    }
    this.cache.set(primaryKey, { kind: 'vary', names: entry.vary, size: ENTRY_OVERHEAD });
    this.cache.set(variantKey(primaryKey, entry.vary, headers), entry);
  }
}

function currentAgeMs(stored: StoredResponse, now: number): number {
  return stored.initialAgeMs + Math.max(0, now - stored.responseTime);
}

function replyFrom(stored: StoredResponse, now: number, callOptions: CallOptions): BackendReply {
  const age = String(Math.floor(currentAgeMs(stored, now) / 1000));
  const headers = replaceHeaders(stored.headers, AGE, ['Age', age]);
  if (callOptions.stream) return { statusCode: stored.statusCode, headers, body: null, stream: streamOf(stored.body), url: stored.url };
  return { statusCode: stored.statusCode, headers, body: stored.body, stream: null, url: stored.url };
}

function initialAgeMs(raw: readonly string[], requestTime: number, responseTime: number): number {
  const ageValue = Number(replyHeader(raw, 'age') ?? '0');
  const dateValue = Date.parse(replyHeader(raw, 'date') ?? '');
  const apparentAge = Number.isNaN(dateValue) ? 0 : Math.max(0, responseTime - dateValue);
  const correctedAge = (Number.isFinite(ageValue) && ageValue > 0 ? ageValue * 1000 : 0) + (responseTime - requestTime);
  return Math.max(apparentAge, correctedAge);
}

const AGE = new Set(['age']);

/** Entries as JSON for the primary's store: bodies as base64, counted at their base64 size there. */
export const entryCodec: EntryCodec<Entry> = {
  encode(entry) {
    if (entry.kind !== 'response') return entry;
    const body = entry.body.toString('base64');
    return { ...entry, body, size: entry.size - entry.body.length + body.length };
  },
  decode(wire) {
    const entry = wire as Entry;
    if (entry.kind !== 'response') return entry;
    const body = Buffer.from(entry.body as unknown as string, 'base64');
    return { ...entry, body, etag: entry.etag ?? undefined, lastModified: entry.lastModified ?? undefined };
  },
};

function responseOnly(entry: Entry | undefined): StoredResponse | undefined {
  return entry?.kind === 'response' ? entry : undefined;
}

/** RFC 9111 §4.2.1; undefined when the response has no explicit freshness. */
function freshnessLifetimeMs(raw: readonly string[], directives: ReturnType<typeof parseCacheControl>, shared: boolean): number | undefined {
  if (shared && directives.sMaxAge !== undefined) return directives.sMaxAge * 1000;
  if (directives.maxAge !== undefined) return directives.maxAge * 1000;
  const expires = replyHeader(raw, 'expires');
  if (expires === undefined) return undefined;
  const expiresAt = Date.parse(expires);
  if (Number.isNaN(expiresAt)) return 0; // an invalid Expires means already expired (§5.3)
  const date = Date.parse(replyHeader(raw, 'date') ?? '');
  return Number.isNaN(date) ? 0 : Math.max(0, expiresAt - date);
}

function variantKey(primaryKey: string, names: readonly string[], headers: RequestHeaderLines): string {
  let key = primaryKey;
  for (const name of names) key += `\n${name}:${normalise(headers.get(name))}`;
  return key;
}

/** Header values that differ only in spacing or list layout select the same variant (RFC 9111 §4.1). */
function normalise(value: string | undefined): string {
  return value === undefined ? '\u0000' : value.split(',').map((part) => part.trim()).join(',');
}

function validatorLines(stored: StoredResponse): string {
  let lines = '';
  if (stored.etag !== undefined) lines += `If-None-Match: ${stored.etag}\r\n`;
  if (stored.lastModified !== undefined) lines += `If-Modified-Since: ${stored.lastModified}\r\n`;
  return lines;
}

function streamOf(body: Buffer | null): PassthroughBody {
  const stream = new PassthroughBody();
  if (body !== null && body.length > 0) stream.push(body);
  stream.end();
  return stream;
}

function headerBytes(raw: readonly string[]): number {
  let total = 0;
  for (const part of raw) total += part.length + 2;
  return total;
}
