/** HEAD and OPTIONS endpoints, and one endpoint definition for several methods (Portico). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from '../helpers/http.js';
import { startRecordingBackend } from '../helpers/recording-backend.js';
import type { RecordingBackend } from '../helpers/recording-backend.js';
import { sendJson, startGateway } from '../helpers/servers.js';
import type { TestGateway } from '../helpers/servers.js';

describe('HEAD, OPTIONS and method lists', () => {
  let backend: RecordingBackend;
  let gateway: TestGateway;
  before(async () => {
    backend = await startRecordingBackend((req, res) => {
      if (req.method === 'HEAD') {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': '1234', ETag: '"v1"' });
        res.end();
        return;
      }
      sendJson(res, 200, { method: req.method, url: req.url });
    });
    const to = (urlPattern: string, extra: Record<string, unknown> = {}) => [{ host: [backend.url], url_pattern: urlPattern, ...extra }];
    gateway = await startGateway({
      version: 3,
      extra_config: { 'security/cors': { allow_origins: ['https://app.example'], allow_methods: ['GET', 'POST', 'OPTIONS'] } },
      endpoints: [
        { endpoint: '/items', method: 'HEAD', backend: to('/items') },
        { endpoint: '/items', backend: to('/items') },
        { endpoint: '/files/{name}', method: 'HEAD', output_encoding: 'no-op', backend: to('/blobs/{name}') },
        { endpoint: '/items', method: 'OPTIONS', backend: to('/items-options') },
        { endpoint: '/orders/{id}', method: ['GET', 'post', 'DELETE'], backend: to('/orders/{id}') },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('answers a HEAD endpoint with the GET rendering headers and no body, calling its backends with GET', async () => {
    const get = await request(`${gateway.url}/items`);
    const before = backend.requests.length;
    const head = await request(`${gateway.url}/items`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.equal(head.headers['content-length'], get.headers['content-length']);
    assert.equal(head.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(head.headers['x-krakend-completed'], 'true');
    assert.equal(backend.requests[before]?.method, 'GET');
  });

  it('passes HEAD through a no-op HEAD endpoint, with the backend headers', async () => {
    const head = await request(`${gateway.url}/files/a.bin`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], '1234');
    assert.equal(head.headers.etag, '"v1"');
    assert.equal(backend.requests.at(-1)?.method, 'HEAD');
    assert.equal(backend.requests.at(-1)?.url, '/blobs/a.bin');
    assert.equal((await request(`${gateway.url}/files/a.bin`)).status, 405, 'HEAD only');
  });

  it('routes a plain OPTIONS request to an OPTIONS endpoint, calling its backend with OPTIONS', async () => {
    const options = await request(`${gateway.url}/items`, { method: 'OPTIONS' });
    assert.equal(options.status, 200);
    assert.deepEqual(JSON.parse(options.body), { method: 'OPTIONS', url: '/items-options' });
  });

  it('keeps CORS preflights with security/cors, before the OPTIONS endpoint', async () => {
    const before = backend.requests.length;
    const preflight = await request(`${gateway.url}/items`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], 'https://app.example');
    assert.equal(backend.requests.length, before, 'no backend call for a preflight');
  });

  it('passes a preflight on to the OPTIONS endpoint with options_passthrough, CORS headers kept', async () => {
    const passthrough = await startGateway({
      version: 3,
      extra_config: { 'security/cors': { allow_origins: ['https://app.example'], allow_methods: ['GET', 'OPTIONS'], options_passthrough: true } },
      endpoints: [{ endpoint: '/items', method: 'OPTIONS', backend: [{ host: [backend.url], url_pattern: '/items-options' }] }],
    });
    try {
      const preflight = await request(`${passthrough.url}/items`, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' } });
      assert.equal(preflight.status, 200);
      assert.equal(preflight.headers['access-control-allow-origin'], 'https://app.example');
      assert.deepEqual(JSON.parse(preflight.body), { method: 'OPTIONS', url: '/items-options' });
    } finally {
      await passthrough.close();
    }
  });

  it('expands a method list into one route per method, each calling its backend with its own method', async () => {
    for (const method of ['GET', 'POST', 'DELETE']) {
      const answer = await request(`${gateway.url}/orders/7`, method === 'GET' ? {} : { method, body: '{}', headers: { 'content-type': 'application/json' } });
      assert.equal(answer.status, 200, method);
      assert.deepEqual(JSON.parse(answer.body), { method, url: '/orders/7' });
    }
    const put = await request(`${gateway.url}/orders/7`, { method: 'PUT', body: '{}' });
    assert.equal(put.status, 405);
    assert.equal(put.headers.allow, 'GET, POST, DELETE');
  });
});
