/** KrakenD's status policy: backend failures, return_error_code, return_error_details, return_error_msg. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from '../helpers/http.js';
import { freePort } from '../helpers/cli.js';
import { sendJson, startBackend, startGateway } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';

describe('backend failures', () => {
  let backend: RunningServer;
  let gateway: TestGateway;
  let closedPort: number;
  before(async () => {
    closedPort = await freePort();
    backend = await startBackend((req, res) => {
      switch (req.url) {
        case '/ok':
          return sendJson(res, 200, { ok: true });
        case '/created':
          return sendJson(res, 201, { created: true });
        case '/accepted':
          return sendJson(res, 202, { accepted: true });
        case '/not-found':
          return sendJson(res, 404, { message: 'no such thing' });
        case '/teapot':
          res.writeHead(418, { 'Content-Type': 'text/plain', 'Content-Length': '9' });
          return res.end("I'm a pot");
        case '/boom':
          return sendJson(res, 500, { message: 'boom' });
        case '/slow':
          return setTimeout(() => sendJson(res, 200, { late: true }), 1_000);
        case '/reset':
          return req.socket.destroy();
        default:
          return sendJson(res, 404, {});
      }
    });
    const be = (path: string, extra: Record<string, unknown> = {}) => ({ host: [backend.url], url_pattern: path, ...extra });
    const code = { extra_config: { 'backend/http': { return_error_code: true } } };
    const details = (name: string) => ({ extra_config: { 'backend/http': { return_error_details: name } } });
    gateway = await startGateway({
      version: 3,
      endpoints: [
        { endpoint: '/ok', backend: [be('/ok')] },
        { endpoint: '/created', backend: [be('/created')] },
        { endpoint: '/accepted', backend: [be('/accepted')] },
        { endpoint: '/not-found', backend: [be('/not-found')] },
        { endpoint: '/boom', backend: [be('/boom')] },
        { endpoint: '/slow', timeout: '300ms', backend: [be('/slow')] },
        { endpoint: '/reset', backend: [be('/reset')] },
        { endpoint: '/down', backend: [{ host: [`http://127.0.0.1:${closedPort}`], url_pattern: '/' }] },
        { endpoint: '/code-404', backend: [be('/not-found', code)] },
        { endpoint: '/code-418', backend: [be('/teapot', code)] },
        { endpoint: '/code-ok', backend: [be('/ok', code)] },
        { endpoint: '/details', backend: [be('/not-found', details('users')), be('/ok')] },
        { endpoint: '/details-only', backend: [be('/teapot', details('pot'))] },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  async function expectBare500(path: string): Promise<void> {
    const response = await request(`${gateway.url}${path}`);
    assert.equal(response.status, 500, path);
    assert.equal(response.body, '');
    assert.equal(response.headers['content-type'], undefined);
    assert.equal(response.headers['content-length'], '0');
    assert.equal(response.headers['x-krakend-completed'], 'false');
    assert.match(String(response.headers['x-krakend']), /^Version /);
  }

  it('accepts 200 and 201 from a backend', async () => {
    assert.equal((await request(`${gateway.url}/ok`)).status, 200);
    const created = await request(`${gateway.url}/created`);
    assert.equal(created.status, 200, 'data endpoints always answer 200');
    assert.equal(created.body, '{"created":true}');
  });

  it('treats any other backend status as an error: 500 with an empty body', async () => {
    await expectBare500('/accepted');
    await expectBare500('/not-found');
    await expectBare500('/boom');
  });

  it('answers 500 when the backend is down (connection refused)', async () => {
    await expectBare500('/down');
    assert.ok(gateway.log.lines.some((line) => line.includes('[ENDPOINT: /down]') && /connect/i.test(line)));
  });

  it('answers 500 when the backend resets the connection', async () => {
    await expectBare500('/reset');
  });

  it('answers 500 at the endpoint timeout when the backend is slow', async () => {
    const started = Date.now();
    await expectBare500('/slow');
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 250 && elapsed < 900, `answered at the 300 ms timeout, took ${elapsed} ms`);
  });

  it('return_error_code passes the backend status, with an empty body', async () => {
    const notFound = await request(`${gateway.url}/code-404`);
    assert.equal(notFound.status, 404);
    assert.equal(notFound.body, '');
    assert.equal(notFound.headers['x-krakend-completed'], 'false');
    assert.equal((await request(`${gateway.url}/code-418`)).status, 418);
    assert.equal((await request(`${gateway.url}/code-ok`)).status, 200);
  });

  it('return_error_details adds error_<name> and answers 200, incomplete', async () => {
    const response = await request(`${gateway.url}/details`);
    assert.equal(response.status, 200);
    assert.equal(response.headers['x-krakend-completed'], 'false');
    assert.equal(
      response.body,
      '{"error_users":{"http_status_code":404,"http_body":"{\\"message\\":\\"no such thing\\"}","http_body_encoding":"application/json"},"ok":true}',
    );
  });

  it('return_error_details alone still answers 200 with the details', async () => {
    const response = await request(`${gateway.url}/details-only`);
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.body), { error_pot: { http_status_code: 418, http_body: "I'm a pot", http_body_encoding: 'text/plain' } });
  });
});

describe('return_error_msg with the backend/http options', () => {
  let backend: RunningServer;
  let gateway: TestGateway;
  before(async () => {
    backend = await startBackend((req, res) => {
      if (req.url === '/ok') return sendJson(res, 200, { ok: true });
      res.writeHead(422, { 'Content-Type': 'application/problem+json' });
      res.end('{"title":"invalid"}');
    });
    const be = (path: string, extra: Record<string, unknown> = {}) => ({ host: [backend.url], url_pattern: path, ...extra });
    gateway = await startGateway({
      version: 3,
      extra_config: { router: { return_error_msg: true } },
      endpoints: [
        { endpoint: '/code', backend: [be('/bad', { extra_config: { 'backend/http': { return_error_code: true } } })] },
        { endpoint: '/details', backend: [be('/bad', { extra_config: { 'backend/http': { return_error_details: 'b' } } }), be('/ok')] },
        { endpoint: '/plain', backend: [be('/bad')] },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('return_error_code: the backend status, body and content type reach the client', async () => {
    const response = await request(`${gateway.url}/code`);
    assert.equal(response.status, 422);
    assert.equal(response.body, '{"title":"invalid"}');
    assert.equal(response.headers['content-type'], 'application/problem+json');
    assert.equal(response.headers['x-krakend-completed'], 'false');
  });

  it('return_error_details: unchanged by return_error_msg', async () => {
    const response = await request(`${gateway.url}/details`);
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.body), {
      error_b: { http_status_code: 422, http_body: '{"title":"invalid"}', http_body_encoding: 'application/problem+json' },
      ok: true,
    });
  });

  it('a plain invalid status still answers 500', async () => {
    const response = await request(`${gateway.url}/plain`);
    assert.equal(response.status, 500);
    assert.equal(response.headers['x-krakend-completed'], 'false');
  });
});

describe('a backend without any host (lura starts; its balancer returns ErrNoHosts on each call)', () => {
  it('fails that backend like an unreachable one and keeps the merged rest', async () => {
    const backend = await startBackend((_request, response) => sendJson(response, 200, { ok: true }));
    const gateway = await startGateway({
      version: 3,
      endpoints: [
        { endpoint: '/alone', backend: [{ url_pattern: '/x' }] },
        { endpoint: '/merged', backend: [{ url_pattern: '/x' }, { host: [backend.url], url_pattern: '/y' }] },
      ],
    });
    try {
      const alone = await request(`${gateway.url}/alone`);
      assert.equal(alone.status, 500);
      const merged = await request(`${gateway.url}/merged`);
      assert.equal(merged.status, 200);
      assert.equal(merged.headers['x-krakend-completed'], 'false');
      assert.deepEqual(JSON.parse(merged.body), { ok: true });
    } finally {
      await Promise.all([gateway.close(), backend.close()]);
    }
  });
});

describe('return_error_msg: the error texts KrakenD writes', () => {
  let backend: RunningServer;
  let gateway: TestGateway;
  let closedPort: number;
  before(async () => {
    closedPort = await freePort();
    backend = await startBackend((req, res) => {
      if (req.url?.startsWith('/array')) return sendJson(res, 200, [1, 2]);
      if (req.url === '/object') return sendJson(res, 200, { a: 1 });
      if (req.url === '/number') return sendJson(res, 200, 42);
      if (req.url === '/empty') {
        res.writeHead(200, { 'Content-Length': '0' });
        return res.end();
      }
      if (req.url === '/slow') return setTimeout(() => sendJson(res, 200, { late: true }), 1_000);
      return sendJson(res, 404, {});
    });
    const be = (path: string, extra: Record<string, unknown> = {}) => ({ host: [backend.url], url_pattern: path, ...extra });
    gateway = await startGateway({
      version: 3,
      extra_config: { router: { return_error_msg: true } },
      endpoints: [
        { endpoint: '/users/{id}', backend: [be('/missing/{id}?q=1')] },
        { endpoint: '/array', backend: [be('/array')] },
        { endpoint: '/object-as-collection', backend: [be('/object', { is_collection: true })] },
        { endpoint: '/number', backend: [be('/number')] },
        { endpoint: '/empty', backend: [be('/empty')] },
        { endpoint: '/slow', timeout: '200ms', backend: [be('/slow')] },
        { endpoint: '/down', backend: [{ host: [`http://127.0.0.1:${closedPort}`], url_pattern: '/x' }] },
        { endpoint: '/two-down', backend: [be('/array'), be('/gone', { method: 'POST' })] },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  const check = async (path: string, body: string) => {
    const response = await request(`${gateway.url}${path}`);
    assert.equal(response.status, 500, path);
    assert.equal(response.headers['x-krakend-completed'], 'false', path);
    assert.equal(response.headers['content-type'], 'text/plain; charset=utf-8', path);
    assert.equal(response.body, body, path);
  };

  it('an invalid status names the backend method, its pattern as lura keeps it, and the URL (backend_404)', async () => {
    await check('/users/7', `invalid status code 404 [GET /missing/{{.Id}}?q=1]: ${backend.url}/missing/7?q=1`);
  });

  it('a JSON array without is_collection fails with Go\'s decoding error', async () => {
    await check('/array', 'json: cannot unmarshal array into Go value of type map[string]interface {}');
    await check('/object-as-collection', 'json: cannot unmarshal object into Go value of type []interface {}');
    await check('/number', 'json: cannot unmarshal number into Go value of type map[string]interface {}');
    await check('/empty', 'EOF');
  });

  it('a timeout is the context\'s error, a refused connection Go\'s client error', async () => {
    await check('/slow', 'context deadline exceeded');
    await check('/down', `Get "http://127.0.0.1:${closedPort}/x": dial tcp 127.0.0.1:${closedPort}: connect: connection refused`);
  });

  it('several failed backends: their texts, one per line', async () => {
    const response = await request(`${gateway.url}/two-down`);
    assert.equal(response.status, 500);
    // lura lists them as they arrive.
    assert.deepEqual(response.body.split('\n').sort(), [`invalid status code 404 [POST /gone]: ${backend.url}/gone`, 'json: cannot unmarshal array into Go value of type map[string]interface {}']);
  });
});
