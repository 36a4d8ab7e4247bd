/** Header size and header time are bounded, so a slow or greedy client cannot hold the gateway. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rawExchange, rawStatus, request } from '../helpers/http.js';
import { startRecordingBackend } from '../helpers/recording-backend.js';
import type { RecordingBackend } from '../helpers/recording-backend.js';
import { startGateway } from '../helpers/servers.js';
import type { TestGateway } from '../helpers/servers.js';

// Both HTTP/1.1 servers: Portico's own and node:http's (PORTICO_HTTP_SERVER=node) must hold the same line.
for (const httpServer of ['portico', 'node'] as const) {
  describe(`header limits (${httpServer} HTTP/1.1 server)`, () => {
    let backend: RecordingBackend;
    let gateway: TestGateway;
    before(async () => {
      backend = await startRecordingBackend();
      gateway = await startGateway(
        {
          version: 3,
          read_header_timeout: '1s',
          max_header_bytes: 8192,
          endpoints: [{ endpoint: '/a', input_headers: ['*'], backend: [{ host: [backend.url], url_pattern: '/a' }] }],
        },
        { httpServer },
      );
    });
    after(async () => {
      await gateway.close();
      await backend.close();
    });

    it('answers 431 to headers larger than max_header_bytes and closes', async () => {
      const result = await rawExchange(gateway.port, [`GET /a HTTP/1.1\r\nHost: gw\r\nX-Big: ${'a'.repeat(16_384)}\r\n\r\n`], { waitMs: 2_000 });
      assert.equal(rawStatus(result.text), 431);
      assert.equal(result.closed, true);
      assert.equal(backend.requests.length, 0);
    });

    it('accepts headers within max_header_bytes', async () => {
      const response = await request(`${gateway.url}/a`, { headers: { 'x-medium': 'b'.repeat(4_000) } });
      assert.equal(response.status, 200);
      assert.equal(backend.lastHeaders()['x-medium']?.[0]?.length, 4_000);
    });

    it('cuts a client that sends its headers slowly within about read_header_timeout + 1 s', async () => {
      const trickle = ['GET /a HTTP/1.1\r\n', 'Host: gw\r\n', ...Array.from({ length: 20 }, (_, i) => `X-Slow-${i}: 1\r\n`), '\r\n'];
      const result = await rawExchange(gateway.port, trickle, { waitMs: 6_000, gapMs: 200 });
      assert.equal(result.closed, true, 'the gateway closed the connection');
      assert.ok(result.elapsedMs >= 900, `not before the timeout (${result.elapsedMs} ms)`);
      assert.ok(result.elapsedMs <= 2_300, `within read_header_timeout + 1 s (+ scheduling slack): ${result.elapsedMs} ms`);
      const status = rawStatus(result.text);
      assert.ok(status === 408 || status === 0, `408 or a plain close, got ${status}`);
      assert.equal(backend.requests.filter((item) => item.rawHeaders.some((name) => /^x-slow/i.test(name))).length, 0);
    });

    it('keeps serving other clients while one is slow', async () => {
      const slow = rawExchange(gateway.port, ['GET /a HTTP/1.1\r\n', 'Host: gw\r\n', 'X-A: 1\r\n', 'X-B: 1\r\n'], { waitMs: 1_200, gapMs: 300 });
      const fast = await request(`${gateway.url}/a`);
      assert.equal(fast.status, 200);
      await slow;
    });
  });
}
