import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { request } from '../helpers/http.js';
import { startBackend, startGateway } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';

describe('response headers set by service-level components and by the backend', () => {
  let backend: RunningServer;
  let gateway: TestGateway;

  before(async () => {
    backend = await startBackend((_req, res) => {
      res.writeHead(200, [['Content-Type', 'application/json'], ['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2']].flat());
      res.end('{"ok":true}');
    });
    gateway = await startGateway({
      version: 3,
      extra_config: { 'security/cors': { allow_origins: ['https://app.example'] } },
      endpoints: [{ endpoint: '/raw', output_encoding: 'no-op', backend: [{ host: [backend.url], url_pattern: '/' }] }],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('keeps every Set-Cookie of a no-op backend when CORS headers were set first', async () => {
    const response = await request(`${gateway.url}/raw`, { headers: { origin: 'https://app.example' } });
    assert.equal(response.status, 200);
    assert.deepEqual(response.headers['set-cookie'], ['a=1', 'b=2']);
    assert.equal(response.headers['access-control-allow-origin'], 'https://app.example');
    assert.equal(response.body, '{"ok":true}');
  });
});
