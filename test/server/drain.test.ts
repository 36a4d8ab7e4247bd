/**
 * Draining (SIGTERM, and an old worker after a config reload): the listener closes first; a connection
 * accepted before that whose request arrives afterwards is still answered, with `Connection: close`; an
 * idle keep-alive connection is closed after about a second of idleness, not at once.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { after, before, it } from 'node:test';
import { delay, openSocket } from '../helpers/http.js';
import { sendJson, startBackend, startGateway } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';

let backend: RunningServer;
let gateway: TestGateway;
before(async () => {
  backend = await startBackend((_request, response) => sendJson(response, 200, { ok: true }));
  gateway = await startGateway({ version: 3, endpoints: [{ endpoint: '/ok', backend: [{ host: [backend.url], url_pattern: '/' }] }] });
});
after(async () => {
  await gateway.close();
  await backend.close();
});

function collect(socket: Socket): { text: () => string; closed: Promise<unknown> } {
  let text = '';
  socket.setEncoding('latin1').on('data', (chunk: string) => (text += chunk));
  return { text: () => text, closed: once(socket, 'close') };
}

it('answers a connection accepted before the drain, closes an idle one after a grace, and stops accepting', async () => {
  const fresh = await openSocket(gateway.port); // accepted, its request not sent yet
  const idle = await openSocket(gateway.port); // a keep-alive connection between requests
  const freshOut = collect(fresh);
  const idleOut = collect(idle);
  idle.write('GET /ok HTTP/1.1\r\nHost: x\r\n\r\n');
  while (!idleOut.text().includes('{"ok":true}')) await delay(10);
  await delay(50); // the gateway sees both connections before the drain starts

  const started = performance.now();
  const closing = gateway.gateway.close(10_000);
  await delay(100);
  fresh.write('GET /ok HTTP/1.1\r\nHost: x\r\n\r\n');
  await freshOut.closed;
  assert.match(freshOut.text(), /^HTTP\/1\.1 200 /);
  assert.match(freshOut.text(), /\r\nconnection: close\r\n/i);

  await idleOut.closed;
  const idleFor = performance.now() - started;
  assert.ok(idleFor >= 900 && idleFor < 5_000, `the idle connection was closed after ${Math.round(idleFor)} ms`);
  await closing;
  assert.equal(gateway.gateway.server.listening, false);
});
