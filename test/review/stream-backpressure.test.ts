/**
 * Streamed (no-op) answers under a client that does not read: a gzip body the gateway decodes itself
 * must not be inflated into memory ahead of the client, and a backend sending many small chunks must not
 * pile up listeners on the client response.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createGzip } from 'node:zlib';
import { startBackend, startGateway } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';

const INFLATED_BYTES = 128 * 1024 * 1024;

describe('no-op streams and a client that stops reading', () => {
  let backend: RunningServer;
  let gateway: TestGateway;
  let bomb = Buffer.alloc(0);
  const warnings: Error[] = [];
  const onWarning = (warning: Error): void => {
    warnings.push(warning);
  };

  before(async () => {
    process.on('warning', onWarning);
    // Compressed piece by piece, so the test itself never holds the inflated size in memory.
    const gzip = createGzip({ level: 9 });
    const parts: Buffer[] = [];
    gzip.on('data', (part: Buffer) => parts.push(part));
    const zeros = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < INFLATED_BYTES / zeros.length; i++) gzip.write(zeros);
    gzip.end();
    await once(gzip, 'end');
    bomb = Buffer.concat(parts);
    backend = await startBackend((req, res) => {
      if (req.url === '/gzip') {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Encoding': 'gzip', 'Content-Length': bomb.length });
        res.end(bomb);
        return;
      }
      // Many small chunks in a few socket writes: each reaches the gateway as several parser callbacks.
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      let sent = 0;
      const piece = `${'x'.repeat(1000)}\n`;
      const pump = (): void => {
        while (sent < 20_000) {
          sent++;
          if (!res.write(piece)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });
    gateway = await startGateway({
      version: 3,
      timeout: '10s',
      endpoints: [
        { endpoint: '/gzip', output_encoding: 'no-op', backend: [{ host: [backend.url], url_pattern: '/gzip', encoding: 'no-op' }] },
        { endpoint: '/chunks', output_encoding: 'no-op', backend: [{ host: [backend.url], url_pattern: '/chunks', encoding: 'no-op' }] },
      ],
    });
  });
  after(async () => {
    process.off('warning', onWarning);
    await gateway.close();
    await backend.close();
  });

  it('does not inflate a gzip answer into memory faster than the client reads it', async () => {
    const baseline = process.memoryUsage().arrayBuffers;
    const client = connect(gateway.port, '127.0.0.1');
    await once(client, 'connect');
    client.pause();
    client.write('GET /gzip HTTP/1.1\r\nHost: gw\r\n\r\n');
    let peak = 0;
    for (let i = 0; i < 25; i++) {
      await new Promise((resolve) => setTimeout(resolve, 80));
      peak = Math.max(peak, process.memoryUsage().arrayBuffers - baseline);
      if (peak > 48 * 1024 * 1024) break;
    }
    client.destroy();
    assert.ok(peak < 48 * 1024 * 1024, `the gateway held ${Math.round(peak / 1048576)} MiB for a client that reads nothing`);
  });

  it('keeps one drain listener on the client response however many chunks arrive', async () => {
    const client = connect(gateway.port, '127.0.0.1');
    await once(client, 'connect');
    client.pause();
    client.write('GET /chunks HTTP/1.1\r\nHost: gw\r\n\r\n');
    // Let the backend fill every buffer on the way, then read everything.
    await new Promise((resolve) => setTimeout(resolve, 500));
    let received = 0;
    client.on('data', (data: Buffer) => (received += data.length));
    client.resume();
    for (let i = 0; i < 100 && received < 20_000 * 1001; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    client.destroy();
    assert.ok(received >= 20_000 * 1001, `received ${received} bytes`);
    const leaks = warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning');
    assert.deepEqual(leaks.map((warning) => warning.message), []);
  });
});
