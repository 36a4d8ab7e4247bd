/**
 * Work and memory spent on one client's input stay bounded:
 * - bot-detector patterns run in linear time: a long User-Agent against `.*bot.*` (quadratic for a
 *   backtracking engine, seconds at 100 KB) is answered at once;
 * - the bot detector's decision cache does not keep huge User-Agents (with the 1 MiB header limit,
 *   `cache_size` entries could otherwise hold gigabytes);
 * - the HTTP cache counts its keys (URL with query, Vary values) against `max_size`, so long
 *   client-chosen URLs cannot grow it past its bound.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { request } from '../helpers/http.js';
import { startBackend, startGateway } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

describe('bot detector on long User-Agents', () => {
  let backend: RunningServer;
  let gateway: TestGateway;
  before(async () => {
    backend = await startBackend((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '2' });
      response.end('{}');
    });
    gateway = await startGateway({
      version: 3,
      endpoints: [{ endpoint: '/x', backend: [{ host: [backend.url], url_pattern: '/x' }] }],
      extra_config: { 'security/bot-detector': { patterns: ['.*bot.*', '(?i)[a-z]*crawler'], cache_size: 1000 } },
    });
  });
  after(async () => {
    await Promise.all([gateway.close(), backend.close()]);
  });

  it('matches a 100 KB User-Agent without backtracking', async () => {
    const agent = `Mozilla/5.0 ${'a'.repeat(100_000)}`;
    const answer = await request(`${gateway.url}/x`, { headers: { 'User-Agent': agent }, timeoutMs: 4_000 });
    assert.equal(answer.status, 200);
    const bot = await request(`${gateway.url}/x`, { headers: { 'User-Agent': `${agent} SuperCrawler` }, timeoutMs: 4_000 });
    assert.equal(bot.status, 403);
  });

  it('does not keep huge User-Agents in its decision cache', async () => {
    const count = 24;
    const before = heapAfterGc();
    for (let i = 0; i < count; i++) {
      const answer = await request(`${gateway.url}/x`, { headers: { 'User-Agent': `Agent${i}/${'a'.repeat(800_000)}` } });
      assert.equal(answer.status, 200);
    }
    const grown = heapAfterGc() - before;
    // Kept, the agents would hold count × 800 KB ≈ 19 MB.
    assert.ok(grown < 6_000_000, `the heap grew by ${grown} bytes`);
  });
});

describe('HTTP cache keys count against max_size', () => {
  let backend: RunningServer;
  let gateway: TestGateway;
  const calls = new Map<string, number>();
  before(async () => {
    backend = await startBackend((incoming, response) => {
      const query = new URL(incoming.url ?? '/', 'http://backend').searchParams.get('q') ?? '';
      calls.set(query.slice(0, 1), (calls.get(query.slice(0, 1)) ?? 0) + 1);
      response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'max-age=300', 'Content-Length': '2' });
      response.end('{}');
    });
    gateway = await startGateway({
      version: 3,
      endpoints: [
        {
          endpoint: '/search',
          input_query_strings: ['q'],
          backend: [{ host: [backend.url], url_pattern: '/search', extra_config: { 'qos/http-cache': { max_size: 10_000 } } }],
        },
      ],
    });
  });
  after(async () => {
    await Promise.all([gateway.close(), backend.close()]);
  });

  it('evicts entries whose URLs together exceed max_size', async () => {
    const first = `a${'x'.repeat(6_000)}`;
    const second = `b${'x'.repeat(6_000)}`;
    for (const query of [first, first, second, first]) {
      const answer = await request(`${gateway.url}/search?q=${query}`);
      assert.equal(answer.status, 200);
    }
    // first is cached (1 call); second needs room, so first is evicted and fetched again.
    assert.equal(calls.get('b'), 1);
    assert.equal(calls.get('a'), 2);
  });
});
