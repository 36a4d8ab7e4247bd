/**
 * A client body streamed to one backend: it must reach the backend byte for byte (chunked by default,
 * as lura forwards it), and a connection whose request body was still being written when the backend
 * answered must never carry another request.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { request } from '../helpers/http.js';
import { startBackend, startGateway } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';

function sha(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

describe('streamed request bodies', () => {
  let backend: RunningServer;
  let gateway: TestGateway;
  before(async () => {
    backend = await startBackend((req, res) => {
      const hash = createHash('sha256');
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        hash.update(chunk);
      });
      req.on('end', () => {
        const text = JSON.stringify({ size, sha: hash.digest('hex'), chunked: req.headers['transfer-encoding'] === 'chunked' });
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
        res.end(text);
      });
      req.on('error', () => res.destroy());
    });
    gateway = await startGateway({
      version: 3,
      timeout: '10s',
      endpoints: [{ endpoint: '/upload', method: 'POST', backend: [{ host: [backend.url], url_pattern: '/sink' }] }],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('forwards a large body intact when it goes out chunked', async () => {
    // Larger than a socket's write buffer, so backpressure happens while the body is written.
    const body = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = (i * 31 + 7) & 0xff;
    const response = await request(`${gateway.url}/upload`, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' }, timeoutMs: 10_000 });
    assert.equal(response.status, 200, response.body);
    const seen = JSON.parse(response.body) as { size: number; sha: string; chunked: boolean };
    assert.equal(seen.chunked, true);
    assert.equal(seen.size, body.length);
    assert.equal(seen.sha, sha(body));
  });
});

describe('a backend that answers before reading the whole request body', () => {
  let backendPort: number;
  let backendServer: ReturnType<typeof createServer>;
  const sockets: Socket[] = [];
  /** Raw bytes each backend connection received, by connection. */
  const received: string[] = [];
  let gateway: TestGateway;

  before(async () => {
    // Answers every request at once, with keep-alive, without waiting for its body.
    backendServer = createServer((socket) => {
      const index = received.push('') - 1;
      sockets.push(socket);
      socket.on('data', (data: Buffer) => {
        const before = received[index] as string;
        received[index] = before + data.toString('latin1');
        const text = data.toString('latin1');
        if (text.includes('GET /next ')) socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"next":1}\n');
        else if (before === '') socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}');
      });
      socket.on('error', () => undefined);
    });
    backendServer.listen(0, '127.0.0.1');
    await once(backendServer, 'listening');
    backendPort = (backendServer.address() as AddressInfo).port;
    const host = `http://127.0.0.1:${backendPort}`;
    gateway = await startGateway({
      version: 3,
      timeout: '3s',
      endpoints: [
        { endpoint: '/upload', method: 'POST', backend: [{ host: [host], url_pattern: '/early' }] },
        { endpoint: '/next', backend: [{ host: [host], url_pattern: '/next' }] },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    for (const socket of sockets) socket.destroy();
    backendServer.close();
  });

  it('does not reuse the connection for the next request while the first body is still being sent', async () => {
    // The client sends the head and the first part of a chunked body, then the rest later.
    const { connect } = await import('node:net');
    const client = connect(gateway.port, '127.0.0.1');
    await once(client, 'connect');
    client.write('POST /upload HTTP/1.1\r\nHost: gw\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n');
    let answer = '';
    client.on('data', (data: Buffer) => (answer += data.toString('latin1')));
    for (let i = 0; i < 100 && !answer.includes('\r\n\r\n'); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.match(answer, /^HTTP\/1\.1 200/);

    // A second request while the first body is still open on the backend connection.
    const next = await request(`${gateway.url}/next`, { timeoutMs: 3_000 });
    assert.equal(next.status, 200);
    assert.deepEqual(JSON.parse(next.body), { next: 1 });

    // Now the client sends the rest of its body; none of it may land on the connection that carried /next.
    client.write('4\r\nmore\r\n0\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 200));
    client.destroy();
    const carriedNext = received.filter((text) => text.includes('GET /next '));
    assert.equal(carriedNext.length, 1);
    const nextConnection = carriedNext[0] as string;
    assert.ok(!nextConnection.includes('POST /early'), 'the /next request went over the connection still sending the POST body');
    assert.ok(!nextConnection.includes('more'), 'body bytes of the first request reached the connection of the second');
  });
});
