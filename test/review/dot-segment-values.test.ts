/**
 * Values the endpoint handler does not check (answers of earlier sequential backends, values added by
 * components) must not turn a `url_pattern` path segment into `.` or `..` either: that would call another
 * backend path than the one configured.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from '../helpers/http.js';
import { sendJson, startBackend, startGateway } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';

describe('dot-segment values from a sequential answer', () => {
  let backend: RunningServer;
  let gateway: TestGateway;
  const urls: string[] = [];

  before(async () => {
    backend = await startBackend((req, res) => {
      const url = req.url as string;
      urls.push(url);
      if (url === '/lookup/dots') return sendJson(res, 200, { id: '..' });
      if (url === '/lookup/dot') return sendJson(res, 200, { id: '.' });
      if (url === '/lookup/plain') return sendJson(res, 200, { id: 'a.b' });
      sendJson(res, 200, { reached: url });
    });
    gateway = await startGateway({
      version: 3,
      endpoints: [
        {
          endpoint: '/chain/{which}',
          extra_config: { proxy: { sequential: true } },
          backend: [
            { host: [backend.url], url_pattern: '/lookup/{which}' },
            { host: [backend.url], url_pattern: '/users/{resp0_id}/profile' },
          ],
        },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  for (const which of ['dots', 'dot']) {
    it(`does not call a path with a dot-segment (${which})`, async () => {
      urls.length = 0;
      const response = await request(`${gateway.url}/chain/${which}`);
      assert.ok(!urls.some((url) => url.startsWith('/users/')), `called ${urls.join(', ')}`);
      assert.equal(response.headers['x-krakend-completed'], 'false');
    });
  }

  it('still places ordinary values with dots', async () => {
    urls.length = 0;
    const response = await request(`${gateway.url}/chain/plain`);
    assert.equal(response.status, 200);
    assert.deepEqual(urls, ['/lookup/plain', '/users/a.b/profile']);
    assert.equal(response.headers['x-krakend-completed'], 'true');
  });
});
