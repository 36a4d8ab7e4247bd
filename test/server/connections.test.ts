/**
 * The client side of the plain HTTP/1.1 listener: pipelining, keep-alive, idle deadlines, HTTP/1.0 and
 * `Expect`. Run against both servers (Portico's own and node:http's): where they differ, the test says so.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { delay, openSocket, rawExchange, rawStatus, waitFor } from '../helpers/http.js';
import { startRecordingBackend } from '../helpers/recording-backend.js';
import type { RecordingBackend } from '../helpers/recording-backend.js';
import { sendJson, startGateway } from '../helpers/servers.js';
import type { TestGateway } from '../helpers/servers.js';

/** The statuses and bodies of every whole response in `text`, in order (Content-Length framed). */
function responses(text: string): { status: number; body: string }[] {
  const found: { status: number; body: string }[] = [];
  let rest = text;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end === -1) return found;
    const head = rest.slice(0, end);
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    found.push({ status: Number(head.slice(9, 12)), body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
}

for (const httpServer of ['portico', 'node'] as const) {
  describe(`client connections (${httpServer} HTTP/1.1 server)`, () => {
    let backend: RecordingBackend;
    let gateway: TestGateway;
    /** Backend answers the gateway gave up on (their connection closed before they were written). */
    let abandoned = 0;
    before(async () => {
      // Echoes its path; /slow/* answers after 60 ms, /slower after 2.5 s.
      backend = await startRecordingBackend((request, response) => {
        const url = request.url ?? '';
        const wait = url.startsWith('/slower') ? 2_500 : url.startsWith('/slow') ? 60 : 0;
        response.on('close', () => {
          if (!response.writableFinished) abandoned++;
        });
        setTimeout(() => !response.destroyed && sendJson(response, 200, { path: url }), wait);
      });
      gateway = await startGateway(
        {
          version: 3,
          idle_timeout: '1s',
          read_header_timeout: '1s',
          timeout: '3s',
          endpoints: [
            { endpoint: '/slow/{n}', backend: [{ host: [backend.url], url_pattern: '/slow/{n}' }] },
            { endpoint: '/fast/{n}', backend: [{ host: [backend.url], url_pattern: '/fast/{n}' }] },
            { endpoint: '/slower', backend: [{ host: [backend.url], url_pattern: '/slower' }] },
            { endpoint: '/upload', method: 'POST', backend: [{ host: [backend.url], url_pattern: '/upload' }] },
            { endpoint: '/head', input_headers: ['*'], input_query_strings: ['*'], backend: [{ host: [backend.url], url_pattern: '/head' }] },
          ],
        },
        { httpServer },
      );
    });
    after(async () => {
      await gateway.close();
      await backend.close();
    });

    it('answers pipelined requests in the order they were sent, a slow one holding back those after it', async () => {
      const paths = Array.from({ length: 12 }, (_, n) => (n % 3 === 0 ? `/slow/${n}` : `/fast/${n}`));
      const chunk = paths.map((path, n) => `GET ${path} HTTP/1.1\r\nHost: gw\r\n${n === paths.length - 1 ? 'Connection: close\r\n' : ''}\r\n`).join('');
      const result = await rawExchange(gateway.port, [chunk], { waitMs: 5_000 });
      assert.equal(result.closed, true);
      const answered = responses(result.text);
      assert.deepEqual(
        answered.map((answer) => answer.status),
        paths.map(() => 200),
      );
      assert.deepEqual(
        answered.map((answer) => (JSON.parse(answer.body) as { path: string }).path),
        paths,
      );
    });

    it('answers a flood of 1,000 pipelined requests, all of them, in order', async () => {
      const count = 1_000;
      const chunk = Array.from({ length: count }, (_, n) => `GET /fast/${n} HTTP/1.1\r\nHost: gw\r\n${n === count - 1 ? 'Connection: close\r\n' : ''}\r\n`).join('');
      const result = await rawExchange(gateway.port, [chunk], { waitMs: 20_000 });
      assert.equal(result.closed, true);
      const paths = responses(result.text).map((answer) => (JSON.parse(answer.body) as { path: string }).path);
      assert.equal(paths.length, count);
      assert.deepEqual(
        paths,
        Array.from({ length: count }, (_, n) => `/fast/${n}`),
      );
    });

    it('keeps every line of a long head that arrives in pieces, and the whole target', async () => {
      const query = Array.from({ length: 40 }, (_, n) => `q${String(n).padStart(2, '0')}=${'v'.repeat(20)}`).join('&');
      const lines = Array.from({ length: 100 }, (_, n) => `X-Line-${n}: value-${n}\r\n`).join('');
      const head = `GET /head?${query} HTTP/1.1\r\nHost: gw\r\n${lines}Connection: close\r\n\r\n`;
      const pieces = head.match(/[\s\S]{1,97}/g) ?? [];
      const result = await rawExchange(gateway.port, pieces, { waitMs: 5_000, gapMs: 2 });
      assert.equal(rawStatus(result.text), 200, result.text);
      const seen = backend.lastHeaders();
      for (let n = 0; n < 100; n++) assert.deepEqual(seen[`x-line-${n}`], [`value-${n}`], `header line ${n}`);
      assert.equal(backend.requests.at(-1)?.url, `/head?${query}`);
    });

    it('closes a keep-alive connection idle for idle_timeout (and node:http\'s 1 s of grace), not sooner', async () => {
      const socket = await openSocket(gateway.port);
      socket.on('error', () => undefined);
      let closedAt = 0;
      socket.on('close', () => (closedAt = performance.now()));
      socket.write('GET /fast/1 HTTP/1.1\r\nHost: gw\r\n\r\n');
      await once(socket, 'data');
      const answeredAt = performance.now();
      await delay(600);
      assert.equal(closedAt, 0, 'still open 600 ms after the answer');
      socket.write('GET /fast/2 HTTP/1.1\r\nHost: gw\r\n\r\n');
      await once(socket, 'data');
      const reusedAt = performance.now();
      assert.ok(reusedAt - answeredAt > 600);
      await new Promise((resolve) => socket.once('close', resolve));
      const idleMs = closedAt - reusedAt;
      assert.ok(idleMs >= 1_900 && idleMs < 3_200, `closed ${Math.round(idleMs)} ms after the last answer (idle_timeout 1 s + 1 s)`);
    });

    it('does not cut a request whose answer takes longer than idle_timeout and its grace', async () => {
      const result = await rawExchange(gateway.port, ['GET /slower HTTP/1.1\r\nHost: gw\r\n\r\n'], { waitMs: 4_000, untilResponse: true });
      assert.equal(rawStatus(result.text), 200, result.text);
    });

    it('cancels the request of a client that half-closes its connection, as Go cancels its context', async () => {
      const socket = await openSocket(gateway.port);
      socket.on('error', () => undefined);
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      const abandonedBefore = abandoned;
      socket.end('GET /slower HTTP/1.1\r\nHost: gw\r\n\r\n');
      await once(socket, 'close');
      assert.ok(await waitFor(() => abandoned === abandonedBefore + 1, 1_500), 'the backend call was cancelled before its answer (2.5 s)');
      assert.equal(text, '', 'no answer');
    });

    it('keeps an HTTP/1.0 connection that asks for keep-alive, and closes one that does not', async () => {
      const kept = await rawExchange(gateway.port, ['GET /fast/1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n', 'GET /fast/2 HTTP/1.0\r\n\r\n'], { waitMs: 3_000, gapMs: 200 });
      assert.deepEqual(
        responses(kept.text).map((answer) => answer.body),
        ['{"path":"/fast/1"}', '{"path":"/fast/2"}'],
      );
      assert.equal(kept.closed, true, 'closed after the answer to the request without keep-alive');
      const closed = await rawExchange(gateway.port, ['GET /fast/3 HTTP/1.0\r\n\r\n'], { waitMs: 3_000 });
      assert.equal(rawStatus(closed.text), 200);
      assert.equal(closed.closed, true);
      assert.ok(closed.elapsedMs < 900, `closed with the answer, not by the idle timeout (${closed.elapsedMs} ms)`);
    });

    it('sends 100 Continue to Expect: 100-continue before the body, and 417 to any other expectation', async () => {
      const socket = await openSocket(gateway.port);
      socket.on('error', () => undefined);
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      socket.write('POST /upload HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: 7\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n');
      await delay(300);
      assert.match(text, /^HTTP\/1\.1 100 Continue\r\n\r\n$/, 'only the interim answer before the body');
      socket.write('{"a":1}');
      await once(socket, 'close');
      assert.match(text, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
      assert.equal(backend.requests.at(-1)?.body, '{"a":1}');

      const refused = await rawExchange(gateway.port, ['POST /upload HTTP/1.1\r\nHost: gw\r\nContent-Length: 2\r\nExpect: something-else\r\n\r\n{}'], { waitMs: 2_000, untilResponse: true });
      assert.equal(rawStatus(refused.text), 417);
    });

    it('answers 408 to a connection that sends nothing, at read_header_timeout, and closes it', async () => {
      const result = await rawExchange(gateway.port, [], { waitMs: 3_500 });
      assert.equal(rawStatus(result.text), 408, result.text);
      assert.equal(result.closed, true);
      assert.ok(result.elapsedMs >= 950, `closed after ${result.elapsedMs} ms`);
    });

    it('closes a connection whose body stalls after the gateway answered it, after idle_timeout and its grace', async () => {
      const result = await rawExchange(gateway.port, ['POST /upload HTTP/1.1\r\nHost: gw\r\nContent-Length: 10\r\n\r\nab'], { waitMs: 9_000 });
      assert.ok(rawStatus(result.text) >= 400, `answered at the endpoint timeout: ${result.text}`);
      assert.equal(result.closed, true, 'closed, not held open by the client');
      assert.ok(result.elapsedMs < 7_500, `closed after ${result.elapsedMs} ms`);
    });
  });
}
