/**
 * Lua scripts share the worker's event loop with every other request. A script that loops, allocates
 * without bound, or spins where it cannot yield fails its own request with a bounded error, while a
 * control request on another endpoint answers within 100 ms, and the worker's memory returns.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from '../helpers/http.js';
import { sendJson, startBackend, startGateway } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';
import { assertNoStall, describeStall, sideBySide } from '../helpers/stall.js';

const proxyLua = (pre: string, post = '') => ({ 'modifier/lua-proxy': { allow_open_libs: true, pre, post } });

describe('Lua scripts cannot stall or bloat the gateway', () => {
  let backend: RunningServer;
  let gateway: TestGateway;
  before(async () => {
    backend = await startBackend((_incoming, response) => sendJson(response, 200, { ok: true }));
    const be = [{ host: [backend.url], url_pattern: '/' }];
    gateway = await startGateway({
      version: 3,
      endpoints: [
        { endpoint: '/control', backend: be },
        { endpoint: '/loop', timeout: '1s', backend: be, extra_config: proxyLua('while true do end') },
        { endpoint: '/router-loop', timeout: '1s', backend: be, extra_config: { 'modifier/lua-endpoint': { pre: 'while true do end' } } },
        { endpoint: '/rep', timeout: '1s', backend: be, extra_config: proxyLua("local s = string.rep('x', 1e9)") },
        { endpoint: '/grow', timeout: '3s', backend: be, extra_config: proxyLua("local s = 'x' while true do s = s .. s end") },
        { endpoint: '/tables', timeout: '3s', backend: be, extra_config: proxyLua('local t = {} local i = 0 while true do i = i + 1 t[i] = {i, i, i} end') },
        { endpoint: '/unpausable', timeout: '2s', backend: be, extra_config: proxyLua('local t = {3, 2, 1} table.sort(t, function(a, b) while true do end end)') },
        { endpoint: '/yield', timeout: '1s', backend: be, extra_config: proxyLua('coroutine.yield(1)') },
        {
          endpoint: '/work',
          timeout: '5s',
          backend: be,
          extra_config: proxyLua(
            '',
            `local n = 0
             for i = 1, 2000000 do n = n + i end
             local co = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end end)
             local c = co() + co() + co()
             local ok, err = pcall(string.rep, 'x', 1e9)
             local d = response.load():data()
             d:set("sum", n) d:set("coroutine", c) d:set("caught", (not ok) and tostring(err) or "no error")`,
          ),
        },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  const control = () => request(`${gateway.url}/control`, { timeoutMs: 30_000 });
  const hostile = (path: string) => () => request(`${gateway.url}${path}`, { timeoutMs: 30_000 });

  // Time: the hostile request is answered within its endpoint timeout (+1 s of slack for a loaded machine).
  // Memory: a script that allocated up to the 16 MiB cap leaves the WebAssembly heap that large (it cannot
  // shrink; the freed space is reused, see the last test); anything else should leave no trace.
  for (const [path, what, withinMs, growthMb] of [
    ['/loop', 'an endless loop (lua-proxy)', 2_000, 8],
    ['/router-loop', 'an endless loop (lua-endpoint)', 2_000, 8],
    ['/rep', "string.rep('x', 1e9)", 1_000, 8],
    ['/grow', 'a string doubling until memory runs out', 4_000, 48],
    ['/tables', 'tables allocated until memory runs out', 4_000, 48],
    ['/unpausable', 'a loop inside a table.sort comparator, where Lua cannot yield', 2_000, 8],
  ] as const) {
    it(`${what}: a bounded 500, the worker keeps serving and its memory returns`, async () => {
      const report = await sideBySide(hostile(path), control);
      const text = describeStall(report);
      console.log(`# ${path}: ${text}`);
      assert.ok(!(report.hostile instanceof Error), text);
      assert.equal(report.hostile.status, 500, text);
      assert.ok(report.hostileMs < withinMs, text);
      assert.equal(report.control.status, 200);
      assertNoStall(report);
      assert.ok(report.rssAfterMb - report.rssBeforeMb < growthMb, text);
    });
  }

  it('a script that yields outside a coroutine fails, as in KrakenD', async () => {
    assert.equal((await request(`${gateway.url}/yield`)).status, 500);
  });

  it('a long but finite script runs to the end across many turns, with its own coroutines and pcall intact', async () => {
    const report = await sideBySide(hostile('/work'), control);
    const text = describeStall(report);
    assert.ok(!(report.hostile instanceof Error), text);
    assert.equal(report.hostile.status, 200, text);
    const data = JSON.parse(report.hostile.body) as Record<string, unknown>;
    assert.equal(data['sum'], 2000001000000);
    assert.equal(data['coroutine'], 6);
    assert.match(String(data['caught']), /not enough memory/);
    assertNoStall(report);
  });

  it('repeated memory-hungry requests do not add up', async () => {
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 5; i++) assert.equal((await request(`${gateway.url}/grow`, { timeoutMs: 30_000 })).status, 500);
    const grownMb = (process.memoryUsage().rss - before) / 1024 / 1024;
    console.log(`# 5 × /grow: rss +${grownMb.toFixed(1)} MB`);
    assert.ok(grownMb < 16, `rss grew ${grownMb.toFixed(1)} MB`);
  });
});
