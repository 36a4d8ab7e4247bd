/** `modifier/lua-proxy` and `modifier/lua-backend`: real Lua scripts around real backends. */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { request } from '../helpers/http.js';
import { startRecordingBackend } from '../helpers/recording-backend.js';
import type { RecordingBackend } from '../helpers/recording-backend.js';
import { sendJson, startGateway, writeConfig } from '../helpers/servers.js';
import type { TestGateway } from '../helpers/servers.js';
import { components } from '../helpers/components.js';

/** Helpers the endpoints below load as a source. */
const HELPERS = `
function tag_backend(r)
  r:headers("X-Tenant", r:params("Tenant"))
  r:headers("X-Drop", nil)
  r:url(r:url() .. "/" .. r:headers("X-Suffix"))
end

function summarize(resp)
  local data = resp:data()
  local items = data:get("collection")
  local paths = {}
  for i = 0, items:len() - 1 do
    table.insert(paths, items:get(i):get("path"))
  end
  data:set("total", items:len())
  data:set("paths", paths)
  data:del("collection")
end

function teapot()
  custom_error('{"msg":"short and stout"}', 418, "application/json")
end
`;

describe('modifier/lua-proxy and modifier/lua-backend', () => {
  let backend: RecordingBackend;
  let gateway: TestGateway;
  let quiet: TestGateway;
  let dir: string;

  before(async () => {
    backend = await startRecordingBackend((incoming, response, recorded) => {
      const url = new URL(incoming.url ?? '/', 'http://backend');
      if (url.pathname.startsWith('/items')) return sendJson(response, 200, Array.from({ length: 3 }, (_, i) => ({ i, path: url.pathname })));
      sendJson(response, 200, { path: url.pathname, query: url.search, method: incoming.method, body: recorded.body, user: { name: 'ada', nick: null, roles: ['a', 'b'] } });
    });
    dir = await mkdtemp(join(tmpdir(), 'portico-lua-'));
    const helpers = join(dir, 'helpers.lua');
    await writeFile(helpers, HELPERS);
    await writeFile(join(dir, 'broken.lua'), 'function broken(\n');
    const be = (urlPattern: string, extra: Record<string, unknown> = {}) => ({ host: [backend.url], url_pattern: urlPattern, ...extra });
    const lua = (namespace: string, block: Record<string, unknown>) => ({ [namespace]: { sources: [helpers], allow_open_libs: true, ...block } });
    const endpoints = [
      {
        endpoint: '/collection/{tenant}',
        input_headers: ['X-Suffix', 'X-Drop'],
        backend: [be('/items', { is_collection: true, extra_config: lua('modifier/lua-backend', { pre: 'tag_backend(request.load())' }) })],
        extra_config: lua('modifier/lua-proxy', { post: 'summarize(response.load())' }),
      },
      { endpoint: '/teapot', backend: [be('/never', { extra_config: lua('modifier/lua-backend', { pre: 'teapot()' }) })] },
      { endpoint: '/plain-error', backend: [be('/never')], extra_config: lua('modifier/lua-proxy', { pre: "custom_error('no entry')" }) },
      { endpoint: '/runtime-error', backend: [be('/never')], extra_config: lua('modifier/lua-proxy', { pre: 'local x = nil; x.field = 1' }) },
      {
        endpoint: '/rewrite/{id}',
        method: 'POST',
        input_query_strings: ['keep', 'drop'],
        backend: [be('/target/{id}')],
        extra_config: lua('modifier/lua-proxy', {
          pre: `local r = request.load()
            r:params("Id", r:params("Id") .. "-lua")
            r:query("keep=" .. r:query():match("keep=(%w+)") .. "&added=1")
            r:body(string.upper(r:body()))
            r:headers("X-From-Lua", r:method() .. " " .. r:path())`,
        }),
      },
      {
        endpoint: '/backend-call/{id}',
        backend: [be('/original/{id}', { extra_config: lua('modifier/lua-backend', { pre: `local r = request.load(); r:method("PUT"); r:url("${backend.url}/moved/" .. r:params("Id") .. "?from=" .. r:path())` }) })],
      },
      {
        endpoint: '/shape',
        backend: [be('/shape')],
        extra_config: lua('modifier/lua-proxy', {
          post: `local resp = response.load()
            local data = resp:data()
            local user = data:get("user")
            local out = luaTable.new()
            out:set("name", user:get("name"))
            out:set("nick_is_null", user:get("nick") == luaNil.new())
            out:set("missing_is_nil", user:get("missing") == nil)
            out:set("roles", user:get("roles"))
            out:set("keys", user:keys())
            out:set("has_name", user:keyExists("name"))
            local list = luaList.new()
            list:set(0, "first"); list:set(2, 3); list:set(1, true)
            list:del(0)
            out:set("list", list)
            data:set("out", out)
            data:del("user"); data:del("body"); data:del("query"); data:del("method")
            resp:headers("X-Lua", "yes")
            resp:isComplete(false)`,
        }),
      },
      {
        endpoint: '/globals',
        backend: [be('/globals')],
        extra_config: lua('modifier/lua-proxy', {
          pre: 'counter = (counter or 0) + 1; seen_in_pre = true',
          post: 'local d = response.load():data(); d:set("counter", counter); d:set("seen_in_pre", seen_in_pre == true)',
        }),
      },
      { endpoint: '/slow', timeout: '500ms', backend: [be('/slow')], extra_config: lua('modifier/lua-proxy', { pre: 'while true do end' }) },
      { endpoint: '/closed-libs', backend: [be('/closed')], extra_config: { 'modifier/lua-proxy': { pre: 'local s = string.upper("x")' } } },
      { endpoint: '/no-io', backend: [be('/no-io')], extra_config: lua('modifier/lua-proxy', { post: 'response.load():data():set("io", io == nil and os.execute == nil and type(os.time()) == "number")' }) },
      {
        endpoint: '/skip',
        backend: [be('/skip')],
        extra_config: { 'modifier/lua-proxy': { skip_next: true, post: 'local d = response.load():data(); d:set("from", "lua"); response.load():isComplete(true)' } },
      },
      { endpoint: '/broken', backend: [be('/broken')], extra_config: { 'modifier/lua-proxy': { sources: [join(dir, 'broken.lua')], pre: 'broken()' } } },
    ];
    gateway = await startGateway({ version: 3, extra_config: { router: { return_error_msg: true } }, endpoints });
    quiet = await startGateway({ version: 3, endpoints: [endpoints[1] as Record<string, unknown>] });
  });

  after(async () => {
    await Promise.all([gateway.close(), quiet.close(), backend.close()]);
  });

  const callsTo = (prefix: string) => backend.requests.filter((recorded) => recorded.url.startsWith(prefix));

  it('changes the backend call in pre and the merged response in post (as KrakenD spec lua_1)', async () => {
    const response = await request(`${gateway.url}/collection/acme`, { headers: { 'X-Suffix': 'v2', 'X-Drop': 'secret' } });
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.body), { total: 3, paths: { '1': '/items/v2', '2': '/items/v2', '3': '/items/v2' } });
    assert.equal(response.headers['x-krakend-completed'], 'true');
    const headers = backend.lastHeaders();
    assert.deepEqual(headers['x-tenant'], ['acme']);
    assert.equal(headers['x-drop'], undefined);
  });

  it('answers custom_error with its status, message and content type (as KrakenD spec lua_2)', async () => {
    const response = await request(`${gateway.url}/teapot`);
    assert.equal(response.status, 418);
    assert.deepEqual(JSON.parse(response.body), { msg: 'short and stout' });
    assert.equal(response.headers['content-type'], 'application/json');
    assert.equal(callsTo('/never').length, 0);
    const hidden = await request(`${quiet.url}/teapot`);
    assert.equal(hidden.status, 418);
    assert.equal(hidden.body, '');
  });

  it('answers 500 with the message for a custom_error without status', async () => {
    const response = await request(`${gateway.url}/plain-error`);
    assert.equal(response.status, 500);
    assert.equal(response.body, 'no entry');
  });

  it('answers 500 with the script\'s error when a script fails', async () => {
    const response = await request(`${gateway.url}/runtime-error`);
    assert.equal(response.status, 500);
    assert.match(response.body, /attempt to index a nil value/);
    assert.ok(gateway.log.lines.some((line) => line.includes('attempt to index a nil value')));
  });

  it('lets pre change params, query, body and headers before the backends are called', async () => {
    const response = await request(`${gateway.url}/rewrite/7?keep=yes&drop=no`, { method: 'POST', body: 'hello' });
    assert.equal(response.status, 200);
    const seen = JSON.parse(response.body) as Record<string, unknown>;
    assert.equal(seen['path'], '/target/7-lua');
    assert.equal(seen['query'], '?added=1&keep=yes');
    assert.equal(seen['body'], 'HELLO');
    assert.deepEqual(backend.lastHeaders()['x-from-lua'], ['POST /rewrite/7']);
  });

  it("changes a backend's method and URL; path is the backend's", async () => {
    const response = await request(`${gateway.url}/backend-call/9`);
    assert.equal(response.status, 200);
    const seen = JSON.parse(response.body) as Record<string, unknown>;
    assert.equal(seen['method'], 'PUT');
    assert.equal(seen['path'], '/moved/9');
    assert.equal(seen['query'], '?from=/original/9');
  });

  it('reads and builds data with luaTable, luaList and luaNil; sets response headers and completeness', async () => {
    const response = await request(`${gateway.url}/shape`);
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.body), {
      path: '/shape',
      out: { name: 'ada', nick_is_null: true, missing_is_nil: true, roles: ['a', 'b'], keys: ['name', 'nick', 'roles'], has_name: true, list: [true, 3] },
    });
    assert.equal(response.headers['x-lua'], 'yes');
    assert.equal(response.headers['x-krakend-completed'], 'false');
  });

  it('keeps globals from pre to post, and gives every request fresh globals', async () => {
    for (let i = 0; i < 3; i++) {
      const response = await request(`${gateway.url}/globals`);
      const data = JSON.parse(response.body) as Record<string, unknown>;
      assert.equal(data['counter'], 1);
      assert.equal(data['seen_in_pre'], true);
    }
  });

  it('stops a script that runs too long, and keeps serving', async () => {
    const started = Date.now();
    const response = await request(`${gateway.url}/slow`, { timeoutMs: 5_000 });
    assert.equal(response.status, 500);
    assert.ok(Date.now() - started < 4_000);
    assert.equal((await request(`${gateway.url}/globals`)).status, 200);
  });

  it('opens no standard library without allow_open_libs, as KrakenD', async () => {
    assert.equal((await request(`${gateway.url}/closed-libs`)).status, 500);
    assert.equal(callsTo('/closed').length, 0);
  });

  it('never offers file, process or debug access', async () => {
    const response = await request(`${gateway.url}/no-io`);
    assert.equal(JSON.parse(response.body)['io'], true);
  });

  it('skips the call with skip_next', async () => {
    const response = await request(`${gateway.url}/skip`);
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.body), { from: 'lua' });
    assert.equal(callsTo('/skip').length, 0);
  });

  it('fails every request of an endpoint whose sources do not load, and only those', async () => {
    assert.equal((await request(`${gateway.url}/broken`)).status, 500);
    assert.equal(callsTo('/broken').length, 0);
    assert.ok(gateway.warnings.some((issue) => issue.code === 'PRT_WARN_CONFIG_LUA_SCRIPT'));
  });
});

describe('Lua config checks', () => {
  const configWith = (block: Record<string, unknown>) => ({
    version: 3,
    endpoints: [{ endpoint: '/x', backend: [{ host: ['http://127.0.0.1:1'], url_pattern: '/' }], extra_config: { 'modifier/lua-proxy': block } }],
  });
  const load = async (block: Record<string, unknown>) => loadConfig(await writeConfig(configWith(block)), { components, env: {} });

  it('starts with a located warning when a source cannot be read, as KrakenD does', async () => {
    const result = await load({ sources: ['/no/such/file.lua'], pre: 'x()' });
    assert.ok(result.config, JSON.stringify(result.issues));
    const warning = result.issues.find((issue) => issue.code === 'PRT_WARN_CONFIG_LUA_SOURCE');
    assert.equal(warning?.keyPath, 'endpoints[0].extra_config["modifier/lua-proxy"].sources[0]');
    assert.equal(warning?.severity, 'warning');
  });

  it('fails every request through a layer whose source is missing, and only that layer', async () => {
    const backend = await startRecordingBackend();
    const gateway = await startGateway({
      version: 3,
      endpoints: [
        { endpoint: '/router', backend: [{ host: [backend.url], url_pattern: '/r' }], extra_config: { 'modifier/lua-endpoint': { sources: ['/no/such/router.lua'], pre: 'print(1)' } } },
        { endpoint: '/proxy', backend: [{ host: [backend.url], url_pattern: '/p' }], extra_config: { 'modifier/lua-proxy': { sources: ['/no/such/proxy.lua'], pre: 'print(1)' } } },
        { endpoint: '/plain', backend: [{ host: [backend.url], url_pattern: '/ok' }] },
      ],
    });
    try {
      assert.equal((await request(`${gateway.url}/router`)).status, 500);
      assert.equal((await request(`${gateway.url}/proxy`)).status, 500);
      assert.equal((await request(`${gateway.url}/plain`)).status, 200);
      assert.deepEqual(backend.requests.map((seen) => seen.url), ['/ok'], 'a failing Lua layer never calls its backend');
    } finally {
      await Promise.all([gateway.close(), backend.close()]);
    }
  });

  it('checks md5 checksums', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-lua-md5-'));
    const file = join(dir, 'a.lua');
    await writeFile(file, 'x = 1');
    const good = await load({ sources: [file], md5: { [file]: createHash('md5').update('x = 1').digest('hex') } });
    assert.ok(good.config, JSON.stringify(good.issues));
    const bad = await load({ sources: [file], md5: { [file]: '0'.repeat(32) } });
    assert.ok(bad.issues.some((issue) => issue.code === 'PRT_ERR_CONFIG_LUA_CHECKSUM'));
  });

  it('warns about scripts that do not compile, and about live', async () => {
    const result = await load({ pre: 'if then', live: true });
    const codes = result.issues.map((issue) => issue.code).sort();
    assert.deepEqual(codes, ['PRT_WARN_CONFIG_LUA_SCRIPT', 'PRT_WARN_CONFIG_UNSUPPORTED']);
  });
});

describe('modifier/lua-endpoint', () => {
  let backend: RecordingBackend;
  let gateway: TestGateway;

  before(async () => {
    backend = await startRecordingBackend((incoming, response, recorded) => {
      sendJson(response, 200, { url: incoming.url, method: incoming.method, body: recorded.body });
    });
    const be = (urlPattern: string) => ({ host: [backend.url], url_pattern: urlPattern });
    gateway = await startGateway({
      version: 3,
      extra_config: {
        router: { return_error_msg: true },
        'modifier/lua-endpoint': { allow_open_libs: true, pre: 'local c = ctx.load(); if c:url():sub(1, 5) == "/old/" then c:url("/new/" .. c:url():sub(6)) end' },
      },
      endpoints: [
        { endpoint: '/new/{id}', input_query_strings: ['q'], backend: [be('/new/{id}')] },
        {
          endpoint: '/edit/{id}',
          method: 'POST',
          input_headers: ['X-Added', 'X-Removed'],
          input_query_strings: ['q', 'r'],
          backend: [be('/edited/{id}')],
          extra_config: {
            'modifier/lua-endpoint': {
              allow_open_libs: true,
              pre: `local c = ctx.load()
                c:headers("X-Added", c:method() .. " " .. c:params("id") .. " " .. c:query("q"))
                c:headers("X-Removed", nil)
                c:params("id", c:params("id") .. "0")
                c:query("r", "from-lua")
                c:body(c:body() .. "!")`,
            },
          },
        },
        { endpoint: '/refuse', backend: [be('/refused')], extra_config: { 'modifier/lua-endpoint': { pre: "custom_error('nope', 403, 'text/x-reason')" } } },
        { endpoint: '/fail', backend: [be('/failed')], extra_config: { 'modifier/lua-endpoint': { pre: 'undefined_function()' } } },
      ],
    });
  });

  after(async () => {
    await Promise.all([gateway.close(), backend.close()]);
  });

  it('rewrites the request before routing at service level', async () => {
    const response = await request(`${gateway.url}/old/5?q=1`);
    assert.equal(response.status, 200);
    assert.equal(JSON.parse(response.body)['url'], '/new/5?q=1');
  });

  it('changes headers, params, query and body before the endpoint reads them', async () => {
    const response = await request(`${gateway.url}/edit/4?q=x`, { method: 'POST', headers: { 'X-Removed': 'secret' }, body: 'payload' });
    assert.equal(response.status, 200);
    const seen = JSON.parse(response.body) as Record<string, unknown>;
    assert.equal(seen['url'], '/edited/40?q=x&r=from-lua');
    assert.equal(seen['body'], 'payload!');
    assert.deepEqual(backend.lastHeaders()['x-added'], ['POST 4 x']);
    assert.equal(backend.lastHeaders()['x-removed'], undefined);
  });

  it('answers custom_error with a bare status and its content type', async () => {
    const response = await request(`${gateway.url}/refuse`);
    assert.equal(response.status, 403);
    assert.equal(response.body, '');
    assert.equal(response.headers['content-type'], 'text/x-reason');
    assert.equal(response.headers['x-krakend'], undefined);
    assert.equal(backend.requests.filter((recorded) => recorded.url === '/refused').length, 0);
  });

  it('answers a failing script with a bare 500', async () => {
    const response = await request(`${gateway.url}/fail`);
    assert.equal(response.status, 500);
    assert.equal(response.body, '');
  });
});
