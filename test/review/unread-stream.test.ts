/**
 * A no-op backend under a JSON endpoint (allowed, with a warning) answers `{}`: its streamed body is never
 * sent, so the gateway must stop the transfer instead of reading the whole body into memory.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from '../helpers/http.js';
import { startBackend, startGateway } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';

const TOTAL_BYTES = 128 * 1024 * 1024;

describe('a streamed backend body nobody sends on', () => {
  let backend: RunningServer;
  let gateway: TestGateway;
  let outcome: Promise<{ sent: number; finished: boolean }>;

  before(async () => {
    let report: (value: { sent: number; finished: boolean }) => void = () => undefined;
    outcome = new Promise((resolve) => (report = resolve));
    backend = await startBackend((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': TOTAL_BYTES });
      const piece = Buffer.alloc(64 * 1024, 0x61);
      let sent = 0;
      const pump = (): void => {
        while (sent < TOTAL_BYTES && !res.destroyed) {
          sent += piece.length;
          if (!res.write(piece)) {
            res.once('drain', pump);
            return;
          }
        }
        if (sent >= TOTAL_BYTES) res.end();
      };
      res.on('close', () => report({ sent, finished: res.writableFinished }));
      pump();
    });
    gateway = await startGateway({
      version: 3,
      timeout: '10s',
      endpoints: [{ endpoint: '/data', backend: [{ host: [backend.url], url_pattern: '/big', encoding: 'no-op' }] }],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('answers {} and aborts the backend transfer', async () => {
    const response = await request(`${gateway.url}/data`);
    assert.equal(response.status, 200);
    assert.equal(response.body, '{}');
    const { sent, finished } = await outcome;
    assert.equal(finished, false, `the gateway read all ${sent} bytes it would never send`);
    assert.ok(sent < TOTAL_BYTES);
  });
});
