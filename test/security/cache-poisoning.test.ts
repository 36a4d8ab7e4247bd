/**
 * Web cache poisoning through `qos/http-cache`: a backend that reflects a forwarded value (an absolute
 * link built from `X-Forwarded-Host`, a header listed in `input_headers`) must not let one client's
 * request decide what later clients are served. The cache key holds every client-chosen value sent.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from '../helpers/http.js';
import { startBackend, startGateway } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';

describe('http cache poisoning', () => {
  let backend: RunningServer;
  let gateway: TestGateway;
  let calls = 0;
  before(async () => {
    backend = await startBackend((incoming, response) => {
      calls++;
      // A typical reflection: links built from the forwarded host, a greeting from a forwarded header.
      const body = JSON.stringify({ link: `https://${String(incoming.headers['x-forwarded-host'])}/next`, theme: incoming.headers['x-theme'] ?? null });
      response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'public, max-age=60', 'Content-Length': Buffer.byteLength(body) });
      response.end(body);
    });
    const cached = (path: string) => ({ host: [backend.url], url_pattern: path, extra_config: { 'qos/http-cache': {} } });
    gateway = await startGateway({
      version: 3,
      endpoints: [
        { endpoint: '/page', backend: [cached('/page')] },
        { endpoint: '/themed', input_headers: ['X-Theme'], backend: [cached('/themed')] },
        { endpoint: '/raw', output_encoding: 'no-op', input_headers: ['*'], backend: [{ ...cached('/raw'), encoding: 'no-op' }] },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  const link = async (path: string, headers: Record<string, string>) => JSON.parse((await request(`${gateway.url}${path}`, { headers })).body) as Record<string, unknown>;

  it('a chosen Host does not reach the next client, and the cache still serves repeated requests', async () => {
    calls = 0;
    assert.equal((await link('/page', { host: 'evil.example' }))['link'], 'https://evil.example/next');
    assert.equal((await link('/page', { host: 'shop.example' }))['link'], 'https://shop.example/next');
    assert.equal((await link('/page', { host: 'shop.example' }))['link'], 'https://shop.example/next');
    assert.equal((await link('/page', { host: 'evil.example' }))['link'], 'https://evil.example/next');
    assert.equal(calls, 2, 'one backend call per distinct Host');
  });

  it('a forwarded input header is part of the key', async () => {
    calls = 0;
    assert.equal((await link('/themed', { host: 'shop.example', 'x-theme': '<script>alert(1)</script>' }))['theme'], '<script>alert(1)</script>');
    assert.equal((await link('/themed', { host: 'shop.example' }))['theme'], null);
    assert.equal((await link('/themed', { host: 'shop.example', 'x-theme': 'dark' }))['theme'], 'dark');
    assert.equal((await link('/themed', { host: 'shop.example' }))['theme'], null);
    assert.equal(calls, 3);
  });

  it('with input_headers ["*"], any header the client adds gives it its own entry (no-op endpoint)', async () => {
    calls = 0;
    assert.equal((await request(`${gateway.url}/raw`, { headers: { host: 'shop.example', 'x-theme': 'evil' } })).body.includes('"theme":"evil"'), true);
    assert.equal((await request(`${gateway.url}/raw`, { headers: { host: 'shop.example' } })).body.includes('"theme":null'), true);
    assert.equal((await request(`${gateway.url}/raw`, { headers: { host: 'shop.example' } })).body.includes('"theme":null'), true);
    assert.equal(calls, 2);
  });
});
