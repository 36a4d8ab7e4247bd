/**
 * `websocket` in direct mode, end to end: a real `ws` client, the gateway, and a real `ws` backend, all on
 * 127.0.0.1. Covers the relay both ways, the router-layer checks before the backend is dialled, limits,
 * close codes, a backend that dies, and backpressure with a consumer that stops reading.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { WebSocket } from 'ws';
import { CertificateAuthority, hasOpenssl } from '../security/certs.js';
import { freePort, startCli } from '../helpers/cli.js';
import type { RunningCli } from '../helpers/cli.js';
import { startBackend, startGateway, writeConfig } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';
import { rawExchange, rawStatus, request, waitFor } from '../helpers/http.js';
import { closed, connect, echo, nextMessage, startWebSocketBackend } from '../helpers/websocket.js';
import type { WebSocketBackend } from '../helpers/websocket.js';
import { makeKey, signToken, startJwkServer } from '../security/helpers.js';
import type { JwkServer, TestKey } from '../security/helpers.js';

const direct = (extra: Record<string, unknown> = {}) => ({ websocket: { enable_direct_communication: true, ...extra } });

describe('websocket (direct mode)', () => {
  let backend: WebSocketBackend;
  let http: RunningServer;
  let jwks: JwkServer;
  let key: TestKey;
  let gateway: TestGateway;
  /** What each backend session of /flood managed to hand to its socket. */
  const flood = { written: 0, messages: 0 };
  let killMidStream: WebSocket | undefined;

  before(async () => {
    key = await makeKey('RS256', 'ws-1');
    jwks = await startJwkServer([key]);
    http = await startBackend((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '11' });
      response.end('{"ok":true}');
    });
    backend = await startWebSocketBackend(
      (socket, request) => {
        const path = (request.url ?? '').split('?')[0];
        if (path === '/echo') echo(socket, request);
        else if (path === '/headers') socket.send(JSON.stringify({ url: request.url, headers: request.headers }));
        else if (path === '/close-with') socket.on('message', (data) => socket.close(4001, `bye ${String(data)}`));
        else if (path === '/big') socket.on('message', () => socket.send(Buffer.alloc(2048, 1), { binary: true }));
        else if (path === '/die') {
          killMidStream = socket;
          socket.send('first');
        } else if (path === '/flood') {
          const chunk = Buffer.alloc(64 << 10, 7);
          let sent = 0;
          const pump = (): void => {
            // The backend writes as fast as its socket takes data: only the gateway's reading paces it.
            while (sent < 1024 && socket.bufferedAmount < 1 << 20) {
              sent++;
              socket.send(chunk, { binary: true }, (error) => {
                if (!error) {
                  flood.written += chunk.length;
                  flood.messages++;
                }
              });
            }
            if (sent < 1024 && socket.readyState === WebSocket.OPEN) setTimeout(pump, 5);
          };
          pump();
        }
      },
      { protocols: ['chat.v2', 'chat.v1'] },
    );
    const auth = { alg: 'RS256', jwk_url: `${jwks.url}/jwks`, disable_jwk_security: true, cache: true };
    gateway = await startGateway({
      version: 3,
      host: [backend.url],
      endpoints: [
        { endpoint: '/ws/echo', input_query_strings: ['room'], backend: [{ url_pattern: '/echo' }], extra_config: direct({ max_message_size: 1024, subprotocols: ['chat.v1', 'chat.v2'] }) },
        { endpoint: '/ws/headers/{room}', input_query_strings: ['since'], backend: [{ url_pattern: '/headers?room={room}' }], extra_config: direct({ input_headers: ['X-Tenant'] }) },
        { endpoint: '/ws/close', backend: [{ url_pattern: '/close-with' }], extra_config: direct() },
        { endpoint: '/ws/big', backend: [{ url_pattern: '/big' }], extra_config: direct({ max_message_size: 1024 }) },
        { endpoint: '/ws/die', backend: [{ url_pattern: '/die' }], extra_config: direct() },
        { endpoint: '/ws/idle', backend: [{ url_pattern: '/echo' }], extra_config: direct({ timeout: '300ms' }) },
        { endpoint: '/ws/limited', backend: [{ url_pattern: '/echo' }], extra_config: direct({ max_connections: 1 }) },
        { endpoint: '/ws/flood', backend: [{ url_pattern: '/flood' }], extra_config: direct({ max_message_size: 65536, message_buffer_size: 8, write_wait: '10s' }) },
        { endpoint: '/ws/nowhere', backend: [{ host: ['ws://127.0.0.1:1'], url_pattern: '/' }], extra_config: direct() },
        {
          endpoint: '/ws/private',
          backend: [{ url_pattern: '/headers' }],
          extra_config: { 'auth/validator': { ...auth, propagate_claims: [['sub', 'X-User']] }, ...direct() },
        },
        { endpoint: '/plain', backend: [{ host: [http.url], url_pattern: '/' }] },
      ],
    });
  });

  after(async () => {
    await gateway.close();
    await backend.close();
    await http.close();
    await jwks.close();
  });

  const wsUrl = (path: string) => `ws://127.0.0.1:${gateway.port}${path}`;

  test('text and binary messages cross both ways; the subprotocol is the backend\'s pick among allowed ones', async () => {
    const client = await connect(wsUrl('/ws/echo'), { protocols: ['chat.v1', 'chat.v2', 'not-allowed'] });
    assert.equal(client.protocol, 'chat.v2');
    client.send('héllo');
    const text = await nextMessage(client);
    assert.equal(text.data.toString(), 'héllo');
    assert.equal(text.isBinary, false);
    client.send(Buffer.from([0, 1, 2, 255]));
    const binary = await nextMessage(client);
    assert.deepEqual([...binary.data], [0, 1, 2, 255]);
    assert.equal(binary.isBinary, true);
    client.close(1000, 'done');
    assert.equal((await closed(client)).code, 1000);
  });

  test('the backend gets the rendered url_pattern, listed query strings and input_headers only', async () => {
    const client = await connect(wsUrl('/ws/headers/blue?since=5&other=x'), { headers: { 'X-Tenant': 'acme', Cookie: 'secret=1' } });
    const seen = JSON.parse((await nextMessage(client)).data.toString()) as { url: string; headers: Record<string, string> };
    assert.equal(seen.url, '/headers?room=blue&since=5');
    assert.equal(seen.headers['x-tenant'], 'acme');
    assert.equal(seen.headers['cookie'], undefined);
    assert.ok(seen.headers['x-forwarded-for']);
    client.close();
    await closed(client);
  });

  test('an upgrade refused by JWT gets 401 and the backend is never dialled', async () => {
    const before = backend.handshakes.length;
    await assert.rejects(connect(wsUrl('/ws/private')), { statusCode: 401 });
    const forged = await signToken(await makeKey('RS256', 'ws-1'), { sub: 'mallory' });
    await assert.rejects(connect(wsUrl('/ws/private'), { headers: { Authorization: `Bearer ${forged}` } }), { statusCode: 401 });
    assert.equal(backend.handshakes.length, before, 'no upgrade reached the backend');
    const token = await signToken(key, { sub: 'alice' });
    const client = await connect(wsUrl('/ws/private'), { headers: { Authorization: `Bearer ${token}` } });
    const seen = JSON.parse((await nextMessage(client)).data.toString()) as { headers: Record<string, string> };
    assert.equal(seen.headers['x-user'], 'alice', 'propagated claims reach the backend handshake');
    client.close();
    await closed(client);
  });

  test('upgrades on endpoints without the namespace are answered as ordinary requests; plain requests to a WebSocket endpoint get 426', async () => {
    const raw = await rawExchange(gateway.port, ['GET /plain HTTP/1.1\r\nHost: gw\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n'], { untilResponse: true });
    assert.equal(rawStatus(raw.text), 200);
    assert.match(raw.text, /\{"ok":true\}/);
    const plain = await request(`${gateway.url}/ws/echo`);
    assert.equal(plain.status, 426);
    assert.equal(plain.headers['upgrade'], 'websocket');
  });

  test('a message over max_message_size closes the client with 1009', async () => {
    const client = await connect(wsUrl('/ws/echo'));
    const closing = closed(client);
    client.send(Buffer.alloc(2048));
    assert.equal((await closing).code, 1009);
    const fromBackend = await connect(wsUrl('/ws/big'));
    const closingToo = closed(fromBackend);
    fromBackend.send('give me a big one');
    assert.equal((await closingToo).code, 1009, 'a backend message over the limit closes the client too');
  });

  test('close codes and reasons pass through both ways', async () => {
    const client = await connect(wsUrl('/ws/close'));
    const closing = closed(client);
    client.send('now');
    assert.deepEqual(await closing, { code: 4001, reason: 'bye now' });

    let backendClose: Promise<{ code: number; reason: string }> | undefined;
    const echoes = await startWebSocketBackend((socket) => {
      backendClose = closed(socket);
    });
    const other = await startGateway({ version: 3, endpoints: [{ endpoint: '/ws', backend: [{ host: [echoes.url], url_pattern: '/' }], extra_config: direct() }] });
    try {
      const second = await connect(`ws://127.0.0.1:${other.port}/ws`);
      assert.ok(await waitFor(() => backendClose !== undefined));
      second.close(4002, 'client leaves');
      assert.deepEqual(await backendClose, { code: 4002, reason: 'client leaves' });
    } finally {
      await other.close();
      await echoes.close();
    }
  });

  test('a backend that dies mid-session closes the client with 1014; an unreachable one answers 502', async () => {
    const client = await connect(wsUrl('/ws/die'));
    assert.equal((await nextMessage(client)).data.toString(), 'first');
    const closing = closed(client);
    killMidStream?.terminate();
    assert.equal((await closing).code, 1014);
    await assert.rejects(connect(wsUrl('/ws/nowhere')), { statusCode: 502 });
  });

  test('an idle session is closed with 1001 after the endpoint timeout', async () => {
    const client = await connect(wsUrl('/ws/idle'));
    const started = performance.now();
    client.send('one');
    await nextMessage(client);
    const { code } = await closed(client);
    const elapsed = performance.now() - started;
    assert.equal(code, 1001);
    assert.ok(elapsed >= 250 && elapsed < 3_000, `closed after ${Math.round(elapsed)} ms`);
  });

  test('an upgrade pipelined behind ordinary requests is switched after their answers, and the gateway keeps serving', async () => {
    const upgrade = 'GET /ws/echo HTTP/1.1\r\nHost: gw\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';
    const plain = 'GET /plain HTTP/1.1\r\nHost: gw\r\n\r\n';
    const result = await rawExchange(gateway.port, [`${plain}${plain}${upgrade}`], { waitMs: 1_500 });
    const statuses = [...result.text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => match[1]);
    assert.deepEqual(statuses, ['200', '200', '101'], result.text);
    assert.equal((await request(`${gateway.url}/plain`)).status, 200);
  });

  test('max_connections: one more upgrade gets 503 until a session ends', async () => {
    const first = await connect(wsUrl('/ws/limited'));
    await assert.rejects(connect(wsUrl('/ws/limited')), { statusCode: 503 });
    first.close();
    await closed(first);
    assert.ok(await waitFor(() => true));
    const again = await connect(wsUrl('/ws/limited'));
    again.close();
    await closed(again);
  });

  test('a consumer that stops reading holds the backend back: the gateway buffers a bounded amount', async () => {
    const client = await connect(wsUrl('/ws/flood'), { queue: false });
    let received = 0;
    client.on('message', () => received++);
    // Stop reading at once: from now on only socket buffers and the gateway's queue can hold data.
    client.pause();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    // 64 MiB offered. Kernel buffers on loopback take a share (they grow to tens of MiB), the rest must stay
    // with the backend: it cannot have handed everything over while nothing was read.
    assert.ok(flood.written < 1024 * (64 << 10), `the backend handed ${flood.written >> 20} MiB over while the client read nothing`);
    client.resume();
    assert.ok(await waitFor(() => received === 1024, 20_000), `received ${received} of 1024 after resuming`);
    client.close();
    await closed(client);
    // What the gateway itself held: message_buffer_size (8), plus what ws had already parsed when paused.
    assert.ok(await waitFor(() => gateway.log.lines.some((line) => line.includes('[ENDPOINT: /ws/flood]') && line.includes('messages waited'))));
    const line = gateway.log.lines.find((entry) => entry.includes('[ENDPOINT: /ws/flood]') && entry.includes('messages waited')) as string;
    const peak = Number(/at most (\d+) messages/.exec(line)?.[1]);
    assert.ok(peak >= 8 && peak <= 16, `at most ${peak} messages of 64 KiB waited in the gateway`);
  });
});

describe('websocket with portico run -w 2', () => {
  let cli: RunningCli | undefined;
  let backend: WebSocketBackend | undefined;
  after(async () => {
    cli?.kill();
    await backend?.close();
  });

  test('workers switch protocols and relay messages', async () => {
    backend = await startWebSocketBackend(echo);
    const port = await freePort();
    const file = await writeConfig({
      version: 3,
      port,
      endpoints: [{ endpoint: '/ws', backend: [{ host: [backend.url], url_pattern: '/' }], extra_config: direct({ max_message_size: 4096 }) }],
    });
    cli = startCli(['run', '-c', file, '-w', '2']);
    const clients = await Promise.all(Array.from({ length: 6 }, () => connectWhenUp(`ws://127.0.0.1:${port}/ws`)));
    for (const [index, client] of clients.entries()) {
      client.send(`hello ${index}`);
      assert.equal((await nextMessage(client)).data.toString(), `hello ${index}`);
      client.close(1000);
      assert.equal((await closed(client)).code, 1000);
    }
  });
});

/** Retries while the workers start (connection refused), for up to 30 s (a loaded machine starts them slowly). */
async function connectWhenUp(url: string): Promise<WebSocket> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await connect(url);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe('websocket: TLS listener and shutdown', () => {
  test('wss through the HTTPS listener (HTTP/1.1 upgrade), and sessions closed with 1001 when the gateway stops', async (t) => {
    if (!hasOpenssl()) {
      t.skip('openssl is missing: it makes the test certificate (apt-get install openssl)');
      return;
    }
    const ca = new CertificateAuthority('ws-server');
    const pair = ca.issue('localhost', ['localhost', '127.0.0.1'], 'server');
    const backend = await startWebSocketBackend(echo);
    const gateway = await startGateway({
      version: 3,
      tls: { public_key: pair.cert, private_key: pair.key },
      endpoints: [{ endpoint: '/ws', backend: [{ host: [backend.url], url_pattern: '/' }], extra_config: direct() }],
    });
    try {
      const client = await connect(`wss://127.0.0.1:${gateway.port}/ws`, { ca: readFileSync(ca.cert) });
      client.send('over tls');
      assert.equal((await nextMessage(client)).data.toString(), 'over tls');
      const closing = closed(client);
      await gateway.gateway.close(100);
      assert.equal((await closing).code, 1001);
    } finally {
      await gateway.close();
      await backend.close();
    }
  });
});
