/**
 * Child-process probe for the config-scaling test: `node --expose-gc config-heap.js <mix> <endpoints>`
 * builds one gateway (not listening) from a generated config and prints, as JSON, the heap it holds
 * after a full GC, over the heap before the config was loaded. Run in a fresh process so the figure
 * depends only on the config.
 */
import { components } from './components.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import type { ServiceConfig } from '../../src/config/types.js';
import { createGateway } from '../../src/server/gateway.js';
import { createLogger } from '../../src/core/logger.js';
import { MemoryLog } from './servers.js';

const BREAKER = { 'qos/circuit-breaker': { interval: 60, timeout: 10, max_errors: 5, log_status_change: true } };
const BODY_SCHEMA = { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 64 }, count: { type: 'integer', minimum: 0 } } };
const ROUTER_LIMIT = { 'qos/ratelimit/router': { max_rate: 1000, client_max_rate: 10, strategy: 'ip', every: '1s' } };
export const PROBE_MIXES: Record<string, { endpoint?: Record<string, unknown>; backend?: Record<string, unknown> }> = {
  plain: {},
  ratelimit: { endpoint: ROUTER_LIMIT },
  all: {
    endpoint: { ...ROUTER_LIMIT, 'validation/json-schema': BODY_SCHEMA },
    backend: { ...BREAKER, 'qos/ratelimit/proxy': { max_rate: 100, capacity: 100 }, 'qos/http-cache': { shared: true, max_items: 100 } },
  },
};

export function probeConfig(mixName: string, endpoints: number): Record<string, unknown> {
  const mix = PROBE_MIXES[mixName] ?? (JSON.parse(mixName) as { endpoint?: Record<string, unknown>; backend?: Record<string, unknown> });
  const backend = (i: number): Record<string, unknown> => ({ host: ['http://127.0.0.1:9'], url_pattern: `/b/${i}`, allow: ['id'], ...(mix.backend ? { extra_config: mix.backend } : {}) });
  return {
    version: 3,
    extra_config: { router: { disable_access_log: true } },
    endpoints: Array.from({ length: endpoints }, (_, i) => ({ endpoint: `/e/${i}/{id}`, ...(mix.endpoint ? { extra_config: mix.endpoint } : {}), backend: [backend(2 * i), backend(2 * i + 1)] })),
  };
}

async function loadOrThrow(file: string): Promise<ServiceConfig> {
  const result = await loadConfig(file, { components, env: {} });
  if (!result.config) throw new Error(`invalid probe config: ${result.issues.map((issue) => issue.message).join('; ')}`);
  return result.config;
}

async function main(): Promise<void> {
  const [mixName = 'plain', count = '100'] = process.argv.slice(2);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const dir = mkdtempSync(join(tmpdir(), 'portico-heap-'));
  const file = join(dir, 'krakend.json');
  writeFileSync(file, JSON.stringify(probeConfig(mixName, Number(count))));
  // One small load first, so module-level caches and compiled code are not counted as config cost.
  const warm = join(dir, 'warm.json');
  writeFileSync(warm, JSON.stringify(probeConfig(mixName, 1)));
  const logger = createLogger({ level: 'CRITICAL', prefix: '[PROBE]', stdout: true, format: 'default', accessLog: false, skipPaths: [] }, new MemoryLog());
  await createGateway(await loadOrThrow(warm), { components, logger }).close(0);
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  // The load result (its parse tree for line numbers) is dropped here, as `portico run` drops it.
  const gateway = createGateway(await loadOrThrow(file), { components, logger });
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  process.stdout.write(`${JSON.stringify({ heapBytes: after - before, endpoints: Number(count) })}\n`);
  await gateway.close(0);
}

if (process.argv[1]?.endsWith('config-heap.js')) await main();
