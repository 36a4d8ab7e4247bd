/** A client that leaves, or an endpoint timeout, aborts the backend call below. */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { openSocket, request, waitFor } from '../helpers/http.js';
import { startBackend, startGateway } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';

describe('cancellation', () => {
  let backend: RunningServer;
  let gateway: TestGateway;
  /** Requests the backend holds open, and whether their connection was closed by the gateway. */
  const held: { url: string; closed: boolean; request: IncomingMessage }[] = [];
  before(async () => {
    backend = await startBackend((req) => {
      const entry = { url: req.url ?? '', closed: false, request: req };
      held.push(entry);
      req.socket.once('close', () => (entry.closed = true));
      // Never answers: only an abort from the gateway ends this exchange.
    });
    gateway = await startGateway({
      version: 3,
      endpoints: [
        { endpoint: '/hang', timeout: '10s', backend: [{ host: [backend.url], url_pattern: '/hang' }] },
        { endpoint: '/hang-noop', timeout: '10s', output_encoding: 'no-op', backend: [{ host: [backend.url], url_pattern: '/hang-noop' }] },
        {
          endpoint: '/hang-merge',
          timeout: '10s',
          backend: [
            { host: [backend.url], url_pattern: '/hang-merge-1' },
            { host: [backend.url], url_pattern: '/hang-merge-2' },
          ],
        },
        { endpoint: '/timeout', timeout: '300ms', backend: [{ host: [backend.url], url_pattern: '/timeout' }] },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  async function disconnectMidway(path: string, expectedBackendCalls: number): Promise<void> {
    const before = held.length;
    const socket = await openSocket(gateway.port);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: gw\r\n\r\n`);
    assert.ok(await waitFor(() => held.length === before + expectedBackendCalls), 'the backend got the calls');
    socket.destroy();
    const calls = held.slice(before);
    assert.ok(await waitFor(() => calls.every((call) => call.closed), 3_000), 'the gateway closed every backend connection');
  }

  it('aborts the backend call when the client disconnects', async () => {
    await disconnectMidway('/hang', 1);
  });

  it('aborts a no-op backend call when the client disconnects', async () => {
    await disconnectMidway('/hang-noop', 1);
  });

  it('aborts every merged backend call when the client disconnects', async () => {
    await disconnectMidway('/hang-merge', 2);
  });

  it('aborts the backend call when the endpoint times out', async () => {
    const before = held.length;
    const response = await request(`${gateway.url}/timeout`);
    assert.equal(response.status, 500);
    const call = held[before];
    assert.ok(call, 'the backend got the call');
    assert.ok(await waitFor(() => call.closed, 2_000), 'the backend connection was closed');
  });

  it('keeps serving after aborted calls', async () => {
    const response = await request(`${gateway.url}/__health`);
    assert.equal(response.status, 200);
  });
});
