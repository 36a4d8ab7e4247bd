import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { request } from '../helpers/http.js';
import { sendJson, startBackend, startGateway } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';

describe('router options', () => {
  let backend: RunningServer;
  let gateway: TestGateway;
  const seen: string[] = [];

  before(async () => {
    backend = await startBackend((req, res) => {
      seen.push(req.url ?? '');
      if (req.url === '/fail') sendJson(res, 503, { down: true });
      else sendJson(res, 200, { path: req.url });
    });
    gateway = await startGateway({
      version: 3,
      extra_config: { router: { auto_options: true, remove_extra_slash: true, return_error_msg: true } },
      endpoints: [
        { endpoint: '/items/{id}', backend: [{ host: [backend.url], url_pattern: '/items/{id}' }] },
        { endpoint: '/items/{id}', method: 'DELETE', backend: [{ host: [backend.url], url_pattern: '/items/{id}' }] },
        { endpoint: '/broken', backend: [{ host: [backend.url], url_pattern: '/fail' }] },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('auto_options answers OPTIONS with the methods of the path', async () => {
    const response = await request(`${gateway.url}/items/3`, { method: 'OPTIONS' });
    assert.equal(response.status, 200);
    assert.equal(response.headers['allow'], 'GET, DELETE, OPTIONS');
    assert.match(String(response.headers['x-krakend']), /^Version /);
  });

  it('remove_extra_slash routes //items//3 as /items/3', async () => {
    const response = await request(`${gateway.url}//items//3`);
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.body), { path: '/items/3' });
  });

  it('answers 405 with Allow: GET for other methods on /__health', async () => {
    const response = await request(`${gateway.url}/__health`, { method: 'POST', body: '' });
    assert.equal(response.status, 405);
    assert.equal(response.headers['allow'], 'GET');
    assert.equal(response.body, '405 method not allowed');
  });

  it('return_error_msg writes lura\'s invalid-status text for a plain backend failure, and logs the backend', async () => {
    const response = await request(`${gateway.url}/broken`);
    assert.equal(response.status, 500);
    assert.match(response.body, /^invalid status code 503 \[GET \/fail\]: http:\/\/127\.0\.0\.1:\d+\/fail$/);
    assert.ok(gateway.log.lines.some((line) => line.includes('invalid status code 503') && line.includes(`${backend.url}/fail`)), 'the log names the backend');
  });
});
