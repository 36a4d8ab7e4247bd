/** Response compression: gzip and brotli by Accept-Encoding, thresholds, no-op opt-in, KrakenD EE's disable_gzip. */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { negotiateCoding } from '../../src/router/compression.js';
import { startBackend, startGateway } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';

const BIG = { items: Array.from({ length: 200 }, (_, index) => ({ id: index, name: `item number ${index}` })) };
const BIG_TEXT = JSON.stringify(BIG);

/** A request whose body is kept as bytes (compressed answers are not text). */
function fetchRaw(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(5_000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

describe('Accept-Encoding negotiation', () => {
  const both = ['br', 'gzip'] as const;
  const cases: [string | undefined, string | undefined][] = [
    [undefined, undefined],
    ['', undefined],
    ['gzip', 'gzip'],
    ['gzip, deflate, br', 'br'],
    ['br;q=0.5, gzip;q=0.8', 'gzip'],
    ['gzip, br;q=0', 'gzip'],
    ['*', 'br'],
    ['*;q=0.1, br;q=0', 'gzip'],
    ['identity', undefined],
    ['gzip;q=0, br;q=0', undefined],
    ['x-gzip', 'gzip'],
    ['GZIP ; Q=1', 'gzip'],
    ['gzip;q=2', undefined],
  ];
  for (const [header, expected] of cases) {
    it(`chooses ${expected ?? 'identity'} for ${JSON.stringify(header)}`, () => {
      assert.equal(negotiateCoding(header, both), expected);
    });
  }
  it('follows the server order on ties, and offers only configured codings', () => {
    assert.equal(negotiateCoding('br, gzip', ['gzip', 'br']), 'gzip');
    assert.equal(negotiateCoding('br', ['gzip']), undefined);
  });
});

describe('response compression', () => {
  let backend: RunningServer;
  let gateway: TestGateway;
  let plain: TestGateway;
  let disabled: TestGateway;
  before(async () => {
    backend = await startBackend((req, res) => {
      if (req.url === '/small') return void res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"a":1}');
      if (req.url === '/png') return void res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': String(BIG_TEXT.length) }).end(BIG_TEXT);
      if (req.url === '/gzipped') {
        const gz = gzipSync(BIG_TEXT);
        return void res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Content-Length': String(gz.length) }).end(gz);
      }
      if (req.url === '/stream') {
        // Chunked, in two writes, as a streaming backend sends it.
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.write(BIG_TEXT.slice(0, 2000));
        setTimeout(() => res.end(BIG_TEXT.slice(2000)), 20);
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(BIG_TEXT.length) }).end(BIG_TEXT);
    });
    const to = (urlPattern: string, extra: Record<string, unknown> = {}) => ({ backend: [{ host: [backend.url], url_pattern: urlPattern }], ...extra });
    const endpoints = [
      { endpoint: '/big', ...to('/big') },
      { endpoint: '/small', ...to('/small') },
      { endpoint: '/off', ...to('/big', { extra_config: { 'server/compression': { disable: true } } }) },
      { endpoint: '/noop', ...to('/big', { output_encoding: 'no-op' }) },
      { endpoint: '/noop-on', ...to('/stream', { output_encoding: 'no-op', extra_config: { 'server/compression': { no_op: true } } }) },
      { endpoint: '/noop-gzipped', ...to('/gzipped', { output_encoding: 'no-op', input_headers: ['Accept-Encoding'], extra_config: { 'server/compression': { no_op: true } } }) },
      { endpoint: '/noop-png', ...to('/png', { output_encoding: 'no-op', extra_config: { 'server/compression': { no_op: true } } }) },
    ];
    gateway = await startGateway({ version: 3, extra_config: { 'server/compression': {} }, endpoints });
    plain = await startGateway({ version: 3, endpoints: [{ endpoint: '/big', ...to('/big') }] });
    disabled = await startGateway({ version: 3, extra_config: { router: { disable_gzip: true }, 'server/compression': {} }, endpoints: [{ endpoint: '/big', ...to('/big') }] });
  });
  after(async () => {
    await Promise.all([gateway.close(), plain.close(), disabled.close()]);
    await backend.close();
  });

  it('gzips a rendered answer the client accepts, with its length and Vary', async () => {
    const identity = await fetchRaw(`${gateway.url}/big`);
    const answer = await fetchRaw(`${gateway.url}/big`, { 'accept-encoding': 'gzip' });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['content-encoding'], 'gzip');
    assert.equal(answer.headers['vary'], 'Accept-Encoding');
    assert.equal(Number(answer.headers['content-length']), answer.body.length);
    assert.ok(answer.body.length < identity.body.length / 3, `${answer.body.length} vs ${identity.body.length}`);
    assert.deepEqual(gunzipSync(answer.body), identity.body);
    assert.equal(answer.headers['x-krakend-completed'], 'true');
  });

  it('answers brotli when the client prefers it, identity (with Vary) when it accepts nothing offered', async () => {
    const identity = await fetchRaw(`${gateway.url}/big`);
    assert.equal(identity.headers['vary'], 'Accept-Encoding', 'caches must not mix the variants');
    assert.equal(identity.headers['content-encoding'], undefined);
    const br = await fetchRaw(`${gateway.url}/big`, { 'accept-encoding': 'gzip;q=0.5, br' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.deepEqual(brotliDecompressSync(br.body), identity.body);
    const refused = await fetchRaw(`${gateway.url}/big`, { 'accept-encoding': 'gzip;q=0, deflate' });
    assert.equal(refused.headers['content-encoding'], undefined);
    assert.deepEqual(refused.body, identity.body);
  });

  it('leaves tiny bodies, disabled endpoints and no-op endpoints without no_op alone', async () => {
    for (const path of ['/small', '/off', '/noop']) {
      const answer = await fetchRaw(`${gateway.url}${path}`, { 'accept-encoding': 'gzip, br' });
      assert.equal(answer.headers['content-encoding'], undefined, path);
      assert.equal(answer.headers['vary'], undefined, path);
    }
  });

  it('streams a no-op answer through gzip with no_op, without Content-Length', async () => {
    const answer = await fetchRaw(`${gateway.url}/noop-on`, { 'accept-encoding': 'gzip' });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['content-encoding'], 'gzip');
    assert.equal(answer.headers['content-length'], undefined);
    assert.equal(gunzipSync(answer.body).toString(), BIG_TEXT);
  });

  it('never compresses what is compressed already or not compressible', async () => {
    const gzipped = await fetchRaw(`${gateway.url}/noop-gzipped`, { 'accept-encoding': 'gzip, br' });
    assert.equal(gzipped.headers['content-encoding'], 'gzip', 'the backend coding, once');
    assert.equal(gunzipSync(gzipped.body).toString(), BIG_TEXT);
    const png = await fetchRaw(`${gateway.url}/noop-png`, { 'accept-encoding': 'gzip, br' });
    assert.equal(png.headers['content-encoding'], undefined);
    assert.equal(png.body.toString(), BIG_TEXT);
  });

  it('compresses nothing without configuration (KrakenD CE) or with router.disable_gzip (KrakenD EE)', async () => {
    for (const server of [plain, disabled]) {
      const answer = await fetchRaw(`${server.url}/big`, { 'accept-encoding': 'gzip, br' });
      assert.equal(answer.headers['content-encoding'], undefined);
      assert.equal(answer.body.toString().length > 1000, true);
    }
  });

  it('compresses with EE defaults when router.disable_gzip is written as false', async () => {
    const ee = await startGateway({ version: 3, extra_config: { router: { disable_gzip: false } }, endpoints: [{ endpoint: '/big', backend: [{ host: [backend.url], url_pattern: '/big' }] }] });
    try {
      const answer = await fetchRaw(`${ee.url}/big`, { 'accept-encoding': 'gzip' });
      assert.equal(answer.headers['content-encoding'], 'gzip');
    } finally {
      await ee.close();
    }
  });
});
