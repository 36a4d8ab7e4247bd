/**
 * One token bucket per client, kept in `num_shards` maps so that a sweep or an eviction touches one
 * small map, never a huge one. Memory stays bounded two ways:
 * - every `cleanup_period` a sweep forgets buckets that have refilled completely (a full bucket is what
 *   a new client gets anyway, so forgetting it changes no decision);
 * - each shard holds at most `maxClients / numShards` buckets; past that the oldest one is forgotten
 *   (that client starts again with a full bucket: the limit loosens for it, memory never grows).
 * Nothing is allocated before the first client: a config with thousands of limited endpoints costs a few
 * hundred bytes per endpoint until traffic arrives (KrakenD's 2,048 eager shards would cost ~390 KB each).
 */
import type { Clock } from '../clock.js';
import { TokenBucket } from './token-bucket.js';
import type { BucketSettings } from './token-bucket.js';

export interface ClientBucketsOptions {
  bucket: BucketSettings;
  numShards: number;
  maxClients: number;
  clock: Clock;
}

export class ClientBuckets {
  /** Shard index → its map; a slot stays empty until a client hashes to it. Allocated on first use. */
  private shards: (Map<string, TokenBucket> | undefined)[] | undefined;
  /** The shards created so far, so that a sweep visits only those. */
  private readonly used: Map<string, TokenBucket>[] = [];
  private readonly numShards: number;
  private readonly perShard: number;

  constructor(private readonly options: ClientBucketsOptions) {
    this.numShards = Math.max(1, Math.floor(options.numShards));
    this.perShard = Math.max(1, Math.ceil(options.maxClients / this.numShards));
  }

  /** Takes a token from `key`'s bucket, creating a full bucket for a new client. */
  allow(key: string): boolean {
    const shards = (this.shards ??= new Array<Map<string, TokenBucket> | undefined>(this.numShards));
    const index = fnv1a(key) % this.numShards;
    let shard = shards[index];
    if (shard === undefined) {
      shard = new Map<string, TokenBucket>();
      shards[index] = shard;
      this.used.push(shard);
    }
    let bucket = shard.get(key);
    if (bucket === undefined) {
      if (shard.size >= this.perShard) shard.delete(shard.keys().next().value as string);
      bucket = new TokenBucket(this.options.bucket, this.options.clock);
      shard.set(key, bucket);
    }
    return bucket.allow();
  }

  /** Forgets every bucket that is full again; returns how many were forgotten. */
  sweep(): number {
    if (this.used.length === 0) return 0;
    const now = this.options.clock.now();
    let removed = 0;
    for (const shard of this.used) {
      for (const [key, bucket] of shard) {
        if (bucket.isFull(now)) {
          shard.delete(key);
          removed++;
        }
      }
    }
    return removed;
  }

  get size(): number {
    let total = 0;
    for (const shard of this.used) total += shard.size;
    return total;
  }

  /** Shards allocated so far (none before the first client). */
  get allocatedShards(): number {
    return this.used.length;
  }
}

/** FNV-1a over UTF-16 code units: cheap and spreads IPs and ids well enough for sharding. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
