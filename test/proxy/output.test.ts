/** Output encodings: json, json-collection, string and the no-op passthrough. */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { request } from '../helpers/http.js';
import { sendJson, startBackend, startGateway } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';

describe('output encodings', () => {
  let backend: RunningServer;
  let gateway: TestGateway;
  let releaseStream: (() => void) | undefined;
  before(async () => {
    backend = await startBackend((req, res) => {
      switch (req.url) {
        case '/object':
          return sendJson(res, 200, { b: 1, a: 'x' });
        case '/list':
          return sendJson(res, 200, [3, 1, 2]);
        case '/text':
          res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '11' });
          return res.end('hello world');
        case '/passthrough':
          res.setHeader('Set-Cookie', ['session=abc; HttpOnly', 'theme=dark']);
          res.writeHead(404, {
            'Content-Type': 'application/vnd.custom',
            'Content-Length': '9',
            'X-Backend': 'yes',
            'Cache-Control': 'no-store',
            Connection: 'keep-alive, X-Conn-Only',
            'Keep-Alive': 'timeout=5',
            'X-Conn-Only': 'secret',
          });
          return res.end('not found');
        case '/stream':
          res.writeHead(200, { 'Content-Type': 'text/event-stream' });
          res.write('first\n');
          releaseStream = () => res.end('second\n');
          return;
        case '/empty':
          res.writeHead(204);
          return res.end();
        default:
          return sendJson(res, 500, {});
      }
    });
    const be = (path: string, extra: Record<string, unknown> = {}) => [{ host: [backend.url], url_pattern: path, ...extra }];
    gateway = await startGateway({
      version: 3,
      endpoints: [
        { endpoint: '/json', output_encoding: 'json', backend: be('/object') },
        { endpoint: '/collection', output_encoding: 'json-collection', backend: be('/list', { is_collection: true }) },
        { endpoint: '/collection-of-object', output_encoding: 'json-collection', backend: be('/object') },
        { endpoint: '/string', output_encoding: 'string', backend: be('/text', { encoding: 'string' }) },
        { endpoint: '/string-of-json', output_encoding: 'string', backend: be('/object') },
        { endpoint: '/noop', output_encoding: 'no-op', backend: be('/passthrough') },
        { endpoint: '/noop-stream', output_encoding: 'no-op', timeout: '5s', backend: be('/stream') },
        { endpoint: '/noop-empty', output_encoding: 'no-op', backend: be('/empty') },
      ],
    });
  });
  after(async () => {
    releaseStream?.();
    await gateway.close();
    await backend.close();
  });

  it('json renders the merged data with sorted keys', async () => {
    const response = await request(`${gateway.url}/json`);
    assert.equal(response.body, '{"a":"x","b":1}');
    assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
  });

  it('json-collection renders "collection" as a bare array, [] when there is none', async () => {
    assert.equal((await request(`${gateway.url}/collection`)).body, '[3,1,2]');
    const none = await request(`${gateway.url}/collection-of-object`);
    assert.equal(none.status, 200);
    assert.equal(none.body, '[]');
  });

  it('string renders "content" as text, "" when it is not a string', async () => {
    const text = await request(`${gateway.url}/string`);
    assert.equal(text.body, 'hello world');
    assert.equal(text.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal((await request(`${gateway.url}/string-of-json`)).body, '');
  });

  it('no-op passes status, headers (both Set-Cookie values) and body through', async () => {
    const response = await request(`${gateway.url}/noop`);
    assert.equal(response.status, 404);
    assert.equal(response.body, 'not found');
    assert.equal(response.headers['content-type'], 'application/vnd.custom');
    assert.equal(response.headers['x-backend'], 'yes');
    assert.equal(response.headers['cache-control'], 'no-store');
    assert.deepEqual(response.headers['set-cookie'], ['session=abc; HttpOnly', 'theme=dark']);
    assert.equal(response.headers['x-krakend-completed'], 'false');
    assert.match(String(response.headers['x-krakend']), /^Version /);
    assert.equal(response.headers['x-conn-only'], undefined, 'headers named by the backend Connection header stay behind');
    assert.notEqual(response.headers['keep-alive'], 'timeout=5', "the backend's Keep-Alive is not passed on");
  });

  it('no-op streams the body as the backend sends it', async () => {
    const firstChunk = await new Promise<{ status: number; chunk: string; rest: Promise<string> }>((resolve, reject) => {
      const req = httpRequest(`${gateway.url}/noop-stream`, { agent: false }, (res) => {
        res.setEncoding('utf8');
        res.once('data', (chunk: string) => {
          let rest = '';
          resolve({
            status: res.statusCode ?? 0,
            chunk,
            rest: new Promise((done) => {
              res.on('data', (more: string) => (rest += more));
              res.on('end', () => done(rest));
            }),
          });
        });
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(firstChunk.status, 200);
    assert.equal(firstChunk.chunk, 'first\n', 'the first chunk arrives while the backend is still writing');
    assert.ok(releaseStream, 'the backend is still holding the response open');
    releaseStream();
    assert.equal(await firstChunk.rest, 'second\n');
  });

  it('no-op passes a bodiless status', async () => {
    const response = await request(`${gateway.url}/noop-empty`);
    assert.equal(response.status, 204);
    assert.equal(response.body, '');
  });
});
