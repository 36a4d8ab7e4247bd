/** Backend encodings: json, safejson, string, no-op; arrays, big integers and gzip. */
import assert from 'node:assert/strict';
import { gzipSync, deflateSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { request } from '../helpers/http.js';
import { sendJson, startBackend, startGateway } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';

describe('backend decoding', () => {
  let backend: RunningServer;
  let gateway: TestGateway;
  before(async () => {
    backend = await startBackend((req, res) => {
      const raw = (status: number, body: string | Buffer, headers: Record<string, string | number> = {}) => {
        res.writeHead(status, { 'Content-Length': Buffer.byteLength(body), ...headers });
        res.end(body);
      };
      switch (req.url) {
        case '/object':
          return sendJson(res, 200, { b: 2, a: { z: 1, y: [3, { d: 1, c: 2 }] } });
        case '/array':
          return sendJson(res, 200, [{ id: 1 }, { id: 2 }]);
        case '/big':
          return raw(200, '{"id":12345678901234567890,"neg":-9007199254740993,"list":[9007199254740993,1.25],"small":42}', { 'Content-Type': 'application/json' });
        case '/literals':
          return raw(200, '{"price":1.50,"e":1E+2,"z":-0,"n":[2.0,3,0.5]}', { 'Content-Type': 'application/json' });
        case '/scalar':
          return raw(200, '"just text"');
        case '/number':
          return raw(200, '42');
        case '/text':
          return raw(200, 'plain <b>text</b> & more', { 'Content-Type': 'text/plain' });
        case '/gzip': {
          const body = gzipSync(JSON.stringify({ compressed: 'yes' }));
          return raw(200, body, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
        }
        case '/deflate': {
          const body = deflateSync(JSON.stringify({ deflated: true }));
          return raw(200, body, { 'Content-Type': 'application/json', 'Content-Encoding': 'deflate' });
        }
        case '/bad-gzip':
          return raw(200, 'not gzip at all', { 'Content-Encoding': 'gzip' });
        case '/invalid':
          return raw(200, '{"unterminated": ', { 'Content-Type': 'application/json' });
        case '/html':
          return raw(200, '{"html":"<script>&</script>"}', { 'Content-Type': 'application/json' });
        default:
          return sendJson(res, 404, {});
      }
    });
    const be = (path: string, extra: Record<string, unknown> = {}) => [{ host: [backend.url], url_pattern: path, ...extra }];
    gateway = await startGateway({
      version: 3,
      endpoints: [
        { endpoint: '/object', backend: be('/object') },
        { endpoint: '/array', backend: be('/array') },
        { endpoint: '/array-is-collection', backend: be('/array', { is_collection: true }) },
        { endpoint: '/object-is-collection', backend: be('/object', { is_collection: true }) },
        { endpoint: '/big', backend: be('/big') },
        { endpoint: '/literals', backend: [...be('/literals'), ...be('/big', { group: 'other' })] },
        { endpoint: '/safe-scalar', backend: be('/scalar', { encoding: 'safejson' }) },
        { endpoint: '/safe-number', backend: be('/number', { encoding: 'safejson' }) },
        { endpoint: '/safe-object', backend: be('/object', { encoding: 'safejson' }) },
        { endpoint: '/safe-array', backend: be('/array', { encoding: 'safejson' }) },
        { endpoint: '/json-scalar', backend: be('/number') },
        { endpoint: '/string', backend: be('/text', { encoding: 'string' }) },
        { endpoint: '/string-out', output_encoding: 'string', backend: be('/text', { encoding: 'string' }) },
        { endpoint: '/gzip', backend: be('/gzip') },
        { endpoint: '/deflate', backend: be('/deflate') },
        { endpoint: '/bad-gzip', backend: be('/bad-gzip') },
        { endpoint: '/invalid', backend: be('/invalid') },
        { endpoint: '/html', backend: be('/html') },
        { endpoint: '/noop-backend', backend: be('/object', { encoding: 'no-op' }) },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('renders a JSON object with keys sorted at every level, like Go', async () => {
    const response = await request(`${gateway.url}/object`);
    assert.equal(response.status, 200);
    assert.equal(response.body, '{"a":{"y":[3,{"c":2,"d":1}],"z":1},"b":2}');
    assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(response.headers['x-krakend-completed'], 'true');
  });

  it('wraps a JSON array as "collection" with is_collection, and fails the backend without it, as lura', async () => {
    assert.equal((await request(`${gateway.url}/array-is-collection`)).body, '{"collection":[{"id":1},{"id":2}]}');
    const refused = await request(`${gateway.url}/array`);
    assert.equal(refused.status, 500);
    assert.equal(refused.headers['x-krakend-completed'], 'false');
    assert.equal(refused.body, '');
  });

  it('fails an is_collection backend that returns an object', async () => {
    const response = await request(`${gateway.url}/object-is-collection`);
    assert.equal(response.status, 500);
  });

  it('keeps integers beyond 2^53 exact', async () => {
    const response = await request(`${gateway.url}/big`);
    assert.equal(response.status, 200);
    assert.equal(response.body, '{"id":12345678901234567890,"list":[9007199254740993,1.25],"neg":-9007199254740993,"small":42}');
  });

  it('keeps every number\'s literal text through the merge, as KrakenD\'s json.Number', async () => {
    const response = await request(`${gateway.url}/literals`);
    assert.equal(response.status, 200);
    assert.equal(response.body, '{"e":1E+2,"n":[2.0,3,0.5],"other":{"id":12345678901234567890,"list":[9007199254740993,1.25],"neg":-9007199254740993,"small":42},"price":1.50,"z":-0}');
  });

  it('safejson wraps scalars as "content" and keeps objects and arrays', async () => {
    assert.equal((await request(`${gateway.url}/safe-scalar`)).body, '{"content":"just text"}');
    assert.equal((await request(`${gateway.url}/safe-number`)).body, '{"content":42}');
    assert.equal((await request(`${gateway.url}/safe-object`)).body, '{"a":{"y":[3,{"c":2,"d":1}],"z":1},"b":2}');
    assert.equal((await request(`${gateway.url}/safe-array`)).body, '{"collection":[{"id":1},{"id":2}]}');
  });

  it('json refuses a scalar body', async () => {
    assert.equal((await request(`${gateway.url}/json-scalar`)).status, 500);
  });

  it('string puts the body in "content"', async () => {
    const response = await request(`${gateway.url}/string`);
    assert.equal(response.body, '{"content":"plain \\u003cb\\u003etext\\u003c/b\\u003e \\u0026 more"}');
    const plain = await request(`${gateway.url}/string-out`);
    assert.equal(plain.body, 'plain <b>text</b> & more');
    assert.equal(plain.headers['content-type'], 'text/plain; charset=utf-8');
  });

  it('escapes <, > and & in JSON output as Go does', async () => {
    assert.equal((await request(`${gateway.url}/html`)).body, '{"html":"\\u003cscript\\u003e\\u0026\\u003c/script\\u003e"}');
  });

  it('decodes gzip and deflate backend responses', async () => {
    const gzip = await request(`${gateway.url}/gzip`);
    assert.equal(gzip.status, 200);
    assert.equal(gzip.body, '{"compressed":"yes"}');
    assert.equal(gzip.headers['content-encoding'], undefined);
    assert.equal((await request(`${gateway.url}/deflate`)).body, '{"deflated":true}');
  });

  it('answers 500 for a body that claims gzip but is not', async () => {
    const response = await request(`${gateway.url}/bad-gzip`);
    assert.equal(response.status, 500);
    assert.equal(response.headers['x-krakend-completed'], 'false');
  });

  it('answers 500 with an empty body for invalid JSON', async () => {
    const response = await request(`${gateway.url}/invalid`);
    assert.equal(response.status, 500);
    assert.equal(response.body, '');
    assert.equal(response.headers['x-krakend-completed'], 'false');
    assert.ok(gateway.log.lines.some((line) => /\[ENDPOINT: \/invalid\].*not valid JSON/.test(line)), 'the failure is logged');
  });

  it('a no-op backend under a json endpoint gives an empty, incomplete object', async () => {
    const response = await request(`${gateway.url}/noop-backend`);
    assert.equal(response.status, 200);
    assert.equal(response.body, '{}');
    assert.equal(response.headers['x-krakend-completed'], 'false');
  });
});
