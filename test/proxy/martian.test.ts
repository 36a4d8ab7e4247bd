/** `modifier/martian` through the whole gateway: each modifier family on a real backend, groups, filters, errors. */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { request } from '../helpers/http.js';
import { startRecordingBackend } from '../helpers/recording-backend.js';
import type { RecordingBackend } from '../helpers/recording-backend.js';
import { sendJson, startBackend, startGateway } from '../helpers/servers.js';
import type { TestGateway } from '../helpers/servers.js';

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closers) await close();
});

async function backend(answer?: Parameters<typeof startRecordingBackend>[0]): Promise<RecordingBackend> {
  const started = await startRecordingBackend(answer);
  closers.push(() => started.close());
  return started;
}

async function gateway(endpoints: Record<string, unknown>[]): Promise<TestGateway> {
  const gw = await startGateway({ version: 3, endpoints });
  closers.push(() => gw.close());
  return gw;
}

function martian(host: string, block: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { host: [host], url_pattern: '/upstream', extra_config: { 'modifier/martian': block }, ...extra };
}

describe('modifier/martian', () => {
  it('edits the backend request: headers, Host, query, cookie, stash (fifo.Group)', async () => {
    const up = await backend();
    const gw = await gateway([
      {
        endpoint: '/edit',
        input_headers: ['X-Drop', 'X-Keep'],
        input_query_strings: ['a'],
        backend: [
          martian(up.url, {
            'fifo.Group': {
              scope: ['request', 'response'],
              modifiers: [
                { 'header.Modifier': { scope: ['request'], name: 'X-Added', value: 'yes' } },
                { 'header.Append': { scope: ['request'], name: 'X-Keep', value: 'second' } },
                { 'header.Blacklist': { scope: ['request'], names: ['X-Drop'] } },
                { 'header.Modifier': { scope: ['request'], name: 'Host', value: 'virtual.example' } },
                { 'querystring.Modifier': { name: 'added', value: 'x y' } },
                { 'cookie.Modifier': { scope: ['request'], name: 'sid', value: 'abc' } },
                { 'stash.Modifier': { scope: ['request'], headerName: 'X-Stash' } },
              ],
            },
          }),
        ],
      },
    ]);
    const response = await request(`${gw.url}/edit?a=1&b=2`, { headers: { 'X-Drop': 'secret', 'X-Keep': 'first' } });
    assert.equal(response.status, 200);
    const seen = up.lastHeaders();
    assert.equal(up.requests[0]?.url, '/upstream?a=1&added=x+y');
    assert.deepEqual(seen['x-added'], ['yes']);
    assert.deepEqual(seen['x-keep'], ['first', 'second']);
    assert.equal(seen['x-drop'], undefined);
    assert.deepEqual(seen['host'], ['virtual.example']);
    assert.deepEqual(seen['cookie'], ['sid=abc']);
    assert.deepEqual(seen['x-stash'], [`${up.url}/upstream?a=1&added=x+y`]);
  });

  it('edits a no-op backend response: headers, Set-Cookie, status, body; the stash comes back', async () => {
    const up = await backend((_request, response) => {
      response.setHeader('Server', 'backend/1.0');
      response.setHeader('Content-Type', 'application/json');
      response.statusCode = 404;
      response.end('{"missing":true}');
    });
    const gw = await gateway([
      {
        endpoint: '/passthrough',
        output_encoding: 'no-op',
        backend: [
          martian(
            up.url,
            {
              'fifo.Group': {
                modifiers: [
                  { 'header.Blacklist': { scope: ['response'], names: ['Server'] } },
                  { 'header.Modifier': { scope: ['response'], name: 'X-Gateway', value: 'portico' } },
                  { 'cookie.Modifier': { scope: ['response'], name: 'seen', value: '1', path: '/', httpOnly: true } },
                  { 'status.Modifier': { scope: ['response'], statusCode: 200 } },
                  { 'body.Modifier': { scope: ['response'], contentType: 'text/plain', body: Buffer.from('replaced').toString('base64') } },
                  { 'stash.Modifier': { headerName: 'X-Stash' } },
                ],
              },
            },
            { encoding: 'no-op' },
          ),
        ],
      },
    ]);
    const response = await request(`${gw.url}/passthrough`);
    assert.equal(response.status, 200);
    assert.equal(response.body, 'replaced');
    assert.equal(response.headers['server'], undefined);
    assert.equal(response.headers['x-gateway'], 'portico');
    assert.equal(response.headers['content-type'], 'text/plain');
    assert.deepEqual(response.headers['set-cookie'], ['seen=1; Path=/; HttpOnly']);
    assert.equal(response.headers['x-stash'], `${up.url}/upstream`);
  });

  it('replaces bodies before decoding and sends a replaced request body', async () => {
    const up = await backend((_request, response) => sendJson(response, 200, { original: true }));
    const gw = await gateway([
      {
        endpoint: '/bodies',
        method: 'POST',
        backend: [
          martian(
            up.url,
            {
              'fifo.Group': {
                modifiers: [
                  { 'body.Modifier': { scope: ['request'], contentType: 'application/json', body: Buffer.from('{"sent":"by martian"}').toString('base64') } },
                  { 'body.Modifier': { scope: ['response'], contentType: 'application/json', body: Buffer.from('{"answer":42}').toString('base64') } },
                ],
              },
            },
            { method: 'POST' },
          ),
        ],
      },
    ]);
    const response = await request(`${gw.url}/bodies`, { method: 'POST', body: '{"from":"client"}', headers: { 'content-type': 'application/json' } });
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.body), { answer: 42 });
    assert.equal(up.requests[0]?.body, '{"sent":"by martian"}');
    assert.deepEqual(up.lastHeaders()['content-length'], [String('{"sent":"by martian"}'.length)]);
  });

  it('url.Modifier and port.Modifier send the call elsewhere', async () => {
    const first = await backend((_request, response) => sendJson(response, 200, { from: 'first' }));
    const second = await backend((_request, response) => sendJson(response, 200, { from: 'second' }));
    const gw = await gateway([
      { endpoint: '/url', backend: [martian(first.url, { 'url.Modifier': { host: `127.0.0.1:${second.port}`, path: '/moved', query: 'q=1' } })] },
      { endpoint: '/port', backend: [martian(first.url, { 'port.Modifier': { port: second.port } })] },
    ]);
    assert.deepEqual(JSON.parse((await request(`${gw.url}/url`)).body), { from: 'second' });
    assert.equal(second.requests[0]?.url, '/moved?q=1');
    // Go's client keeps the Host header the request was built with.
    assert.deepEqual(second.lastHeaders()['host'], [`127.0.0.1:${first.port}`]);
    assert.deepEqual(JSON.parse((await request(`${gw.url}/port`)).body), { from: 'second' });
    assert.equal(first.requests.length, 0);
  });

  it('filters pick the nested modifier or its else: header, query, url, port, regex', async () => {
    const up = await backend();
    const tag = (name: string, value: string): Record<string, unknown> => ({ 'header.Modifier': { scope: ['request'], name, value } });
    const gw = await gateway([
      {
        endpoint: '/filters',
        input_headers: ['X-Tier', 'User-Agent'],
        input_query_strings: ['debug'],
        backend: [
          martian(up.url, {
            'fifo.Group': {
              scope: ['request'],
              modifiers: [
                { 'header.Filter': { scope: ['request'], name: 'X-Tier', value: 'gold', modifier: tag('X-Header-Filter', 'then'), else: tag('X-Header-Filter', 'else') } },
                { 'querystring.Filter': { scope: ['request'], name: 'debug', modifier: tag('X-Query-Filter', 'then'), else: tag('X-Query-Filter', 'else') } },
                { 'url.Filter': { scope: ['request'], path: '/upstream', modifier: tag('X-Url-Filter', 'then') } },
                { 'port.Filter': { scope: ['request'], port: up.port, modifier: tag('X-Port-Filter', 'then') } },
                { 'header.RegexFilter': { scope: ['request'], header: 'User-Agent', regex: '^curl/', modifier: tag('X-Regex-Filter', 'then') } },
              ],
            },
          }),
        ],
      },
    ]);
    await request(`${gw.url}/filters?debug=1`, { headers: { 'X-Tier': 'gold', 'User-Agent': 'curl/8' } });
    let seen = up.lastHeaders();
    assert.deepEqual([seen['x-header-filter'], seen['x-query-filter'], seen['x-url-filter'], seen['x-port-filter'], seen['x-regex-filter']], [['then'], ['then'], ['then'], ['then'], ['then']]);
    await request(`${gw.url}/filters`, { headers: { 'X-Tier': 'silver', 'User-Agent': 'Mozilla' } });
    seen = up.lastHeaders();
    assert.deepEqual([seen['x-header-filter'], seen['x-query-filter'], seen['x-regex-filter']], [['else'], ['else'], undefined]);
  });

  it('priority.Group orders by priority', async () => {
    const up = await backend();
    const append = (value: string): Record<string, unknown> => ({ 'header.Append': { name: 'X-Order', value } });
    const gw = await gateway([
      {
        endpoint: '/priority',
        backend: [
          martian(up.url, {
            'priority.Group': {
              scope: ['request'],
              modifiers: [
                { priority: 0, modifier: append('last') },
                { priority: 100, modifier: append('first') },
                { priority: 50, modifier: append('middle') },
              ],
            },
          }),
        ],
      },
    ]);
    await request(`${gw.url}/priority`);
    assert.deepEqual(up.lastHeaders()['x-order'], ['first', 'middle', 'last']);
  });

  it('a modifier error fails the backend (500) with PRT_ERR_MARTIAN', async () => {
    const up = await backend();
    const gw = await gateway([{ endpoint: '/broken', backend: [martian(up.url, { 'header.Modifier': { scope: ['request'], name: 'Content-Length', value: 'many' } })] }]);
    const response = await request(`${gw.url}/broken`);
    assert.equal(response.status, 500);
    assert.equal(up.requests.length, 0, 'the backend is never called');
    assert.ok(gw.log.lines.some((line) => line.includes('martian request modifier')));
  });

  it('a block Martian cannot parse is a located warning and the backend runs unmodified, as in KrakenD', async () => {
    const up = await backend();
    const gw = await gateway([
      { endpoint: '/unknown', backend: [martian(up.url, { 'fifo.Group': { modifiers: [{ 'header.Modifier': { name: 'X-A', value: '1' } }, { 'header.Teleport': {} }] } })] },
    ]);
    const warning = gw.warnings.find((issue) => issue.code === 'PRT_WARN_CONFIG_MARTIAN');
    assert.ok(warning, 'warned');
    assert.match(warning.keyPath, /fifo\.Group\.modifiers\[1\]\.header\.Teleport|fifo\.Group.*modifiers.*1.*header\.Teleport/);
    assert.match(warning.message, /unknown modifier: header\.Teleport/);
    assert.equal((await request(`${gw.url}/unknown`)).status, 200);
    assert.equal(up.lastHeaders()['x-a'], undefined, 'no modifier of the block ran');
  });

  it('an endpoint-level block is ignored with a warning, as KrakenD reads Martian on backends only', async () => {
    const up = await backend();
    const gw = await gateway([{ endpoint: '/endpoint-level', extra_config: { 'modifier/martian': { 'header.Modifier': { name: 'X-Endpoint', value: '1' } } }, backend: [{ host: [up.url], url_pattern: '/' }] }]);
    assert.ok(gw.warnings.some((issue) => issue.code === 'PRT_WARN_CONFIG_MARTIAN' && /backends only/.test(issue.message)));
    assert.equal((await request(`${gw.url}/endpoint-level`)).status, 200);
    assert.equal(up.lastHeaders()['x-endpoint'], undefined);
  });

  it('the v2-era namespace KrakenD CE still reads works the same', async () => {
    const up = await backend();
    const gw = await gateway([
      { endpoint: '/legacy', backend: [{ host: [up.url], url_pattern: '/', extra_config: { 'github.com/devopsfaith/krakend-martian': { 'header.Modifier': { name: 'X-Legacy', value: 'yes' } } } }] },
    ]);
    assert.equal((await request(`${gw.url}/legacy`)).status, 200);
    assert.deepEqual(up.lastHeaders()['x-legacy'], ['yes']);
    assert.deepEqual(gw.warnings.map((warning) => warning.code), ['PRT_WARN_CONFIG_LEGACY_NAMESPACE']);
  });

  it('response-side modifiers see the answer before the status policy', async () => {
    const up = await startBackend((_request, response) => sendJson(response, 503, { busy: true }));
    closers.push(() => up.close());
    const gw = await gateway([
      {
        endpoint: '/status',
        backend: [martian(up.url, { 'fifo.Group': { modifiers: [{ 'status.Modifier': { statusCode: 200 } }, { 'body.Modifier': { scope: ['response'], contentType: 'application/json', body: Buffer.from('{"fallback":true}').toString('base64') } }] } })],
      },
    ]);
    const response = await request(`${gw.url}/status`);
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.body), { fallback: true });
  });
});
