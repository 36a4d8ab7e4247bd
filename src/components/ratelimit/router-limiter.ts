/**
 * The decision of `qos/ratelimit/router` for one request, in KrakenD's order: the client's bucket first
 * (empty → 429), then the endpoint's (empty → 503). Memory limiters answer synchronously; Redis
 * limiters answer with a promise and apply `on_error` when Redis cannot answer in time.
 */
import type { Clock } from '../clock.js';
import { ClientBuckets } from './client-buckets.js';
import { bucketArgs } from './redis-buckets.js';
import type { RedisBuckets } from './redis-buckets.js';
import { TokenBucket } from './token-bucket.js';
import type { BucketSettings } from './token-bucket.js';

export const ALLOWED = 0;
export const CLIENT_LIMITED = 429;
export const ENDPOINT_LIMITED = 503;
export type Verdict = typeof ALLOWED | typeof CLIENT_LIMITED | typeof ENDPOINT_LIMITED;

/** `clientKey` is undefined when the endpoint has no client limit. */
export type RouterLimiter = (clientKey: string | undefined) => Verdict | Promise<Verdict>;

export interface LimiterBuckets {
  endpoint: BucketSettings | undefined;
  client: BucketSettings | undefined;
}

export interface MemoryLimiterOptions extends LimiterBuckets {
  clock: Clock;
  numShards: number;
  maxClients: number;
}

export interface MemoryRouterLimiter {
  check: RouterLimiter;
  /** Forgets client buckets that refilled (run every `cleanup_period`). */
  sweep(): number;
  clientCount(): number;
}

export function createMemoryLimiter(options: MemoryLimiterOptions): MemoryRouterLimiter {
  const endpoint = options.endpoint && new TokenBucket(options.endpoint, options.clock);
  const clients = options.client && new ClientBuckets({ bucket: options.client, numShards: options.numShards, maxClients: options.maxClients, clock: options.clock });
  return {
    check: function checkInMemory(clientKey) {
      if (clients !== undefined && (clientKey === '' || !clients.allow(clientKey as string))) return CLIENT_LIMITED;
      if (endpoint !== undefined && !endpoint.allow()) return ENDPOINT_LIMITED;
      return ALLOWED;
    },
    sweep: () => clients?.sweep() ?? 0,
    clientCount: () => clients?.size ?? 0,
  };
}

export interface RedisLimiterOptions extends LimiterBuckets {
  buckets: RedisBuckets;
  /** `<key_prefix>{<endpoint id>}`: the braces keep both keys of a request in one Redis Cluster slot. */
  keyBase: string;
  failOpen: boolean;
}

export function createRedisLimiter(options: RedisLimiterOptions): RouterLimiter {
  const { buckets, keyBase } = options;
  const endpointKey = `${keyBase}:e`;
  const clientPrefix = `${keyBase}:c:`;
  const endpointArgs = options.endpoint && bucketArgs(options.endpoint);
  const clientArgs = options.client && bucketArgs(options.client);
  const onError = options.failOpen ? ALLOWED : ENDPOINT_LIMITED;
  const toVerdict = (emptyIndex: number, hasClient: boolean): Verdict => {
    if (emptyIndex === 0) return ALLOWED;
    return hasClient && emptyIndex === 1 ? CLIENT_LIMITED : ENDPOINT_LIMITED;
  };
  const failed = (): Verdict => onError;

  if (clientArgs && endpointArgs) {
    const args = [...clientArgs, ...endpointArgs];
    return function checkClientAndEndpointInRedis(clientKey) {
      if (clientKey === '') return CLIENT_LIMITED;
      return buckets.take([clientPrefix + (clientKey as string), endpointKey], args).then((index) => toVerdict(index, true), failed);
    };
  }
  if (clientArgs) {
    return function checkClientInRedis(clientKey) {
      if (clientKey === '') return CLIENT_LIMITED;
      return buckets.take([clientPrefix + (clientKey as string)], clientArgs).then((index) => toVerdict(index, true), failed);
    };
  }
  const args = endpointArgs as string[];
  const keys = [endpointKey];
  return function checkEndpointInRedis() {
    return buckets.take(keys, args).then((index) => toVerdict(index, false), failed);
  };
}
