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
      res.writeHead(200, [['Content-Type', 'application/json'], ['Set-Cookie', 'a=1'], ['X-Backend', 'one'], ['Set-Cookie', 'b=2'], ['Connection', 'X-Private'], ['X-Private', 'secret'], ['Connection', 'X-Other'], ['X-Other', 'also secret'], ['Keep-Alive', 'timeout=77']].flat());
      res.end('{"ok":true}');
    });
    const noop = (path: string, extra: Record<string, unknown> = {}) => ({ endpoint: path, output_encoding: 'no-op', backend: [{ host: [backend.url], url_pattern: '/' }], ...extra });
    gateway = await startGateway({
      version: 3,
      extra_config: { 'security/cors': { allow_origins: ['https://app.example'] } },
      endpoints: [
        noop('/raw'),
        // A layer that reads and changes the backend's headers: the answer is built from its map.
        noop('/lua', { extra_config: { 'modifier/lua-proxy': { post: 'local r = response.load(); r:headers("X-Lua", r:headers("X-Backend") .. "-seen")' } } }),
      ],
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

  for (const path of ['/raw', '/lua']) {
    it(`passes a no-op backend's headers, repeated ones in order, without the hop-by-hop ones (${path})`, async () => {
      const response = await request(`${gateway.url}${path}`);
      assert.equal(response.status, 200);
      assert.deepEqual(response.headers['set-cookie'], ['a=1', 'b=2']);
      assert.equal(response.headers['x-backend'], 'one');
      assert.equal(response.headers['x-private'], undefined, 'named by the backend\'s Connection header');
      assert.equal(response.headers['x-other'], undefined, 'named by a second Connection field');
      assert.notEqual(response.headers['keep-alive'], 'timeout=77', 'the gateway answers its own Keep-Alive');
      assert.equal(response.headers['x-krakend-completed'], 'false');
      assert.equal(response.headers['x-lua'], path === '/lua' ? 'one-seen' : undefined);
    });
  }
});
