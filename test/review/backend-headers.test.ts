/**
 * A backend that sends header lines Node cannot write to a client (a space in the name, control bytes
 * in the value) must get a bounded error answer from a no-op endpoint, never a hung request or an
 * unhandled rejection.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { request } from '../helpers/http.js';
import { startGateway } from '../helpers/servers.js';
import type { TestGateway } from '../helpers/servers.js';

const BAD_HEADERS: Record<string, string> = {
  '/space-in-name': 'X-Bad Name: 1\r\n',
  '/nul-in-value': 'X-Bad: a\u0000b\r\n',
  '/bare-lf-in-value': 'X-Bad: a\nInjected: yes\r\n',
  '/obs-fold': 'X-Bad: a\r\n folded\r\n',
};

describe('backend response headers that cannot be forwarded', () => {
  let backend: Server;
  const sockets: Socket[] = [];
  let gateway: TestGateway;
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown): void => {
    rejections.push(reason);
  };

  before(async () => {
    process.on('unhandledRejection', onRejection);
    backend = createServer((socket) => {
      sockets.push(socket);
      let seen = '';
      socket.on('data', (data: Buffer) => {
        seen += data.toString('latin1');
        if (!seen.includes('\r\n\r\n')) return;
        const path = /^GET (\S+) /.exec(seen)?.[1] ?? '';
        seen = '';
        const bad = BAD_HEADERS[path] ?? '';
        socket.write(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n${bad}Content-Length: 2\r\n\r\nok`, 'latin1');
      });
      socket.on('error', () => undefined);
    });
    backend.listen(0, '127.0.0.1');
    await once(backend, 'listening');
    const host = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
    gateway = await startGateway({
      version: 3,
      timeout: '2s',
      endpoints: [
        ...Object.keys(BAD_HEADERS).map((path) => ({ endpoint: path, output_encoding: 'no-op', backend: [{ host: [host], url_pattern: path, encoding: 'no-op' }] })),
        { endpoint: '/good', output_encoding: 'no-op', backend: [{ host: [host], url_pattern: '/good', encoding: 'no-op' }] },
      ],
    });
  });
  after(async () => {
    process.off('unhandledRejection', onRejection);
    await gateway.close();
    for (const socket of sockets) socket.destroy();
    backend.close();
  });

  for (const path of Object.keys(BAD_HEADERS)) {
    it(`answers a server error for ${path.slice(1)}, and nothing is left unhandled`, async () => {
      const response = await request(`${gateway.url}${path}`, { timeoutMs: 4_000 });
      assert.ok(response.status >= 500 && response.status <= 599, `status ${response.status}`);
      assert.equal(response.headers['injected'], undefined);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(rejections, []);
    });
  }

  it('still passes a well-formed answer through', async () => {
    const response = await request(`${gateway.url}/good`);
    assert.equal(response.status, 200);
    assert.equal(response.body, 'ok');
  });
});
