/** Backends see exactly the headers KrakenD sends: the allowed ones plus the gateway's own, nothing more. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PORTICO_VERSION } from '../../src/version.js';
import { headerNames, rawExchange, rawStatus, request } from '../helpers/http.js';
import { startRecordingBackend } from '../helpers/recording-backend.js';
import type { RecordingBackend } from '../helpers/recording-backend.js';
import { startGateway } from '../helpers/servers.js';
import type { TestGateway } from '../helpers/servers.js';

const USER_AGENT = `KrakenD Version ${PORTICO_VERSION}`;

describe('headers sent to backends', () => {
  let backend: RecordingBackend;
  let gateway: TestGateway;
  before(async () => {
    backend = await startRecordingBackend();
    const be = (path: string, extra: Record<string, unknown> = {}) => [{ host: [backend.url], url_pattern: path, ...extra }];
    gateway = await startGateway({
      version: 3,
      endpoints: [
        { endpoint: '/default', method: 'POST', backend: be('/default') },
        { endpoint: '/listed', input_headers: ['X-Tenant', 'authorization'], backend: be('/listed') },
        { endpoint: '/ua', input_headers: ['User-Agent'], backend: be('/ua') },
        { endpoint: '/ae', input_headers: ['Accept-Encoding'], backend: be('/ae') },
        { endpoint: '/all', input_headers: ['*'], backend: be('/all') },
        { endpoint: '/per-backend', input_headers: ['X-A', 'X-B'], backend: be('/per-backend', { input_headers: ['X-B'] }) },
        { endpoint: '/spoof', input_headers: ['*'], backend: be('/spoof') },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('sends only Host, X-Forwarded-For, X-Forwarded-Host, User-Agent, Accept-Encoding, Content-Type and the body framing by default', async () => {
    const response = await request(`${gateway.url}/default`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer secret', cookie: 'a=1', 'x-tenant': 't1', accept: 'text/html', 'user-agent': 'curl/8' },
      body: '{"x":1}',
    });
    assert.equal(response.status, 200);
    // lura sends the body chunked unless Content-Length is an input header (see body.test.ts).
    assert.deepEqual(headerNames(backend.requests.at(-1)?.rawHeaders ?? []), [
      'accept-encoding',
      'content-type',
      'host',
      'transfer-encoding',
      'user-agent',
      'x-forwarded-for',
      'x-forwarded-host',
    ]);
    const headers = backend.lastHeaders();
    assert.deepEqual(headers['host'], [`127.0.0.1:${backend.port}`], 'Host is the backend, not the client host');
    assert.deepEqual(headers['x-forwarded-host'], [`127.0.0.1:${gateway.port}`]);
    assert.deepEqual(headers['x-forwarded-for'], ['127.0.0.1']);
    assert.deepEqual(headers['user-agent'], [USER_AGENT]);
    assert.deepEqual(headers['accept-encoding'], ['gzip']);
    assert.deepEqual(headers['content-type'], ['application/json']);
    assert.deepEqual(headers['transfer-encoding'], ['chunked']);
    assert.equal(backend.requests.at(-1)?.body, '{"x":1}');
  });

  it('sends exactly Host, X-Forwarded-For, X-Forwarded-Host, User-Agent and Accept-Encoding for a GET', async () => {
    await request(`${gateway.url}/listed`, { headers: { accept: '*/*', cookie: 'a=1' } });
    assert.deepEqual(headerNames(backend.requests.at(-1)?.rawHeaders ?? []), ['accept-encoding', 'host', 'user-agent', 'x-forwarded-for', 'x-forwarded-host']);
  });

  it('sends no Connection header on a kept-alive backend connection', async () => {
    await request(`${gateway.url}/default`, { method: 'POST', headers: { connection: 'keep-alive' }, body: '' });
    assert.equal(backend.lastHeaders()['connection'], undefined);
    assert.equal(backend.lastHeaders()['keep-alive'], undefined);
  });

  it('passes the listed input_headers, matching names case-insensitively', async () => {
    await request(`${gateway.url}/listed`, { headers: { 'x-tenant': 't1', Authorization: 'Bearer abc', 'x-other': 'no', cookie: 'c=1' } });
    const headers = backend.lastHeaders();
    assert.deepEqual(headers['x-tenant'], ['t1']);
    assert.deepEqual(headers['authorization'], ['Bearer abc']);
    assert.equal(headers['x-other'], undefined);
    assert.equal(headers['cookie'], undefined);
    assert.equal(headers['content-type'], undefined, 'Content-Type passes only by default or when listed');
  });

  it("forwards the client's User-Agent when listed, adding X-Forwarded-Via", async () => {
    await request(`${gateway.url}/ua`, { headers: { 'user-agent': 'my-client/1.0' } });
    const headers = backend.lastHeaders();
    assert.deepEqual(headers['user-agent'], ['my-client/1.0']);
    assert.deepEqual(headers['x-forwarded-via'], [USER_AGENT]);
  });

  it('sends its own User-Agent and no X-Forwarded-Via when the client sends none', async () => {
    await rawExchange(gateway.port, ['GET /ua HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n'], { untilResponse: true });
    const headers = backend.lastHeaders();
    assert.deepEqual(headers['user-agent'], [USER_AGENT]);
    assert.equal(headers['x-forwarded-via'], undefined);
  });

  it("passes the client's Accept-Encoding instead of gzip when listed", async () => {
    await request(`${gateway.url}/ae`, { headers: { 'accept-encoding': 'br' } });
    assert.deepEqual(backend.lastHeaders()['accept-encoding'], ['br']);
  });

  it('passes every header but the hop-by-hop ones with "*", keeping repeated values', async () => {
    const result = await rawExchange(
      gateway.port,
      ['GET /all HTTP/1.1\r\nHost: gw\r\nX-Multi: one\r\nX-Multi: two\r\nAccept: application/json\r\nConnection: close\r\n\r\n'],
      { untilResponse: true },
    );
    assert.equal(rawStatus(result.text), 200);
    const headers = backend.lastHeaders();
    assert.deepEqual(headers['x-multi'], ['one', 'two']);
    assert.deepEqual(headers['accept'], ['application/json']);
    assert.deepEqual(headers['host'], [`127.0.0.1:${backend.port}`]);
    assert.equal(headers['connection'], undefined);
  });

  it('applies a backend input_headers filter after the endpoint one', async () => {
    await request(`${gateway.url}/per-backend`, { headers: { 'x-a': 'a', 'x-b': 'b' } });
    const headers = backend.lastHeaders();
    assert.deepEqual(headers['x-b'], ['b']);
    assert.equal(headers['x-a'], undefined);
  });

  it("a backend input_headers filter without User-Agent leaves Go's client default, as in lura", async () => {
    await request(`${gateway.url}/per-backend`, { headers: { 'x-b': 'b', 'user-agent': 'client/1' } });
    const headers = backend.lastHeaders();
    // lura's filter drops the gateway's `KrakenD Version` value too; Go's transport then sends its own.
    assert.deepEqual(headers['user-agent'], ['Go-http-client/1.1']);
    assert.equal(headers['x-forwarded-for'], undefined);
  });

  it('never lets a client set X-Forwarded-For, X-Forwarded-Via or the backend Host, even with "*"', async () => {
    await request(`${gateway.url}/spoof`, {
      headers: { 'x-forwarded-for': '6.6.6.6', 'x-forwarded-host': 'evil', 'x-forwarded-via': 'evil', host: 'evil.example' },
    });
    const headers = backend.lastHeaders();
    assert.deepEqual(headers['x-forwarded-for'], ['127.0.0.1']);
    assert.deepEqual(headers['x-forwarded-host'], ['evil.example'], 'X-Forwarded-Host is the Host the client used');
    assert.equal(headers['x-forwarded-via'], undefined);
    assert.deepEqual(headers['host'], [`127.0.0.1:${backend.port}`]);
  });
});
