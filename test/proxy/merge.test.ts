/** Several backends merged: complete, partial (failed or late backend) and failed answers. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from '../helpers/http.js';
import { sendJson, startBackend, startGateway } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';

describe('merging backends', () => {
  let backend: RunningServer;
  let gateway: TestGateway;
  before(async () => {
    backend = await startBackend((req, res) => {
      switch (req.url) {
        case '/a':
          return sendJson(res, 200, { a: 1, shared: 'from-a' });
        case '/b':
          return setTimeout(() => sendJson(res, 200, { b: 2, shared: 'from-b' }), 50);
        case '/c':
          return sendJson(res, 201, { c: 3 });
        case '/slow':
          return setTimeout(() => sendJson(res, 200, { slow: true }), 1_500);
        case '/fail':
          return sendJson(res, 500, { error: true });
        case '/invalid':
          res.writeHead(200, { 'Content-Type': 'application/json' });
          return res.end('not json');
        default:
          return sendJson(res, 404, {});
      }
    });
    const be = (path: string) => ({ host: [backend.url], url_pattern: path });
    gateway = await startGateway({
      version: 3,
      endpoints: [
        { endpoint: '/merge', backend: [be('/a'), be('/b'), be('/c')] },
        { endpoint: '/merge-cached', cache_ttl: '30s', backend: [be('/a'), be('/c')] },
        { endpoint: '/late', timeout: '400ms', cache_ttl: '30s', backend: [be('/a'), be('/slow')] },
        { endpoint: '/one-fails', cache_ttl: '30s', backend: [be('/a'), be('/fail')] },
        { endpoint: '/all-fail', backend: [be('/fail'), be('/invalid')] },
        { endpoint: '/all-late', timeout: '300ms', backend: [be('/slow'), be('/slow')] },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('merges the data of every backend; later keys win as in lura', async () => {
    const response = await request(`${gateway.url}/merge`);
    assert.equal(response.status, 200);
    const body = JSON.parse(response.body) as Record<string, unknown>;
    assert.deepEqual({ ...body, shared: undefined }, { a: 1, b: 2, c: 3, shared: undefined });
    assert.equal(body['shared'], 'from-b', 'the slower backend arrives last and overwrites');
    assert.equal(response.headers['x-krakend-completed'], 'true');
  });

  it('adds Cache-Control to complete responses only', async () => {
    const complete = await request(`${gateway.url}/merge-cached`);
    assert.equal(complete.headers['cache-control'], 'public, max-age=30');
    const partial = await request(`${gateway.url}/one-fails`);
    assert.equal(partial.headers['cache-control'], undefined);
  });

  it('answers what arrived in time with X-Krakend-Completed false when a backend is late', async () => {
    const response = await request(`${gateway.url}/late`);
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.body), { a: 1, shared: 'from-a' });
    assert.equal(response.headers['x-krakend-completed'], 'false');
    assert.equal(response.headers['cache-control'], undefined);
  });

  it('answers a partial response when one backend fails', async () => {
    const response = await request(`${gateway.url}/one-fails`);
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.body), { a: 1, shared: 'from-a' });
    assert.equal(response.headers['x-krakend-completed'], 'false');
  });

  it('answers 500 when every backend fails', async () => {
    const response = await request(`${gateway.url}/all-fail`);
    assert.equal(response.status, 500);
    assert.equal(response.body, '');
    assert.equal(response.headers['x-krakend-completed'], 'false');
  });

  it('answers 500 when every backend is late, within the endpoint timeout', async () => {
    const started = Date.now();
    const response = await request(`${gateway.url}/all-late`);
    assert.equal(response.status, 500);
    assert.ok(Date.now() - started < 1_400, 'not waiting for the backends');
  });

  it('calls the backends concurrently', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const overlap = await startBackend((_req, res) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => {
        inFlight--;
        sendJson(res, 200, { ok: true });
      }, 100);
    });
    const local = await startGateway({
      version: 3,
      endpoints: [{ endpoint: '/p', backend: [1, 2, 3].map((n) => ({ host: [overlap.url], url_pattern: `/${n}`, group: `g${n}` })) }],
    });
    try {
      const response = await request(`${local.url}/p`);
      assert.equal(response.status, 200);
      assert.deepEqual(JSON.parse(response.body), { g1: { ok: true }, g2: { ok: true }, g3: { ok: true } });
      assert.equal(maxInFlight, 3, 'the three backend calls overlapped');
    } finally {
      await local.close();
      await overlap.close();
    }
  });
});

describe('merging data only shaped at the top level', () => {
  // Bodies as services write them: keys out of order, a repeated key, whitespace, escapes, literal numbers.
  const first = '{"z":{"y":[{"b":1,"a":2}],"x":"<b>&</b>"},"drop":1,"id":1.50,"k":{"d":1,"d":2}}';
  const second = '{\n  "name": "caf\\u00e9 \\/ \\"quoted\\"",\n  "list": [ 3, 1E+2, -0 ],\n  "id": 12345678901234567890\n}';
  const expected =
    '{"group":{"id":12345678901234567890,"label":"café / \\"quoted\\"","list":[3,1E+2,-0]},"id":1.50,"k":{"d":2},"z":{"x":"\\u003cb\\u003e\\u0026\\u003c/b\\u003e","y":[{"a":2,"b":1}]}}';
  let backend: RunningServer;
  let gateway: TestGateway;
  before(async () => {
    backend = await startBackend((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(req.url === '/first' ? first : second);
    });
    const backends = [
      { host: [backend.url], url_pattern: '/first', allow: ['z', 'id', 'k'] },
      { host: [backend.url], url_pattern: '/second', mapping: { name: 'label' }, group: 'group' },
    ];
    gateway = await startGateway({
      version: 3,
      endpoints: [
        { endpoint: '/top-level', backend: backends },
        // A proxy-layer component sees the data, so this endpoint parses every value: the same answer.
        { endpoint: '/parsed', backend: backends, extra_config: { proxy: { static: { strategy: 'incomplete', data: { unused: true } } } } },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('answers what parsing every value gives, byte for byte', async () => {
    const topLevel = await request(`${gateway.url}/top-level`);
    const parsed = await request(`${gateway.url}/parsed`);
    assert.equal(topLevel.status, 200);
    assert.equal(topLevel.body, expected);
    assert.equal(parsed.body, expected);
  });
});
