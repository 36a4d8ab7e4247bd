/**
 * A gateway is not a forward proxy: asterisk and authority targets go nowhere, and absolute-form targets
 * (which RFC 9112 §3.2.2 says a server must accept) are routed by their path only, never to the host they name.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { delay, rawExchange, rawStatus } from '../helpers/http.js';
import { startRecordingBackend } from '../helpers/recording-backend.js';
import type { RecordingBackend } from '../helpers/recording-backend.js';
import { startGateway } from '../helpers/servers.js';
import type { TestGateway } from '../helpers/servers.js';

describe('request targets', () => {
  let backend: RecordingBackend;
  let gateway: TestGateway;
  before(async () => {
    backend = await startRecordingBackend();
    gateway = await startGateway({
      version: 3,
      endpoints: [
        { endpoint: '/', backend: [{ host: [backend.url], url_pattern: '/root' }] },
        { endpoint: '/h', backend: [{ host: [backend.url], url_pattern: '/h' }] },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('routes an absolute-form target by its path to the configured backend, with the target host as X-Forwarded-Host', async () => {
    const result = await rawExchange(gateway.port, ['GET http://evil.example/h?x=1 HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n'], { waitMs: 2_000, untilResponse: true });
    assert.equal(rawStatus(result.text), 200);
    const seen = backend.requests.at(-1);
    assert.equal(seen?.url, '/h');
    assert.deepEqual(backend.lastHeaders()['x-forwarded-host'], ['evil.example']);
  });

  it('answers an absolute-form target with an unrouted path with 404, contacting nobody', async () => {
    const before = backend.connections;
    const result = await rawExchange(gateway.port, [`GET http://127.0.0.1:${backend.port}/secret HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n`], { waitMs: 2_000, untilResponse: true });
    assert.equal(rawStatus(result.text), 404);
    await delay(50);
    assert.equal(backend.connections, before, 'no backend connection');
  });

  for (const [label, line, host] of [
    ['asterisk-form', 'OPTIONS * HTTP/1.1', 'gw'],
    ['authority-form', 'CONNECT 127.0.0.1:{backend} HTTP/1.1', '127.0.0.1:{backend}'],
  ] as const) {
    it(`never proxies the ${label}`, async () => {
      const before = backend.connections;
      const requestLine = line.replace('{backend}', String(backend.port));
      const result = await rawExchange(gateway.port, [`${requestLine}\r\nHost: ${host.replace('{backend}', String(backend.port))}\r\nConnection: close\r\n\r\n`], { waitMs: 2_000, untilResponse: true });
      const status = rawStatus(result.text);
      if (requestLine.startsWith('CONNECT')) {
        // Node closes CONNECT requests when nobody listens for them: no answer, and no tunnel.
        assert.ok(status === 0 ? result.closed : status >= 400 && status < 500, `refused, got ${status}`);
      } else {
        assert.ok(status >= 400 && status < 500, `a client error, got ${status || 'no answer'}`);
      }
      await delay(50);
      assert.equal(backend.connections, before, 'no backend connection');
    });
  }

  it('still serves origin-form targets', async () => {
    const result = await rawExchange(gateway.port, ['GET /h HTTP/1.1\r\nHost: evil\r\nConnection: close\r\n\r\n'], { waitMs: 2_000, untilResponse: true });
    assert.equal(rawStatus(result.text), 200);
    assert.equal(backend.requests.at(-1)?.url, '/h');
  });
});
