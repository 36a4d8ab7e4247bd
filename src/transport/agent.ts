import { OriginPool } from './http1-client.js';
import type { PoolOptions } from './http1-client.js';

/**
 * Pools by origin. Configured backends get theirs at start-up; redirect targets are added on demand,
 * up to `maxOrigins`, the oldest closed first so an attacker-controlled Location cannot grow it forever.
 */
export class Agent {
  private readonly pools = new Map<string, OriginPool>();

  constructor(
    readonly options: PoolOptions,
    private readonly maxOrigins = 512,
  ) {}

  poolFor(origin: string): OriginPool {
    let pool = this.pools.get(origin);
    if (pool === undefined) {
      if (this.pools.size >= this.maxOrigins) {
        const [oldestOrigin, oldest] = this.pools.entries().next().value as [string, OriginPool];
        oldest.close();
        this.pools.delete(oldestOrigin);
      }
      pool = new OriginPool(origin, this.options);
      this.pools.set(origin, pool);
    }
    return pool;
  }

  close(): void {
    for (const pool of this.pools.values()) pool.close();
    this.pools.clear();
  }
}
