/** Backend connections are kept alive and reused; disable_keep_alives closes each one. */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { request } from '../helpers/http.js';
import { startRecordingBackend } from '../helpers/recording-backend.js';
import type { RecordingBackend } from '../helpers/recording-backend.js';
import { sendJson, startGateway } from '../helpers/servers.js';

describe('backend connections', () => {
  let backend: RecordingBackend;
  before(async () => {
    backend = await startRecordingBackend();
  });
  after(() => backend.close());

  it('reuses one kept-alive connection for sequential requests', async () => {
    const gateway = await startGateway({ version: 3, endpoints: [{ endpoint: '/a', backend: [{ host: [backend.url], url_pattern: '/a' }] }] });
    try {
      const before = backend.connections;
      for (let i = 0; i < 10; i++) assert.equal((await request(`${gateway.url}/a`)).status, 200);
      assert.equal(backend.connections - before, 1);
      const ports = new Set(backend.requests.slice(-10).map((item) => item.remotePort));
      assert.equal(ports.size, 1, 'every request came from the same gateway socket');
    } finally {
      await gateway.close();
    }
  });

  it('opens one connection per concurrent request and reuses them afterwards', async () => {
    const gateway = await startGateway({ version: 3, endpoints: [{ endpoint: '/a', backend: [{ host: [backend.url], url_pattern: '/a' }] }] });
    try {
      const before = backend.connections;
      await Promise.all(Array.from({ length: 4 }, () => request(`${gateway.url}/a`)));
      const opened = backend.connections - before;
      assert.ok(opened >= 1 && opened <= 4);
      for (let i = 0; i < 8; i++) await request(`${gateway.url}/a`);
      assert.equal(backend.connections - before, opened, 'no new connection for later requests');
    } finally {
      await gateway.close();
    }
  });

  it('sends Connection: close and opens a connection per request with disable_keep_alives', async () => {
    const gateway = await startGateway({ version: 3, disable_keep_alives: true, endpoints: [{ endpoint: '/a', backend: [{ host: [backend.url], url_pattern: '/a' }] }] });
    try {
      const before = backend.connections;
      for (let i = 0; i < 3; i++) assert.equal((await request(`${gateway.url}/a`)).status, 200);
      assert.equal(backend.connections - before, 3);
      assert.deepEqual(backend.lastHeaders()['connection'], ['close']);
    } finally {
      await gateway.close();
    }
  });

  it('closes a backend connection idle_connection_timeout after its last use, not after its first', async () => {
    const closedAt: number[] = [];
    const timed = await startRecordingBackend();
    timed.server.on('connection', (socket: Socket) => socket.on('close', () => closedAt.push(performance.now())));
    const gateway = await startGateway({ version: 3, idle_connection_timeout: '800ms', endpoints: [{ endpoint: '/a', backend: [{ host: [timed.url], url_pattern: '/a' }] }] });
    try {
      assert.equal((await request(`${gateway.url}/a`)).status, 200);
      await new Promise((resolve) => setTimeout(resolve, 500));
      // Reused within the timeout: the idle time counts again from this answer.
      assert.equal((await request(`${gateway.url}/a`)).status, 200);
      const lastUse = performance.now();
      const deadline = lastUse + 5_000;
      while (closedAt.length === 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(timed.connections, 1, 'the second request reused the connection');
      assert.equal(closedAt.length, 1, 'the idle connection was closed');
      const idle = (closedAt[0] as number) - lastUse;
      assert.ok(idle >= 750 && idle < 3_000, `closed ${Math.round(idle)} ms after its last use (timeout 800 ms)`);
    } finally {
      await gateway.close();
      await timed.close();
    }
  });

  it('recovers when the backend closes an idle kept-alive connection', async () => {
    // Answers, then closes the idle connection shortly after, as a backend's idle timeout would.
    const closing = await startRecordingBackend((req, res) => {
      sendJson(res, 200, { ok: true });
      setTimeout(() => req.socket.destroy(), 50);
    });
    const gateway = await startGateway({ version: 3, endpoints: [{ endpoint: '/a', backend: [{ host: [closing.url], url_pattern: '/a' }] }] });
    try {
      assert.equal((await request(`${gateway.url}/a`)).status, 200);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal((await request(`${gateway.url}/a`)).status, 200);
      assert.equal(closing.connections, 2);
    } finally {
      await gateway.close();
      await closing.close();
    }
  });
});
