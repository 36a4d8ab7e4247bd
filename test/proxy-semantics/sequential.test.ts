import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { loadConfig } from '../../src/config/load.js';
import { readAll, sendJson, startBackend, startGateway, writeConfig } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';
import { components } from '../helpers/components.js';

interface Seen {
  method: string;
  url: string;
  body: string;
}

describe('sequential proxy', () => {
  let backend: RunningServer;
  let gateway: TestGateway;
  const seen: Seen[] = [];
  const closedEarly: string[] = [];

  before(async () => {
    backend = await startBackend(async (request: IncomingMessage, response: ServerResponse) => {
      const url = request.url as string;
      const body = await readAll(request);
      seen.push({ method: request.method as string, url, body });
      if (url === '/hotels/25') {
        // Raw JSON so the big integer and the decimal keep their literal text.
        const text = '{"destination_id":7,"tags":["sea","sun"],"geo":{"city":{"code":"BCN"}},"big":12345678901234567890,"ratio":1.50,"open":true,"nothing":null,"mixed":[1,"a",{"k":"v"}]}';
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end(text);
        return;
      }
      if (url.startsWith('/echo')) return sendJson(response, 200, { echoed: url });
      if (url === '/fail') return sendJson(response, 500, { error: 'boom' });
      if (url === '/missing' || url === '/42') return sendJson(response, 404, { error: 'not here' });
      if (url === '/first') return sendJson(response, 200, { foo: 42, id: 'abc' });
      if (url === '/hang') {
        response.once('close', () => closedEarly.push(url));
        return; // never answers
      }
      if (url === '/write') return sendJson(response, 201, { stored: body, method: request.method });
      sendJson(response, 200, { other: url });
    });
    gateway = await startGateway({
      version: 3,
      cache_ttl: '1h',
      endpoints: [
        {
          endpoint: '/hotels/{id}',
          extra_config: { proxy: { sequential: true } },
          backend: [
            { host: [backend.url], url_pattern: '/hotels/{id}', allow: ['destination_id', 'tags', 'geo', 'big', 'ratio', 'open', 'nothing', 'mixed'] },
            {
              host: [backend.url],
              url_pattern: '/echo/{resp0_destination_id}/{resp0_geo.city.code}?tags={resp0_tags}&big={resp0_big}&ratio={resp0_ratio}&open={resp0_open}&n={resp0_nothing}&mixed={resp0_mixed}&absent={resp0_absent}',
            },
          ],
        },
        {
          endpoint: '/chain',
          extra_config: { proxy: { sequential: true } },
          backend: [
            { host: [backend.url], url_pattern: '/first', allow: ['foo'] },
            { host: [backend.url], url_pattern: '/echo/{resp0_foo}', mapping: { echoed: 'second' } },
            { host: [backend.url], url_pattern: '/echo/{resp0_foo}/{resp1_second}', mapping: { echoed: 'third' } },
          ],
        },
        {
          endpoint: '/first-fails',
          extra_config: { proxy: { sequential: true } },
          backend: [
            { host: [backend.url], url_pattern: '/fail' },
            { host: [backend.url], url_pattern: '/echo/never-first-fails' },
          ],
        },
        {
          endpoint: '/first-fails-with-code',
          extra_config: { proxy: { sequential: true } },
          backend: [
            { host: [backend.url], url_pattern: '/missing', extra_config: { 'backend/http': { return_error_code: true } } },
            { host: [backend.url], url_pattern: '/echo/never-with-code' },
          ],
        },
        {
          endpoint: '/middle-hangs',
          timeout: '400ms',
          extra_config: { proxy: { sequential: true } },
          backend: [
            { host: [backend.url], url_pattern: '/first' },
            { host: [backend.url], url_pattern: '/hang' },
            { host: [backend.url], url_pattern: '/echo/never-after-hang' },
          ],
        },
        {
          endpoint: '/incomplete/{param}',
          extra_config: { proxy: { sequential: true } },
          backend: [
            { host: [backend.url], url_pattern: '/first', allow: ['foo'] },
            { host: [backend.url], url_pattern: '/{resp0_foo}' },
          ],
        },
        {
          endpoint: '/write',
          method: 'POST',
          extra_config: { proxy: { sequential: true } },
          backend: [
            { host: [backend.url], url_pattern: '/first', method: 'GET', allow: ['id'] },
            { host: [backend.url], url_pattern: '/write', method: 'POST' },
          ],
        },
      ],
    });
  });

  after(async () => {
    await gateway?.close();
    await backend?.close();
  });

  it('fills {respN_field} from earlier answers: nested fields, lists joined with commas, literal numbers', async () => {
    seen.length = 0;
    const response = await fetch(`${gateway.url}/hotels/25`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-krakend-completed'), 'true');
    const text = await response.text();
    assert.ok(text.includes('"big":12345678901234567890'), 'the merged answer keeps the big integer too');
    const body = JSON.parse(text) as { echoed: string; destination_id: number };
    const url = new URL(body.echoed, 'http://x');
    assert.equal(url.pathname, '/echo/7/BCN');
    assert.equal(url.searchParams.get('tags'), 'sea,sun');
    assert.equal(url.searchParams.get('big'), '12345678901234567890', 'a big integer keeps its digits');
    assert.equal(url.searchParams.get('ratio'), '1.50', 'numbers keep their literal text, as json.Number');
    assert.ok(text.includes('"ratio":1.50'), 'the merged answer keeps it too');
    assert.equal(url.searchParams.get('open'), 'true');
    assert.equal(url.searchParams.get('n'), '<nil>', 'null prints as Go prints a nil');
    assert.equal(url.searchParams.get('mixed'), '1,a,map[k:v]');
    assert.equal(url.searchParams.get('absent'), '', 'a missing field leaves the placeholder empty');
    assert.deepEqual(
      seen.map((entry) => entry.url.split('?')[0]),
      ['/hotels/25', '/echo/7/BCN'],
      'the second backend is called after the first, once',
    );
    assert.equal(body.destination_id, 7, 'both answers are merged');
  });

  it('chains three backends, each seeing every earlier answer', async () => {
    const response = await fetch(`${gateway.url}/chain`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { foo: 42, second: '/echo/42', third: '/echo/42/%2Fecho%2F42' });
  });

  it('fails the endpoint when the first backend fails, without calling the next one', async () => {
    seen.length = 0;
    const response = await fetch(`${gateway.url}/first-fails`);
    assert.equal(response.status, 500);
    assert.equal(response.headers.get('x-krakend-completed'), 'false');
    assert.deepEqual(seen.map((entry) => entry.url), ['/fail']);
  });

  it("keeps the first backend's status with return_error_code", async () => {
    seen.length = 0;
    const response = await fetch(`${gateway.url}/first-fails-with-code`);
    assert.equal(response.status, 404);
    assert.deepEqual(seen.map((entry) => entry.url), ['/missing']);
  });

  it('answers with what arrived when a middle backend hangs past the deadline, and stops the chain', async () => {
    seen.length = 0;
    closedEarly.length = 0;
    const response = await fetch(`${gateway.url}/middle-hangs`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-krakend-completed'), 'false');
    assert.equal(response.headers.get('cache-control'), null, 'an incomplete answer is not cacheable');
    assert.deepEqual(await response.json(), { foo: 42, id: 'abc' });
    assert.deepEqual(seen.map((entry) => entry.url), ['/first', '/hang'], 'the third backend is never called');
    for (let i = 0; i < 50 && closedEarly.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(closedEarly, ['/hang'], 'the hanging call was aborted');
  });

  it('gives a partial answer when a later backend fails (KrakenD spec sequential_2)', async () => {
    const response = await fetch(`${gateway.url}/incomplete/foobar`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-krakend-completed'), 'false');
    assert.equal(response.headers.get('cache-control'), null);
    assert.equal(await response.text(), '{"foo":42}');
  });

  it('sends the body to the unsafe last backend only', async () => {
    seen.length = 0;
    const response = await fetch(`${gateway.url}/write`, { method: 'POST', body: '{"name":"x"}', headers: { 'Content-Type': 'application/json' } });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { id: 'abc', stored: '{"name":"x"}', method: 'POST' });
    assert.deepEqual(
      seen.map((entry) => [entry.method, entry.url, entry.body]),
      [
        ['GET', '/first', ''],
        ['POST', '/write', '{"name":"x"}'],
      ],
    );
  });

  it('starts, with a warning, an unsafe method anywhere but the last backend', async () => {
    const file = await writeConfig({
      version: 3,
      endpoints: [
        {
          endpoint: '/bad',
          method: 'POST',
          extra_config: { proxy: { sequential: true } },
          backend: [
            { host: ['http://127.0.0.1:1'], url_pattern: '/a', method: 'POST' },
            { host: ['http://127.0.0.1:1'], url_pattern: '/b', method: 'GET' },
          ],
        },
      ],
    });
    const result = await loadConfig(file, { components, env: {} });
    assert.ok(result.config, 'lura v2.14 registers it (IsValidSequentialEndpoint is always true)');
    assert.ok(result.issues.some((issue) => issue.code === 'PRT_WARN_CONFIG_MULTI_BACKEND_WRITE' && issue.severity === 'warning'));
  });
});

describe('sequential_propagated_params: a whole answer', () => {
  let backend: RunningServer;
  let gateway: TestGateway;
  const resp0Seen: (string | undefined)[] = [];

  before(async () => {
    backend = await startBackend((request: IncomingMessage, response: ServerResponse) => {
      if (request.url === '/raw') {
        // Spacing and key order a JSON round trip would change: the param must keep the bytes.
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end('{ "message" : "pong", "n": 1.50 }');
        return;
      }
      resp0Seen.push(request.headers['x-resp0'] as string | undefined);
      sendJson(response, 200, { second: true });
    });
    const copyParam = { 'modifier/lua-backend': { pre: 'local r = request.load(); r:headers("X-Resp0", r:params("Resp0"))' } };
    gateway = await startGateway({
      version: 3,
      endpoints: [
        {
          endpoint: '/full',
          extra_config: { proxy: { sequential: true, sequential_propagated_params: ['resp0'] } },
          backend: [
            { host: [backend.url], url_pattern: '/raw', encoding: 'no-op' },
            { host: [backend.url], url_pattern: '/next', extra_config: copyParam },
          ],
        },
      ],
    });
  });

  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('a no-op first backend: its body as it came (KrakenD spec sequential_4)', async () => {
    const response = await fetch(`${gateway.url}/full`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { second: true });
    assert.deepEqual(resp0Seen, ['{ "message" : "pong", "n": 1.50 }']);
  });
});
