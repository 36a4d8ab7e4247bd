/** `validation/cel`: expressions guarding endpoints, backends and tokens, against real servers. */
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { request } from '../helpers/http.js';
import { sendJson, startBackend, startGateway, writeConfig } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';
import { makeKey, signToken, startJwkServer } from '../security/helpers.js';
import type { JwkServer, TestKey } from '../security/helpers.js';
import { components } from '../helpers/components.js';

const cel = (...expressions: string[]) => ({ 'validation/cel': expressions.map((check_expr) => ({ check_expr })) });

describe('validation/cel', () => {
  let backend: RunningServer;
  let gateway: TestGateway;
  let jwks: JwkServer;
  let key: TestKey;
  const calls: string[] = [];

  /** Records each path it is called on; answers with JSON describing the call. */
  function answer(incoming: IncomingMessage, response: ServerResponse): void {
    const url = new URL(incoming.url ?? '/', 'http://backend');
    calls.push(`${incoming.method} ${url.pathname}`);
    if (url.pathname.startsWith('/status/')) return sendJson(response, 200, { status: url.pathname.slice(8), items: [1, 2, 3] });
    sendJson(response, 200, { path: url.pathname, message: 'pong' });
  }

  before(async () => {
    backend = await startBackend(answer);
    key = await makeKey('HS256', 'cel-key');
    jwks = await startJwkServer([key]);
    const be = (urlPattern: string, extra: Record<string, unknown> = {}) => ({ host: [backend.url], url_pattern: urlPattern, ...extra });
    const validator = (extra: Record<string, unknown> = {}) => ({ alg: 'HS256', jwk_url: `${jwks.url}/jwks`, disable_jwk_security: true, ...extra });
    gateway = await startGateway({
      version: 3,
      cache_ttl: '60s',
      extra_config: { router: { return_error_msg: true } },
      endpoints: [
        {
          endpoint: '/req-resp/{id}',
          input_headers: ['X-Header'],
          backend: [be('/one/{id}', { group: 'backend1', extra_config: cel('int(req_params.Id) % 3 == 0') }), be('/two/{id}', { group: 'backend2', extra_config: cel('int(req_params.Id) % 5 == 0') })],
          extra_config: cel("'something' in req_headers['X-Header']", 'int(req_params.Id) % 2 == 0'),
        },
        {
          endpoint: '/query',
          input_query_strings: ['tag', 'tags[]'],
          backend: [be('/query')],
          extra_config: cel("has(req_querystring.tag) && req_querystring.tag[0] == 'go'", "!('tags[]' in req_querystring) || 'x' in req_querystring['tags[]']", "req_method == 'GET' && req_path == '/query'"),
        },
        {
          endpoint: '/backend-view/{name}',
          backend: [be('/renamed/{name}?fixed=1', { method: 'POST', extra_config: cel("req_method == 'POST' && req_path == '/renamed/' + req_params.Name") })],
        },
        { endpoint: '/post-check/{code}', backend: [be('/status/{code}', { group: 'up', extra_config: cel("resp_data.up.status == '200' && size(resp_data.up.items) == 3") })] },
        {
          endpoint: '/post-endpoint/{code}',
          backend: [be('/status/{code}', { group: 'a' }), be('/two/{code}', { group: 'b' })],
          extra_config: cel("resp_completed && resp_data.a.status == '200' && resp_metadata_status == 200"),
        },
        { endpoint: '/clock', backend: [be('/clock')], extra_config: cel("req_method == 'GET' && timestamp(now) > timestamp('2020-01-01T00:00:00Z')") },
        {
          endpoint: '/chain/{id}',
          backend: [be('/status/{id}'), be('/two/{resp0_status}', { group: 'second', extra_config: cel("req_params.Resp0_status == '7'") })],
          extra_config: { proxy: { sequential: true } },
        },
        {
          endpoint: '/jwt',
          backend: [be('/jwt')],
          extra_config: { ...cel("has(JWT.sub) && size(JWT.groups) > 1 && JWT.level >= 3"), 'auth/validator': validator({ roles: ['admin'] }) },
        },
      ],
    });
  });

  after(async () => {
    await Promise.all([gateway.close(), backend.close(), jwks.close()]);
  });

  const get = (path: string, headers: Record<string, string> = {}) => request(`${gateway.url}${path}`, { headers });
  const callsDuring = async (action: () => Promise<unknown>): Promise<string[]> => {
    const from = calls.length;
    await action();
    return calls.slice(from);
  };

  it('answers 500 with krakend-cel\'s text when an endpoint expression is false, calling no backend', async () => {
    let response;
    const made = await callsDuring(async () => (response = await get('/req-resp/1', { 'X-Header': 'something' })));
    assert.deepEqual(made, []);
    assert.equal(response!.status, 500);
    assert.equal(response!.body, 'request aborted by evaluator #1');
    assert.equal(response!.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(response!.headers['x-krakend-completed'], 'false');
    assert.equal(response!.headers['cache-control'], undefined);
  });

  it('answers 500 when an expression fails, here on a header the client did not send', async () => {
    const response = await get('/req-resp/30');
    assert.equal(response.status, 500);
    assert.match(response.body, /^request aborted by evaluator #\d+$/);
  });

  it('skips a backend whose expression is false; the others answer, partially', async () => {
    let response;
    const made = await callsDuring(async () => (response = await get('/req-resp/10', { 'X-Header': 'something' })));
    assert.deepEqual(made, ['GET /two/10']);
    assert.equal(response!.status, 200);
    assert.deepEqual(JSON.parse(response!.body), { backend2: { path: '/two/10', message: 'pong' } });
    assert.equal(response!.headers['x-krakend-completed'], 'false');
    assert.equal(response!.headers['cache-control'], undefined);
  });

  it('answers whole when every expression holds', async () => {
    const response = await get('/req-resp/30', { 'x-header': 'something' });
    assert.equal(response.status, 200);
    assert.deepEqual(Object.keys(JSON.parse(response.body)).sort(), ['backend1', 'backend2']);
    assert.equal(response.headers['x-krakend-completed'], 'true');
    assert.equal(response.headers['cache-control'], 'public, max-age=60');
  });

  it('fails the endpoint when every backend is skipped', async () => {
    const response = await get('/req-resp/2', { 'X-Header': 'something' });
    assert.equal(response.status, 500);
  });

  it('sees the query strings the endpoint lets through, as lists', async () => {
    assert.equal((await get('/query?tag=go&tags[]=x&tags[]=y')).status, 200);
    assert.equal((await get('/query?tag=rust')).status, 500);
    assert.equal((await get('/query?tag=go&tags[]=y')).status, 500);
    assert.equal((await get('/query')).status, 500);
  });

  it("sees the backend's own method and path on a backend", async () => {
    const response = await get('/backend-view/kate');
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.body), { path: '/renamed/kate', message: 'pong' });
  });

  it('checks the shaped backend response after the call', async () => {
    assert.equal((await get('/post-check/200')).status, 200);
    const made = await callsDuring(async () => assert.equal((await get('/post-check/404')).status, 500));
    assert.deepEqual(made, ['GET /status/404'], 'the backend is called, its response refused');
  });

  it('checks the merged response at the endpoint', async () => {
    const ok = await get('/post-endpoint/200');
    assert.equal(ok.status, 200);
    assert.deepEqual(JSON.parse(ok.body).a, { status: '200', items: [1, 2, 3] });
    assert.equal((await get('/post-endpoint/201')).status, 500);
  });

  it('offers now as RFC 3339 text for timestamp()', async () => {
    assert.equal((await get('/clock')).status, 200);
  });

  it('sees sequential params as Title-cased req_params', async () => {
    const passed = await get('/chain/7');
    assert.equal(passed.status, 200);
    assert.deepEqual(JSON.parse(passed.body).second, { path: '/two/7', message: 'pong' });
    assert.equal(JSON.parse(passed.body).status, '7');
    const skipped = await get('/chain/8');
    assert.equal(skipped.status, 200);
    assert.equal(JSON.parse(skipped.body).second, undefined);
    assert.equal(skipped.headers['x-krakend-completed'], 'false');
  });

  describe('JWT expressions', () => {
    const bearer = async (claims: Record<string, unknown>) => ({ Authorization: `Bearer ${await signToken(key, claims, { expiresIn: '5m' })}` });

    it('let a token through when they hold', async () => {
      const response = await get('/jwt', await bearer({ sub: 'alice', groups: ['a', 'b'], level: 3, roles: ['admin'] }));
      assert.equal(response.status, 200);
    });

    it('refuse a valid token with a bare 401 when they do not', async () => {
      const response = await get('/jwt', await bearer({ sub: 'alice', groups: ['a'], level: 5, roles: ['admin'] }));
      assert.equal(response.status, 401);
      assert.equal(response.body, '');
      assert.equal(response.headers['x-krakend'], undefined);
    });

    it('refuse a token when a claim is missing', async () => {
      assert.equal((await get('/jwt', await bearer({ sub: 'alice', groups: ['a', 'b'], roles: ['admin'] }))).status, 401);
    });

    it('run before the roles check, as krakend-jose does (401, not 403)', async () => {
      assert.equal((await get('/jwt', await bearer({ sub: 'alice', groups: ['a', 'b'], level: 3, roles: ['guest'] }))).status, 403);
      assert.equal((await get('/jwt', await bearer({ sub: 'alice', groups: ['a'], level: 3, roles: ['guest'] }))).status, 401);
    });
  });
});

describe('validation/cel config checks', () => {
  const configWith = (endpointExtra: Record<string, unknown>, backendExtra: Record<string, unknown> = {}) => ({
    version: 3,
    endpoints: [{ endpoint: '/x/{id}', backend: [{ host: ['http://127.0.0.1:1'], url_pattern: '/', extra_config: backendExtra }], extra_config: endpointExtra }],
  });
  const load = async (config: Record<string, unknown>) => loadConfig(await writeConfig(config), { components, env: {} });

  it('refuses an expression that does not parse, at its path', async () => {
    const result = await load(configWith(cel('req_params.Id ==')));
    assert.equal(result.config, undefined);
    const issue = result.issues.find((item) => item.code === 'PRT_ERR_CONFIG_CEL');
    assert.ok(issue, JSON.stringify(result.issues));
    assert.equal(issue.keyPath, 'endpoints[0].extra_config["validation/cel"][0].check_expr');
    assert.ok(!issue.message.includes('\n'));
  });

  it('refuses unknown variables, type errors and non-boolean results', async () => {
    for (const expression of ['req_nothing == 1', "req_params.Id + 1 == 2", 'req_path']) {
      const result = await load(configWith({}, cel(expression)));
      assert.ok(result.issues.some((item) => item.code === 'PRT_ERR_CONFIG_CEL' && item.keyPath === 'endpoints[0].backend[0].extra_config["validation/cel"][0].check_expr'), expression);
    }
  });

  it('warns about expressions that never run or never pass', async () => {
    const result = await load(configWith(cel("now > '2020'", "req_path == '/' && resp_completed", 'has(JWT.sub)'), cel('has(JWT.sub)')));
    const warned = result.issues.filter((item) => item.code === 'PRT_WARN_CONFIG_CEL_NEVER_RUNS').map((item) => item.keyPath);
    assert.deepEqual(warned.sort(), [
      'endpoints[0].backend[0].extra_config["validation/cel"][0].check_expr',
      'endpoints[0].extra_config["validation/cel"][0].check_expr',
      'endpoints[0].extra_config["validation/cel"][1].check_expr',
      'endpoints[0].extra_config["validation/cel"][2].check_expr',
    ]);
    assert.ok(result.config, 'warnings do not stop the gateway');
  });

  it('refuses a block that is not a list of check_expr objects', async () => {
    const result = await load(configWith({ 'validation/cel': { check_expr: 'true' } }));
    assert.equal(result.config, undefined);
  });
});
