/** Request bodies reach the backend whole, framed by the gateway. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rawExchange, rawStatus, request } from '../helpers/http.js';
import { startRecordingBackend } from '../helpers/recording-backend.js';
import type { RecordingBackend } from '../helpers/recording-backend.js';
import { startGateway } from '../helpers/servers.js';
import type { TestGateway } from '../helpers/servers.js';

describe('request bodies', () => {
  let backend: RecordingBackend;
  let gateway: TestGateway;
  before(async () => {
    backend = await startRecordingBackend();
    const be = (path: string, extra: Record<string, unknown> = {}) => ({ host: [backend.url], url_pattern: path, ...extra });
    gateway = await startGateway({
      version: 3,
      endpoints: [
        { endpoint: '/post', method: 'POST', input_headers: ['Content-Type', 'Content-Length'], backend: [be('/post')] },
        { endpoint: '/post-default', method: 'POST', backend: [be('/post-default')] },
        { endpoint: '/put', method: 'PUT', input_headers: ['Content-Length'], backend: [be('/put')] },
        { endpoint: '/empty', method: 'POST', backend: [be('/empty')] },
        { endpoint: '/get-with-body', backend: [be('/get')] },
        { endpoint: '/to-get', method: 'POST', backend: [be('/as-get', { method: 'GET' })] },
        {
          endpoint: '/sequential',
          method: 'POST',
          extra_config: { proxy: { sequential: true } },
          backend: [be('/first', { method: 'GET' }), be('/second')],
        },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('forwards a POST body with its Content-Length when Content-Length is an input header', async () => {
    const body = JSON.stringify({ name: 'Ada', text: 'é'.repeat(100) });
    const response = await request(`${gateway.url}/post`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal(response.status, 200);
    const last = backend.requests.at(-1);
    assert.equal(last?.method, 'POST');
    assert.equal(last?.body, body);
    assert.deepEqual(backend.lastHeaders()['content-length'], [String(Buffer.byteLength(body))]);
    assert.equal(backend.lastHeaders()['transfer-encoding'], undefined);
  });

  it('forwards a POST body chunked by default, as lura does', async () => {
    const response = await request(`${gateway.url}/post-default`, { method: 'POST', body: 'abc' });
    assert.equal(response.status, 200);
    assert.equal(backend.requests.at(-1)?.body, 'abc');
    assert.deepEqual(backend.lastHeaders()['transfer-encoding'], ['chunked']);
  });

  it('forwards a chunked client body whole', async () => {
    const result = await rawExchange(
      gateway.port,
      ['PUT /put HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n4\r\nabcd\r\n', '3\r\nefg\r\n0\r\n\r\n'],
      { gapMs: 50, untilResponse: true },
    );
    assert.equal(rawStatus(result.text), 200);
    assert.equal(backend.requests.at(-1)?.method, 'PUT');
    assert.equal(backend.requests.at(-1)?.body, 'abcdefg');
  });

  it('forwards a large body intact', async () => {
    const body = 'x'.repeat(3 << 20);
    const response = await request(`${gateway.url}/post`, { method: 'POST', body, timeoutMs: 10_000 });
    assert.equal(response.status, 200);
    assert.equal(backend.requests.at(-1)?.body.length, body.length);
  });

  it('sends Content-Length: 0 for a POST without a body', async () => {
    const response = await request(`${gateway.url}/empty`, { method: 'POST' });
    assert.equal(response.status, 200);
    assert.deepEqual(backend.lastHeaders()['content-length'], ['0']);
    assert.equal(backend.requests.at(-1)?.body, '');
  });

  it('does not forward a body to a GET backend', async () => {
    const response = await request(`${gateway.url}/to-get`, { method: 'POST', body: 'ignored' });
    assert.equal(response.status, 200);
    assert.equal(backend.requests.at(-1)?.method, 'GET');
    assert.equal(backend.requests.at(-1)?.body, '');
  });

  it('gives the same body to each backend of a multi-backend endpoint', async () => {
    const before = backend.requests.length;
    const response = await request(`${gateway.url}/sequential`, { method: 'POST', body: 'shared' });
    assert.equal(response.status, 200);
    const calls = backend.requests.slice(before);
    const second = calls.find((call) => call.url === '/second');
    assert.equal(second?.method, 'POST');
    assert.equal(second?.body, 'shared');
    assert.deepEqual(
      calls.map((call) => call.url).sort(),
      ['/first', '/second'],
    );
  });
});
