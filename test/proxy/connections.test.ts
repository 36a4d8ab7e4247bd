/** Backend connections are kept alive and reused; disable_keep_alives closes each one. */
import assert from 'node:assert/strict';
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
