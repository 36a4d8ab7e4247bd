/**
 * A body without a length runs until the backend closes the connection. A clean close (FIN) ends it;
 * a reset (RST) means the body was cut, so the answer must be a failure, never a complete-looking body.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { request } from '../helpers/http.js';
import { startGateway } from '../helpers/servers.js';
import type { TestGateway } from '../helpers/servers.js';

describe('close-delimited backend bodies', () => {
  let backend: Server;
  const sockets: Socket[] = [];
  let gateway: TestGateway;

  before(async () => {
    backend = createServer((socket) => {
      sockets.push(socket);
      socket.once('data', (data: Buffer) => {
        const reset = data.toString('latin1').startsWith('GET /reset ');
        socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nfirst part');
        setTimeout(() => (reset ? socket.resetAndDestroy() : socket.end()), 50);
      });
      socket.on('error', () => undefined);
    });
    backend.listen(0, '127.0.0.1');
    await once(backend, 'listening');
    const host = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
    gateway = await startGateway({
      version: 3,
      timeout: '3s',
      endpoints: [
        { endpoint: '/clean', backend: [{ host: [host], url_pattern: '/clean', encoding: 'string' }] },
        { endpoint: '/reset', backend: [{ host: [host], url_pattern: '/reset', encoding: 'string' }] },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    for (const socket of sockets) socket.destroy();
    backend.close();
  });

  it('takes the body up to a clean close as complete', async () => {
    const response = await request(`${gateway.url}/clean`);
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.body), { content: 'first part' });
    assert.equal(response.headers['x-krakend-completed'], 'true');
  });

  it('fails the call when the connection is reset before the close', async () => {
    const response = await request(`${gateway.url}/reset`);
    assert.equal(response.status, 500, `answered ${response.status} ${response.body}`);
    assert.equal(response.headers['x-krakend-completed'], 'false');
  });
});
