/**
 * Token buckets kept in Redis, so every replica of the gateway draws from the same buckets. One Lua
 * script takes from the client bucket and then the endpoint bucket atomically, with Redis' own clock
 * (replicas' clocks never disagree about refills). The script runs with EVALSHA; after a Redis restart
 * or `SCRIPT FLUSH` the NOSCRIPT answer falls back to EVAL, which loads it again.
 *
 * Why ioredis: a well-kept client with the knobs fail-fast needs: `enableOfflineQueue: false` and
 * `maxRetriesPerRequest: 0` make a command fail at once while Redis is away (instead of queueing
 * requests behind a dead connection), `commandTimeout` bounds a slow Redis, and it reconnects by itself.
 * It is loaded on first use (~50 ms of start-up): a gateway without the Redis block never loads it.
 */
import { createHash } from 'node:crypto';
import type { Redis, RedisOptions } from 'ioredis';
import type { Logger } from '../../core/logger.js';
import type { BucketSettings } from './token-bucket.js';
import { refillMs } from './rate-settings.js';

/** Takes one token from each bucket in KEYS order; returns 0, or the 1-based index of the empty bucket. */
export const TAKE_TOKENS_SCRIPT = `
if redis.replicate_commands then redis.replicate_commands() end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
for i, key in ipairs(KEYS) do
  local base = (i - 1) * 3
  local rate = tonumber(ARGV[base + 1])
  local capacity = tonumber(ARGV[base + 2])
  local ttl = tonumber(ARGV[base + 3])
  local state = redis.call('HMGET', key, 'tokens', 'stamp')
  local tokens = tonumber(state[1])
  local stamp = tonumber(state[2])
  if tokens == nil or stamp == nil then
    tokens = capacity
    stamp = now
  elseif now > stamp then
    tokens = math.min(capacity, tokens + (now - stamp) * rate)
    stamp = now
  end
  if tokens < 1 then
    return i
  end
  redis.call('HSET', key, 'tokens', tostring(tokens - 1), 'stamp', tostring(stamp))
  redis.call('PEXPIRE', key, ttl)
end
return 0
`;

const SCRIPT_SHA = createHash('sha1').update(TAKE_TOKENS_SCRIPT).digest('hex');

export interface RedisConnectionSettings {
  url: string | undefined;
  host: string;
  port: number;
  username: string | undefined;
  password: string | undefined;
  db: number;
  timeoutMs: number;
}

/** Bucket arguments for the script, computed once per limiter. */
export function bucketArgs(settings: BucketSettings): string[] {
  // Keys expire once the bucket would be full again: Redis forgets idle clients by itself.
  return [String(settings.ratePerMs), String(settings.capacity), String(refillMs(settings) + 1000)];
}

/** One connection to Redis, shared by every limiter of a gateway with the same settings. */
export class RedisBuckets {
  private redis: Redis | undefined;
  private readonly connecting: Promise<Redis>;
  private isFailing = false;
  private isClosed = false;

  constructor(
    settings: RedisConnectionSettings,
    private readonly logger: Logger,
  ) {
    const options: RedisOptions = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: settings.timeoutMs,
      connectTimeout: Math.max(settings.timeoutMs, 1000),
      retryStrategy: (attempt: number) => Math.min(50 * 2 ** attempt, 2000),
    };
    const target = settings.url ?? `redis://${settings.host}:${settings.port}`;
    if (settings.url === undefined) {
      options.db = settings.db;
      if (settings.username !== undefined) options.username = settings.username;
      if (settings.password !== undefined) options.password = settings.password;
    }
    this.connecting = import('ioredis').then(({ Redis: Client }) => {
      const redis = new Client(target, { ...options, lazyConnect: this.isClosed });
      // Without a listener ioredis prints every connection error itself; log state changes once instead.
      redis.on('error', (error: Error) => this.noteFailure(error));
      redis.on('ready', () => this.noteRecovery());
      this.redis = redis;
      return redis;
    });
    // A failed load is reported by the first `take` (on_error applies); it must not crash the process.
    this.connecting.catch(() => undefined);
  }

  /** Takes a token from each key's bucket (`args`: 3 per key, from `bucketArgs`). */
  async take(keys: string[], args: string[]): Promise<number> {
    try {
      const result = Number(await this.run(keys, args));
      if (this.isFailing) this.noteRecovery();
      return result;
    } catch (error) {
      this.noteFailure(error as Error);
      throw error;
    }
  }

  private async run(keys: string[], args: string[]): Promise<unknown> {
    const redis = this.redis ?? (await this.connecting);
    try {
      return await redis.evalsha(SCRIPT_SHA, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error as Error).message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(TAKE_TOKENS_SCRIPT, keys.length, ...keys, ...args);
    }
  }

  private noteFailure(error: Error): void {
    if (this.isFailing) return;
    this.isFailing = true;
    this.logger.warn(`[SERVICE: qos/ratelimit/router/redis] Redis is unavailable, applying on_error: ${error.message}`);
  }

  private noteRecovery(): void {
    if (!this.isFailing) return;
    this.isFailing = false;
    this.logger.info('[SERVICE: qos/ratelimit/router/redis] Redis is available again');
  }

  close(): void {
    this.isClosed = true;
    this.redis?.disconnect();
    void this.connecting.then((redis) => redis.disconnect(), () => undefined);
  }
}
