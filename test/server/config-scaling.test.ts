/**
 * Memory a config costs before any traffic (issue #14): a probe process builds a gateway from a
 * generated config and reports the heap it holds after a full GC. Bounds are generous (several times
 * today's figures) and catch a regression in kind, such as per-endpoint eager per-client state
 * (qos/ratelimit/router once cost ~390 KB per endpoint for its 2,048 empty shard maps).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const probe = join(dirname(fileURLToPath(import.meta.url)), '..', 'helpers', 'config-heap.js');
const ENDPOINTS = 300;

function heapPerEndpoint(mix: string): number {
  const output = execFileSync(process.execPath, ['--expose-gc', probe, mix, String(ENDPOINTS)], { encoding: 'utf8', timeout: 60_000 });
  const { heapBytes } = JSON.parse(output) as { heapBytes: number };
  return heapBytes / ENDPOINTS / 1024;
}

test('per-endpoint memory before traffic stays small for every mix of components', { timeout: 180_000 }, () => {
  const plain = heapPerEndpoint('plain');
  const ratelimit = heapPerEndpoint('ratelimit');
  const all = heapPerEndpoint('all');
  const figures = `plain ${plain.toFixed(1)} KB, ratelimit ${ratelimit.toFixed(1)} KB, all ${all.toFixed(1)} KB per endpoint`;
  assert.ok(plain < 48, `two backends with allow-lists: ${figures}`);
  assert.ok(ratelimit - plain < 24, `qos/ratelimit/router with client_max_rate allocates per-client state eagerly: ${figures}`);
  assert.ok(all - plain < 96, `router limit, breakers, proxy limits, caches: ${figures}`);
});
