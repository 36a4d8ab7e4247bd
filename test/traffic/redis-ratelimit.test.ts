/**
 * The cluster-wide rate limit (`qos/ratelimit/router/redis`) against a real redis-server on loopback:
 * two gateway processes draw from one bucket; when Redis dies, `on_error` decides (fail open or closed);
 * when it comes back, limits apply again; the Lua script survives SCRIPT FLUSH; and without the block
 * nothing connects to Redis.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { freePort, startCli } from '../helpers/cli.js';
import type { RunningCli } from '../helpers/cli.js';
import { delay, request } from '../helpers/http.js';
import { startRedis } from '../helpers/redis.js';
import type { RunningRedis } from '../helpers/redis.js';
import { sendJson, startBackend, startGateway, writeConfig } from '../helpers/servers.js';
import type { RunningServer } from '../helpers/servers.js';
import { TAKE_TOKENS_SCRIPT } from '../../src/components/ratelimit/redis-buckets.js';
import { createHash } from 'node:crypto';

const SCRIPT_SHA = createHash('sha1').update(TAKE_TOKENS_SCRIPT).digest('hex');

/** Polls `url` until it answers 200 (bounded): the gateway is up and its Redis connection answers. */
async function waitFor200(url: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const response = await request(url, { timeoutMs: 1000 });
      if (response.status === 200) return;
      last = `status ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await delay(50);
  }
  assert.fail(`${url} did not answer 200 within ${timeoutMs} ms (last: ${last})`);
}

async function statuses(urls: string[], options: Parameters<typeof request>[1] = {}): Promise<number[]> {
  const result: number[] = [];
  for (const url of urls) result.push((await request(url, options)).status);
  return result;
}

/** A client for inspecting Redis from the test; it never retries, so a dead Redis fails the test at once. */
async function inspect(url: string): Promise<Redis> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000, commandTimeout: 2000 });
  await client.connect();
  return client;
}

describe('qos/ratelimit/router/redis', { timeout: 90_000 }, () => {
  let redis: RunningRedis;
  let backend: RunningServer;
  let hits = 0;
  const closers: (() => Promise<void> | void)[] = [];

  before(async () => {
    redis = await startRedis();
    backend = await startBackend((_request, response) => {
      hits++;
      sendJson(response, 200, { ok: true });
    });
  });
  after(async () => {
    for (const close of closers) await close();
    await backend?.close();
    await redis?.stop();
  });
  // A test that failed while Redis was down must not leave the next one without it.
  beforeEach(() => redis.ensureRunning());

  /** Endpoints on the shared backend; `/probe` fails closed with a large limit: 200 means Redis answered. */
  function config(redisBlock: Record<string, unknown>, endpoints: Record<string, unknown>[]): Record<string, unknown> {
    return {
      version: 3,
      extra_config: { 'qos/ratelimit/router/redis': { url: redis.url, timeout: '500ms', ...redisBlock } },
      endpoints: [
        { endpoint: '/probe', extra_config: { 'qos/ratelimit/router': { max_rate: 10_000 }, 'qos/ratelimit/router/redis': { on_error: 'deny' } } },
        ...endpoints,
      ].map((endpoint) => ({ backend: [{ host: [backend.url], url_pattern: '/' }], ...endpoint })),
    };
  }

  it('two gateway processes share one endpoint bucket and one client bucket', { timeout: 30_000 }, async () => {
    const file = await writeConfig(
      config({}, [
        { endpoint: '/shared', extra_config: { 'qos/ratelimit/router': { max_rate: 5, capacity: 5, every: '1h' } } },
        { endpoint: '/per-key', input_headers: ['X-Api-Key'], extra_config: { 'qos/ratelimit/router': { client_max_rate: 2, client_capacity: 2, strategy: 'header', key: 'X-Api-Key', every: '1h' } } },
      ]),
    );
    const ports = [await freePort(), await freePort()];
    const gateways: RunningCli[] = ports.map((port) => startCli(['run', '-c', file, '-p', String(port), '-w', '1']));
    closers.push(...gateways.map((gateway) => () => gateway.kill()));
    const [a, b] = ports.map((port) => `http://127.0.0.1:${port}`) as [string, string];
    await Promise.all([waitFor200(`${a}/probe`), waitFor200(`${b}/probe`)]);

    const before = hits;
    const alternating = [a, b, a, b, a, b, a, b].map((base) => `${base}/shared`);
    const results = await statuses(alternating);
    assert.deepEqual(results.filter((status) => status === 200).length, 5, `5 tokens for both gateways together: ${results.join(',')}`);
    assert.deepEqual(results.slice(5), [503, 503, 503]);
    assert.equal(hits - before, 5);

    const perKey = await statuses([`${a}/per-key`, `${b}/per-key`, `${a}/per-key`, `${b}/per-key`], { headers: { 'x-api-key': 'k1' } });
    assert.deepEqual(perKey, [200, 200, 429, 429]);
    assert.deepEqual(await statuses([`${b}/per-key`], { headers: { 'x-api-key': 'k2' } }), [200]);
  });

  it('when Redis dies mid-run, on_error allow fails open and deny fails closed; limits come back with Redis', { timeout: 30_000 }, async () => {
    const limit = { max_rate: 2, capacity: 2, every: '1h' };
    const gw = await startGateway(
      config({ timeout: '200ms' }, [
        { endpoint: '/open', extra_config: { 'qos/ratelimit/router': limit, 'qos/ratelimit/router/redis': { on_error: 'allow' } } },
        { endpoint: '/closed', extra_config: { 'qos/ratelimit/router': limit, 'qos/ratelimit/router/redis': { on_error: 'deny' } } },
      ]),
    );
    closers.push(() => gw.close());
    await waitFor200(`${gw.url}/probe`);
    assert.deepEqual(await statuses([`${gw.url}/open`, `${gw.url}/open`, `${gw.url}/open`]), [200, 200, 503]);
    assert.deepEqual(await statuses([`${gw.url}/closed`, `${gw.url}/closed`, `${gw.url}/closed`]), [200, 200, 503]);

    await redis.kill();
    assert.deepEqual(await statuses([`${gw.url}/open`, `${gw.url}/open`, `${gw.url}/open`]), [200, 200, 200], 'fail open: the exhausted limit no longer applies');
    assert.deepEqual(await statuses([`${gw.url}/closed`, `${gw.url}/closed`]), [503, 503], 'fail closed');
    assert.ok(gw.log.lines.some((line) => line.includes('Redis is unavailable')));

    await redis.restart();
    await waitFor200(`${gw.url}/probe`);
    assert.deepEqual(await statuses([`${gw.url}/closed`, `${gw.url}/closed`, `${gw.url}/closed`]), [200, 200, 503], 'a new Redis starts with full buckets, and limits apply');
    assert.deepEqual(await statuses([`${gw.url}/open`, `${gw.url}/open`, `${gw.url}/open`]), [200, 200, 503]);
    assert.ok(gw.log.lines.some((line) => line.includes('Redis is available again')));
  });

  it('keeps buckets as expiring hashes, and reloads the script after SCRIPT FLUSH', { timeout: 30_000 }, async () => {
    const inspector = await inspect(redis.url);
    closers.push(() => inspector.disconnect());
    const gw = await startGateway(config({ key_prefix: 'test:' }, [{ endpoint: '/items/{id}', extra_config: { 'qos/ratelimit/router': { max_rate: 3, capacity: 3, every: '1h' } } }]));
    closers.push(() => gw.close());
    await waitFor200(`${gw.url}/probe`);
    assert.equal((await request(`${gw.url}/items/1`)).status, 200);
    const key = 'test:{GET /items/:id}:e';
    assert.deepEqual(await inspector.hgetall(key).then((state) => Object.keys(state).sort()), ['stamp', 'tokens']);
    assert.equal(Number(await inspector.hget(key, 'tokens')), 2);
    const ttl = await inspector.pttl(key);
    assert.ok(ttl > 0 && ttl <= 3 * 3_600_000 / 3 + 1000, `the key expires once the bucket would be full again (${ttl} ms)`);

    await inspector.script('FLUSH');
    assert.deepEqual(await inspector.script('EXISTS', SCRIPT_SHA), [0]);
    assert.deepEqual(await statuses([`${gw.url}/items/2`, `${gw.url}/items/3`, `${gw.url}/items/4`]), [200, 200, 503], 'NOSCRIPT fell back to EVAL and the count went on');
    assert.deepEqual(await inspector.script('EXISTS', SCRIPT_SHA), [1]);
  });

  it('without the block, rate limits stay in memory and nothing connects to Redis', { timeout: 30_000 }, async () => {
    const inspector = await inspect(redis.url);
    closers.push(() => inspector.disconnect());
    const connected = async (): Promise<number> => Number(/connected_clients:(\d+)/.exec(await inspector.info('clients'))?.[1]);
    const baseline = await connected();
    const gw = await startGateway({
      version: 3,
      endpoints: [{ endpoint: '/local', backend: [{ host: [backend.url], url_pattern: '/' }], extra_config: { 'qos/ratelimit/router': { max_rate: 1, capacity: 1, every: '1h' } } }],
    });
    closers.push(() => gw.close());
    assert.deepEqual(await statuses([`${gw.url}/local`, `${gw.url}/local`]), [200, 503]);
    assert.equal(await connected(), baseline);
  });
});
