/**
 * A POST on a reused connection that the backend closes cleanly after reading it (without answering) may
 * already have taken effect: it must not be sent again, as Go's transport (KrakenD) never replays it.
 * A GET in the same situation is still retried once.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { request } from '../helpers/http.js';
import { startGateway } from '../helpers/servers.js';
import type { TestGateway } from '../helpers/servers.js';

describe('requests on a reused connection the backend closes without answering', () => {
  let backend: Server;
  const sockets: Socket[] = [];
  /** Request lines the backend received, in order. */
  const seen: string[] = [];
  let gateway: TestGateway;

  before(async () => {
    // The first request on a connection is answered with keep-alive; the second is read, then the
    // connection is closed cleanly without an answer (a crash after the work was done).
    backend = createServer((socket) => {
      sockets.push(socket);
      let served = 0;
      let buffer = '';
      socket.on('data', (data: Buffer) => {
        buffer += data.toString('latin1');
        let end: number;
        while ((end = buffer.indexOf('\r\n\r\n')) !== -1) {
          const line = buffer.slice(0, buffer.indexOf('\r\n'));
          buffer = buffer.slice(end + 4);
          seen.push(line);
          served++;
          if (served === 1) socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}');
          else socket.end();
        }
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
        { endpoint: '/warm', backend: [{ host: [host], url_pattern: '/warm' }] },
        { endpoint: '/pay', method: 'POST', backend: [{ host: [host], url_pattern: '/pay' }] },
        { endpoint: '/read', backend: [{ host: [host], url_pattern: '/read' }] },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    for (const socket of sockets) socket.destroy();
    backend.close();
  });

  it('sends a POST once and reports the failure', async () => {
    seen.length = 0;
    assert.equal((await request(`${gateway.url}/warm`)).status, 200);
    const response = await request(`${gateway.url}/pay`, { method: 'POST' });
    assert.deepEqual(seen.filter((line) => line.startsWith('POST ')), ['POST /pay HTTP/1.1'], 'the POST reached the backend more than once');
    assert.equal(response.status, 500);
  });

  it('retries a GET once on a fresh connection', async () => {
    seen.length = 0;
    assert.equal((await request(`${gateway.url}/warm`)).status, 200);
    const response = await request(`${gateway.url}/read`);
    assert.equal(response.status, 200);
    assert.deepEqual(seen.filter((line) => line.startsWith('GET /read')), ['GET /read HTTP/1.1', 'GET /read HTTP/1.1']);
  });
});
