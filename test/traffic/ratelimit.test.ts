/**
 * `qos/ratelimit/router` and `qos/ratelimit/proxy` through the whole gateway, against real backends on
 * loopback. Rates use `every: "1h"` so no token comes back during a test: outcomes are exact counts.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, describe, it } from 'node:test';
import { ENDPOINT_ORDER } from '../../src/pipeline/order.js';
import { request } from '../helpers/http.js';
import type { TestResponse } from '../helpers/http.js';
import { sendJson, startBackend, startGateway } from '../helpers/servers.js';
import type { RunningServer } from '../helpers/servers.js';

/** A GET from a chosen loopback address (Linux routes all of 127.0.0.0/8 to lo): another client IP. */
function getFrom(localAddress: string, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { localAddress, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(5000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

async function statuses(count: number, send: () => Promise<TestResponse | number>): Promise<number[]> {
  const result: number[] = [];
  for (let i = 0; i < count; i++) {
    const response = await send();
    result.push(typeof response === 'number' ? response : response.status);
  }
  return result;
}

describe('qos/ratelimit/router', () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const close of closers) await close();
  });
  let hits = 0;
  let backend: RunningServer;

  async function gateway(endpoints: Record<string, unknown>[], extra: Record<string, unknown> = {}) {
    backend ??= await startBackend((_request, response) => {
      hits++;
      sendJson(response, 200, { ok: true });
    }).then((started) => {
      closers.push(() => started.close());
      return started;
    });
    const started = await startGateway({
      version: 3,
      ...extra,
      endpoints: endpoints.map((endpoint) => ({ backend: [{ host: [backend.url], url_pattern: '/' }], ...endpoint })),
    });
    closers.push(() => started.close());
    return started;
  }

  it('answers 503 with an empty body and no gateway headers once the endpoint bucket is empty', async () => {
    const gw = await gateway([{ endpoint: '/limited', extra_config: { 'qos/ratelimit/router': { max_rate: 3, capacity: 3, every: '1h' } } }]);
    const before = hits;
    const responses: TestResponse[] = [];
    for (let i = 0; i < 5; i++) responses.push(await request(`${gw.url}/limited`));
    assert.deepEqual(responses.map((response) => response.status), [200, 200, 200, 503, 503]);
    assert.equal(hits - before, 3, 'rejected requests never reach the backend');
    const rejected = responses[4] as TestResponse;
    assert.equal(rejected.body, '');
    assert.equal(rejected.headers['content-length'], '0');
    assert.equal(rejected.headers['x-krakend'], undefined);
    assert.equal(rejected.headers['x-krakend-completed'], undefined);
    assert.equal(rejected.headers['content-type'], undefined);
  });

  it('answers 429 per client IP, each address with its own bucket', async () => {
    const gw = await gateway([{ endpoint: '/per-ip', extra_config: { 'qos/ratelimit/router': { client_max_rate: 2, client_capacity: 2, strategy: 'ip', every: '1h' } } }]);
    const url = `${gw.url}/per-ip`;
    assert.deepEqual(await statuses(3, () => getFrom('127.0.0.1', url)), [200, 200, 429]);
    assert.deepEqual(await statuses(3, () => getFrom('127.0.0.2', url)), [200, 200, 429]);
    const rejected = await request(url);
    assert.equal(rejected.status, 429);
    assert.equal(rejected.body, '');
    assert.equal(rejected.headers['x-krakend'], undefined);
  });

  it('limits per header value; a request without the header is rejected', async () => {
    const gw = await gateway([
      { endpoint: '/per-key', input_headers: ['X-Api-Key'], extra_config: { 'qos/ratelimit/router': { client_max_rate: 1, strategy: 'header', key: 'X-Api-Key', every: '1h', client_capacity: 1 } } },
    ]);
    const send = (key?: string) => request(`${gw.url}/per-key`, key === undefined ? {} : { headers: { 'x-api-key': key } });
    assert.deepEqual(await statuses(2, () => send('alice')), [200, 429]);
    assert.deepEqual(await statuses(2, () => send('bob')), [200, 429]);
    assert.equal((await send()).status, 429, 'no key, no entry (KrakenD)');
    const longToken = `Bearer ${'x'.repeat(500)}`;
    assert.deepEqual(await statuses(2, () => send(longToken)), [200, 429], 'long keys are hashed but still tell clients apart');
  });

  it('limits per endpoint param', async () => {
    const gw = await gateway([{ endpoint: '/users/{id}', extra_config: { 'qos/ratelimit/router': { client_max_rate: 1, client_capacity: 1, strategy: 'param', key: 'id', every: '1h' } } }]);
    assert.deepEqual(await statuses(2, () => request(`${gw.url}/users/1`)), [200, 429]);
    assert.deepEqual(await statuses(2, () => request(`${gw.url}/users/2`)), [200, 429]);
  });

  it('checks the client first: a 429 takes no token from the endpoint bucket', async () => {
    const gw = await gateway([
      { endpoint: '/both', input_headers: ['X-Api-Key'], extra_config: { 'qos/ratelimit/router': { max_rate: 3, capacity: 3, client_max_rate: 1, client_capacity: 1, strategy: 'header', key: 'X-Api-Key', every: '1h' } } },
    ]);
    const send = (key: string) => request(`${gw.url}/both`, { headers: { 'x-api-key': key } });
    assert.deepEqual(await statuses(4, () => send('greedy')), [200, 429, 429, 429]);
    assert.deepEqual([(await send('b')).status, (await send('c')).status, (await send('d')).status], [200, 200, 503]);
  });

  it('reads the client address from the key header only when the peer is a trusted proxy', async () => {
    const block = { 'qos/ratelimit/router': { client_max_rate: 1, client_capacity: 1, strategy: 'ip', key: 'X-Client-Ip', every: '1h' } };
    const trusting = await gateway([{ endpoint: '/trusted', extra_config: block }], { extra_config: { router: { trusted_proxies: ['127.0.0.1/32'] } } });
    const send = (gw: { url: string }, path: string, ip: string) => request(`${gw.url}${path}`, { headers: { 'x-client-ip': ip } });
    assert.deepEqual([(await send(trusting, '/trusted', '203.0.113.1')).status, (await send(trusting, '/trusted', '203.0.113.2')).status], [200, 200]);
    assert.equal((await send(trusting, '/trusted', '203.0.113.1')).status, 429);
    const distrusting = await gateway([{ endpoint: '/untrusted', extra_config: block }], { extra_config: { router: { trusted_proxies: ['10.0.0.0/8'] } } });
    assert.deepEqual([(await send(distrusting, '/untrusted', '203.0.113.1')).status, (await send(distrusting, '/untrusted', '203.0.113.2')).status], [200, 429], 'an untrusted peer cannot pick its address');
  });

  it('reports config mistakes at load time', async () => {
    await assert.rejects(
      gateway([{ endpoint: '/bad/{id}', extra_config: { 'qos/ratelimit/router': { client_max_rate: 1, strategy: 'param', key: 'user' } } }]),
      /\["qos\/ratelimit\/router"\]\.key: "user" is not a param of \/bad\/\{id\}/,
    );
    await assert.rejects(gateway([{ endpoint: '/bad2', extra_config: { 'qos/ratelimit/router': { client_max_rate: 1, strategy: 'header' } } }]), /header strategy needs the header name in key/);
    await assert.rejects(gateway([{ endpoint: '/bad3', extra_config: { 'qos/ratelimit/router': { max_rate: 'ten' } } }]), /max_rate/);
    const defaulted = await gateway([{ endpoint: '/nostrategy', extra_config: { 'qos/ratelimit/router': { client_max_rate: 1, client_capacity: 1, every: '1h' } } }]);
    assert.ok(defaulted.warnings.some((warning) => warning.code === 'PRT_WARN_CONFIG_DEFAULTED'));
    assert.deepEqual(await statuses(2, () => request(`${defaulted.url}/nostrategy`)), [200, 429], 'without strategy Portico limits per IP');
  });

  it('runs after the authentication components, so rejected credentials take no token', () => {
    const limit = ENDPOINT_ORDER.indexOf('qos/ratelimit/router');
    for (const auth of ['auth/api-keys', 'auth/basic', 'auth/validator']) assert.ok(ENDPOINT_ORDER.indexOf(auth) < limit, `${auth} runs before the rate limit`);
  });
});

describe('qos/ratelimit/proxy', () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const close of closers) await close();
  });

  it('fails the backend call fast: 500 alone, a partial answer next to another backend', async () => {
    let limitedHits = 0;
    const limited = await startBackend((_request, response) => {
      limitedHits++;
      sendJson(response, 200, { limited: true });
    });
    const other = await startBackend((_request, response) => sendJson(response, 200, { other: true }));
    closers.push(() => limited.close(), () => other.close());
    const limitedBackend = { host: [limited.url], url_pattern: '/', extra_config: { 'qos/ratelimit/proxy': { max_rate: 2, capacity: 2, every: '1h' } } };
    const gw = await startGateway({
      version: 3,
      endpoints: [
        { endpoint: '/alone', backend: [limitedBackend] },
        { endpoint: '/merged', backend: [{ ...limitedBackend }, { host: [other.url], url_pattern: '/' }] },
      ],
    });
    closers.push(() => gw.close());
    assert.deepEqual(await statuses(3, () => request(`${gw.url}/alone`)), [200, 200, 500]);
    assert.equal(limitedHits, 2);
    const responses = [await request(`${gw.url}/merged`), await request(`${gw.url}/merged`), await request(`${gw.url}/merged`)];
    assert.deepEqual(responses.map((response) => [response.status, response.headers['x-krakend-completed']]), [
      [200, 'true'],
      [200, 'true'],
      [200, 'false'],
    ]);
    assert.deepEqual(JSON.parse((responses[2] as TestResponse).body), { other: true });
    assert.equal(limitedHits, 4, 'each backend has its own limiter');
    assert.ok(gw.log.lines.some((line) => line.includes('rate limit exceeded for the backend /')));
  });
});
