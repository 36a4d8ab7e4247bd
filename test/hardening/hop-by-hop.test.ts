/** Hop-by-hop headers never reach a backend, whatever input_headers says. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rawExchange, rawStatus } from '../helpers/http.js';
import { startRecordingBackend } from '../helpers/recording-backend.js';
import type { RecordingBackend } from '../helpers/recording-backend.js';
import { startGateway } from '../helpers/servers.js';
import type { TestGateway } from '../helpers/servers.js';

const HOP_BY_HOP = ['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authorization', 'proxy-connection', 'proxy-custom', 'x-named-by-connection', 'x-also-named'];

describe('hop-by-hop headers', () => {
  let backend: RecordingBackend;
  let gateway: TestGateway;
  before(async () => {
    backend = await startRecordingBackend();
    gateway = await startGateway({
      version: 3,
      endpoints: [
        { endpoint: '/all', input_headers: ['*'], backend: [{ host: [backend.url], url_pattern: '/all' }] },
        { endpoint: '/post', method: 'POST', input_headers: ['*'], backend: [{ host: [backend.url], url_pattern: '/post' }] },
        {
          endpoint: '/listed',
          input_headers: ['Connection', 'Keep-Alive', 'TE', 'Trailer', 'Upgrade', 'Proxy-Authorization', 'Transfer-Encoding', 'X-Kept'],
          backend: [{ host: [backend.url], url_pattern: '/listed' }],
        },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  const hostile =
    'Connection: keep-alive, X-Named-By-Connection, x-also-named\r\n' +
    'X-Named-By-Connection: secret\r\n' +
    'X-Also-Named: secret\r\n' +
    'Keep-Alive: timeout=99\r\n' +
    'TE: trailers\r\n' +
    'Trailer: X-Checksum\r\n' +
    'Upgrade: websocket\r\n' +
    'Proxy-Authorization: Basic c2VjcmV0\r\n' +
    'Proxy-Connection: keep-alive\r\n' +
    'Proxy-Custom: 1\r\n' +
    'X-Kept: yes\r\n';

  function forwardedNames(): string[] {
    return Object.keys(backend.lastHeaders());
  }

  it('drops every hop-by-hop header with input_headers ["*"]', async () => {
    const result = await rawExchange(gateway.port, [`GET /all HTTP/1.1\r\nHost: gw\r\n${hostile}\r\n`], { waitMs: 2_000, untilResponse: true });
    assert.equal(rawStatus(result.text), 200);
    const names = forwardedNames();
    for (const name of HOP_BY_HOP) assert.ok(!names.includes(name), `${name} must not reach the backend`);
    assert.deepEqual(backend.lastHeaders()['x-kept'], ['yes'], 'ordinary headers still pass with "*"');
  });

  it('drops hop-by-hop headers even when listed by name', async () => {
    const result = await rawExchange(gateway.port, [`GET /listed HTTP/1.1\r\nHost: gw\r\n${hostile}\r\n`], { waitMs: 2_000, untilResponse: true });
    assert.equal(rawStatus(result.text), 200);
    const names = forwardedNames();
    for (const name of HOP_BY_HOP) assert.ok(!names.includes(name), `${name} must not reach the backend`);
    assert.deepEqual(backend.lastHeaders()['x-kept'], ['yes']);
  });

  it('does not pass the client Transfer-Encoding of a chunked body; the gateway frames it itself', async () => {
    const result = await rawExchange(
      gateway.port,
      [`POST /post HTTP/1.1\r\nHost: gw\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nTE: trailers\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n`],
      { waitMs: 2_000, untilResponse: true },
    );
    assert.equal(rawStatus(result.text), 200);
    const last = backend.requests.at(-1);
    assert.equal(last?.body, 'hello world');
    const te = backend.lastHeaders()['transfer-encoding'] ?? [];
    const cl = backend.lastHeaders()['content-length'] ?? [];
    assert.equal(te.length + cl.length, 1, 'exactly one framing header, set by the gateway');
    assert.equal(backend.lastHeaders()['te'], undefined);
  });
});
