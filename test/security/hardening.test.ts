/**
 * What a gateway on the internet must get right at the protocol level, checked with raw sockets:
 * hop-by-hop headers never cross, X-Forwarded-For is trusted only from trusted proxies, request
 * smuggling shapes are refused, and absolute-form targets never make the gateway a forward proxy.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';
import { startBackend, startGateway } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';

/** Writes raw bytes, returns everything the server sent until it closed (or 2 s passed). */
function rawExchange(port: number, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), 2_000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.once('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? undefined : reject(error)));
    socket.write(payload, 'latin1');
  });
}

function statusOf(raw: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);
}

describe('protocol hardening', () => {
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
  let backend: RunningServer;
  let gateway: TestGateway;
  let trusting: TestGateway;
  let distrusting: TestGateway;

  before(async () => {
    backend = await startBackend((request, response) => {
      // Only requests whose body arrived whole count: a body cut by the gateway is not a request.
      request.resume();
      request.once('end', () => answer());
      request.once('error', () => response.destroy());
      const answer = (): void => {
        seen.push({ url: request.url ?? '', headers: request.headers });
        const body = JSON.stringify({ headers: request.headers });
        response.writeHead(200, [
          'Content-Type', 'application/json',
          'Connection', 'keep-alive, X-Internal',
          'X-Internal', 'secret',
          'Keep-Alive', 'timeout=5',
          'Proxy-Authenticate', 'Basic',
          'Upgrade', 'h2c',
          'Content-Length', String(Buffer.byteLength(body)),
        ]);
        response.end(body);
      };
    });
    const endpoints = [
      { endpoint: '/all', input_headers: ['*'], backend: [{ host: [backend.url], url_pattern: '/all' }] },
      { endpoint: '/raw', input_headers: ['*'], output_encoding: 'no-op', backend: [{ host: [backend.url], url_pattern: '/raw', encoding: 'no-op' }] },
      { endpoint: '/post', method: 'POST', backend: [{ host: [backend.url], url_pattern: '/post' }] },
    ];
    gateway = await startGateway({ version: 3, endpoints });
    trusting = await startGateway({ version: 3, endpoints, extra_config: { router: { forwarded_by_client_ip: true, trusted_proxies: ['127.0.0.1/32', '::1/128'] } } });
    distrusting = await startGateway({ version: 3, endpoints, extra_config: { router: { forwarded_by_client_ip: true, trusted_proxies: ['10.0.0.0/8'] } } });
  });

  after(() => Promise.all([gateway.close(), trusting.close(), distrusting.close(), backend.close()]));

  const lastSeen = () => seen[seen.length - 1] as { url: string; headers: IncomingHttpHeaders };

  test('hop-by-hop request headers never reach a backend, even with input_headers ["*"]', async () => {
    for (const path of ['/all', '/raw']) {
      const raw = await rawExchange(
        gateway.port,
        `GET ${path} HTTP/1.1\r\nHost: gw\r\nConnection: close, X-Conn-Listed\r\nX-Conn-Listed: drop-me\r\nKeep-Alive: 300\r\nTE: trailers\r\nProxy-Authorization: Basic eDp5\r\nProxy-Connection: keep-alive\r\nUpgrade: websocket\r\nX-Kept: yes\r\n\r\n`,
      );
      assert.equal(statusOf(raw), 200, raw);
      const headers = lastSeen().headers;
      assert.equal(headers['x-kept'], 'yes');
      for (const name of ['x-conn-listed', 'keep-alive', 'te', 'proxy-authorization', 'proxy-connection', 'upgrade']) assert.equal(headers[name], undefined, `${path}: ${name}`);
      // And none of the backend's hop-by-hop headers reach the client.
      const head = raw.slice(0, raw.indexOf('\r\n\r\n')).toLowerCase();
      for (const name of ['keep-alive: timeout', 'proxy-authenticate', 'upgrade: h2c']) assert.ok(!head.includes(name), `${path}: ${name} in ${head}`);
    }
  });

  test('X-Forwarded-For: ignored by default, honoured only from trusted proxies', async () => {
    const spoof = (port: number) => rawExchange(port, 'GET /all HTTP/1.1\r\nHost: gw\r\nConnection: close\r\nX-Forwarded-For: 203.0.113.9, 127.0.0.1\r\n\r\n');
    await spoof(gateway.port);
    assert.equal(lastSeen().headers['x-forwarded-for'], '127.0.0.1');
    await spoof(trusting.port);
    assert.equal(lastSeen().headers['x-forwarded-for'], '203.0.113.9', 'the trusted hop is skipped from the right');
    await spoof(distrusting.port);
    assert.equal(lastSeen().headers['x-forwarded-for'], '127.0.0.1', 'an untrusted peer cannot choose its address');
  });

  test('request smuggling shapes are refused and never reach a backend whole', async () => {
    const before = seen.length;
    const shapes = [
      'POST /post HTTP/1.1\r\nHost: gw\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /all HTTP/1.1\r\nHost: gw\r\n\r\n',
      'POST /post HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n',
      'POST /post HTTP/1.1\r\nHost: gw\r\nContent-Length: 3\r\nContent-Length: 40\r\n\r\nabc',
      'POST /post HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked, identity\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
      'POST /post HTTP/1.1\r\nHost: gw\r\nContent-Length : 3\r\n\r\nabc',
      'POST /post HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding:\r\n chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
      'GET /all HTTP/1.1\r\nHost: gw\r\nHost: other\r\n\r\n',
    ];
    for (const shape of shapes) {
      const raw = await rawExchange(gateway.port, shape);
      assert.equal(statusOf(raw), 400, `${JSON.stringify(shape)} -> ${raw.slice(0, 40)}`);
      assert.equal((raw.match(/HTTP\/1\.1 /g) ?? []).length, 1, 'exactly one answer: nothing smuggled behind it');
    }
    // A body with broken chunking may already be streaming to the backend when the bad chunk arrives: the
    // gateway re-frames bodies and cuts that one, so the backend never gets a whole request from it.
    assert.equal(seen.length, before, 'no backend received a request');
  });

  test('absolute-form targets are routed by path to configured backends only, never to the named host', async () => {
    const victimCalls: string[] = [];
    const victim = await startBackend((request, response) => {
      victimCalls.push(request.url ?? '');
      response.end('victim');
    });
    try {
      const before = seen.length;
      // RFC 9112 §3.2.2: an origin server accepts absolute-form and uses its path, as Go (KrakenD) does.
      const routed = await rawExchange(gateway.port, `GET http://127.0.0.1:${victim.port}/all HTTP/1.1\r\nHost: 127.0.0.1:${victim.port}\r\nConnection: close\r\n\r\n`);
      assert.equal(statusOf(routed), 200);
      assert.equal(seen.length, before + 1);
      assert.equal(lastSeen().url, '/all', 'the configured backend was called, with its own path');
      // Unrouted paths are 404 like any other; targets that are not absolute URLs are 400.
      for (const [target, status] of [[`http://127.0.0.1:${victim.port}/secret`, 404], ['http://example.com/', 404], ['*', 400]] as const) {
        const raw = await rawExchange(gateway.port, `GET ${target} HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n`);
        assert.equal(statusOf(raw), status, `${target}: ${raw.slice(0, 60)}`);
      }
      const tunnel = await rawExchange(gateway.port, `CONNECT 127.0.0.1:${victim.port} HTTP/1.1\r\nHost: 127.0.0.1:${victim.port}\r\n\r\n`);
      assert.ok(statusOf(tunnel) === 0 || statusOf(tunnel) >= 400, tunnel.slice(0, 60));
      assert.deepEqual(victimCalls, [], 'the host named in the target was never contacted');
      assert.equal(seen.length, before + 1);
    } finally {
      await victim.close();
    }
  });
});
