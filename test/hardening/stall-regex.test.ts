/**
 * Patterns from the config run on RE2 (linear time), whatever the client sends: CEL's `matches()` and
 * JSON Schema's `pattern`/`patternProperties`, the security components' patterns, RSS people. With a
 * backtracking engine, `^(a+)+$` against 27 `a`s and a `!` holds the worker for seconds; on RE2 it
 * answers at once and a control request is not held.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { request } from '../helpers/http.js';
import { sendJson, startBackend, startGateway, writeConfig } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';
import { assertNoStall, describeStall, sideBySide } from '../helpers/stall.js';
import { components } from '../helpers/components.js';

const EVIL = '^(a+)+$';
// 27 characters: a backtracking engine needs about 2^27 steps (seconds), so a regression fails the lag
// assertions instead of hanging the suite; RE2 answers in microseconds.
const NEARLY = `${'a'.repeat(27)}!`;

describe('regular expressions on client input', () => {
  let backend: RunningServer;
  let gateway: TestGateway;
  before(async () => {
    backend = await startBackend((_incoming, response) => sendJson(response, 200, { ok: true }));
    const be = { host: [backend.url], url_pattern: '/' };
    gateway = await startGateway({
      version: 3,
      endpoints: [
        { endpoint: '/control', backend: [be] },
        { endpoint: '/cel', input_headers: ['X-Name'], backend: [be], extra_config: { 'validation/cel': [{ check_expr: `req_headers['X-Name'][0].matches('${EVIL}')` }] } },
        {
          endpoint: '/cel-dynamic',
          input_headers: ['X-Name', 'X-Pattern'],
          backend: [be],
          extra_config: { 'validation/cel': [{ check_expr: "req_headers['X-Name'][0].matches(req_headers['X-Pattern'][0])" }] },
        },
        { endpoint: '/cel-flags', input_headers: ['X-Name'], backend: [be], extra_config: { 'validation/cel': [{ check_expr: "req_headers['X-Name'][0].matches('(?i)^go\\\\w+$')" }] } },
        { endpoint: '/schema', method: 'POST', backend: [be], extra_config: { 'validation/json-schema': { type: 'object', properties: { name: { type: 'string', pattern: EVIL } } } } },
        { endpoint: '/schema-keys', method: 'POST', backend: [be], extra_config: { 'validation/json-schema': { type: 'object', patternProperties: { [EVIL]: { type: 'number' } } } } },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  const control = () => request(`${gateway.url}/control`, { timeoutMs: 30_000 });

  it('CEL matches() keeps its meaning on RE2', async () => {
    assert.equal((await request(`${gateway.url}/cel`, { headers: { 'x-name': 'aaaa' } })).status, 200);
    assert.equal((await request(`${gateway.url}/cel`, { headers: { 'x-name': 'aab' } })).status, 500);
    // Go syntax: inline flags and \w.
    assert.equal((await request(`${gateway.url}/cel-flags`, { headers: { 'x-name': 'GOlang' } })).status, 200);
    assert.equal((await request(`${gateway.url}/cel-flags`, { headers: { 'x-name': 'rust' } })).status, 500);
  });

  it('CEL matches() with a catastrophic pattern does not hold the worker', async () => {
    const report = await sideBySide(() => request(`${gateway.url}/cel`, { headers: { 'x-name': NEARLY }, timeoutMs: 30_000 }), control);
    assert.ok(!(report.hostile instanceof Error), describeStall(report));
    assert.equal(report.hostile.status, 500);
    assert.equal(report.control.status, 200);
    assertNoStall(report);
  });

  it('CEL matches() with a pattern the client sends is RE2 too', async () => {
    const headers = { 'x-name': `${'a'.repeat(5_000)}!`, 'x-pattern': '(a|aa)+$' };
    const report = await sideBySide(() => request(`${gateway.url}/cel-dynamic`, { headers, timeoutMs: 30_000 }), control);
    assert.ok(!(report.hostile instanceof Error), describeStall(report));
    assert.equal(report.hostile.status, 500);
    assertNoStall(report);
    assert.equal((await request(`${gateway.url}/cel-dynamic`, { headers: { 'x-name': 'abc', 'x-pattern': 'b' } })).status, 200);
    // A pattern RE2 cannot compile fails the check (as cel-go's matches does), not the gateway.
    assert.equal((await request(`${gateway.url}/cel-dynamic`, { headers: { 'x-name': 'aa', 'x-pattern': '(a)\\1' } })).status, 500);
  });

  it('JSON Schema pattern keeps its meaning on RE2', async () => {
    assert.equal((await request(`${gateway.url}/schema`, { method: 'POST', body: '{"name":"aaa"}' })).status, 200);
    assert.equal((await request(`${gateway.url}/schema`, { method: 'POST', body: '{"name":"aab"}' })).status, 400);
    assert.equal((await request(`${gateway.url}/schema-keys`, { method: 'POST', body: '{"aaa":1,"b":"x"}' })).status, 200);
    assert.equal((await request(`${gateway.url}/schema-keys`, { method: 'POST', body: '{"aaa":"x"}' })).status, 400);
  });

  it('JSON Schema pattern with a catastrophic pattern does not hold the worker', async () => {
    const body = JSON.stringify({ name: NEARLY });
    const report = await sideBySide(() => request(`${gateway.url}/schema`, { method: 'POST', body, timeoutMs: 30_000 }), control);
    assert.ok(!(report.hostile instanceof Error), describeStall(report));
    assert.equal(report.hostile.status, 400);
    assertNoStall(report);
  });

  it('JSON Schema patternProperties with a catastrophic pattern does not hold the worker', async () => {
    const body = JSON.stringify({ [NEARLY]: 1 });
    const report = await sideBySide(() => request(`${gateway.url}/schema-keys`, { method: 'POST', body, timeoutMs: 30_000 }), control);
    assert.ok(!(report.hostile instanceof Error), describeStall(report));
    assert.equal(report.hostile.status, 200);
    assertNoStall(report);
  });
});

describe('patterns of the security components', () => {
  let backend: RunningServer;
  let gateway: TestGateway;
  before(async () => {
    backend = await startBackend((_incoming, response) => sendJson(response, 200, { ok: true }));
    gateway = await startGateway({
      version: 3,
      extra_config: {
        'security/bot-detector': { patterns: [EVIL] },
        'security/http': { allowed_hosts: ['127\\.0\\.0\\.1(:\\d+)?', '(a+)+\\.example'], allowed_hosts_are_regex: true },
      },
      endpoints: [{ endpoint: '/control', backend: [{ host: [backend.url], url_pattern: '/' }] }],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });
  const control = () => request(`${gateway.url}/control`, { timeoutMs: 30_000 });

  it('a User-Agent built to backtrack against a bot pattern does not hold the worker', async () => {
    assert.equal((await request(`${gateway.url}/control`, { headers: { 'user-agent': 'aaaa' } })).status, 403);
    const report = await sideBySide(() => request(`${gateway.url}/control`, { headers: { 'user-agent': NEARLY }, timeoutMs: 30_000 }), control);
    assert.ok(!(report.hostile instanceof Error), describeStall(report));
    assert.equal(report.hostile.status, 200);
    assertNoStall(report);
  });

  it('a Host built to backtrack against an allowed-host pattern does not hold the worker', async () => {
    assert.equal((await request(`${gateway.url}/control`, { headers: { host: 'aaa.example' } })).status, 200);
    const report = await sideBySide(() => request(`${gateway.url}/control`, { headers: { host: `${'a'.repeat(27)}!.example` }, timeoutMs: 30_000 }), control);
    assert.ok(!(report.hostile instanceof Error), describeStall(report));
    assert.equal(report.hostile.status, 500);
    assertNoStall(report);
  });
});

describe('regular expressions on backend data', () => {
  let backend: RunningServer;
  let gateway: TestGateway;
  before(async () => {
    // An RSS author of 20 000 `@`: quadratic for the backtracking patterns that parsed it (1.7 s here; 200 000 would take minutes).
    backend = await startBackend((incoming, response) => {
      if (incoming.url === '/feed') {
        response.setHeader('content-type', 'application/rss+xml');
        return response.end(`<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>i</title><author>${'@'.repeat(20_000)}</author></item><item><title>j</title><author>joe@example.com (Joe)</author></item></channel></rss>`);
      }
      sendJson(response, 200, { ok: true });
    });
    gateway = await startGateway({
      version: 3,
      endpoints: [
        { endpoint: '/control', backend: [{ host: [backend.url], url_pattern: '/' }] },
        { endpoint: '/feed', backend: [{ host: [backend.url], url_pattern: '/feed', encoding: 'rss' }] },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('an RSS author field built to backtrack does not hold the worker, and authors still parse', async () => {
    const report = await sideBySide(() => request(`${gateway.url}/feed`, { timeoutMs: 30_000 }), () => request(`${gateway.url}/control`, { timeoutMs: 30_000 }));
    assert.ok(!(report.hostile instanceof Error), describeStall(report));
    assert.equal(report.hostile.status, 200);
    const items = (JSON.parse(report.hostile.body) as { items: { author: unknown }[] }).items;
    assert.deepEqual(items[1]?.author, { name: 'Joe', email: 'joe@example.com' });
    assertNoStall(report);
  });
});

describe('patterns RE2 cannot run are start-up errors with a location', () => {
  const load = async (extra: Record<string, unknown>) => loadConfig(await writeConfig({ version: 3, endpoints: [{ endpoint: '/x', method: 'POST', backend: [{ host: ['http://127.0.0.1:1'], url_pattern: '/' }], extra_config: extra }] }), { components, env: {} });

  it('a CEL matches() pattern with a backreference', async () => {
    const result = await load({ 'validation/cel': [{ check_expr: "req_headers['X'][0].matches('(a)\\\\1')" }] });
    assert.equal(result.config, undefined);
    const issue = result.issues.find((item) => item.code === 'PRT_ERR_CONFIG_CEL');
    assert.ok(issue, JSON.stringify(result.issues));
    assert.equal(issue.keyPath, 'endpoints[0].extra_config["validation/cel"][0].check_expr');
    assert.ok(issue.position && issue.position.line > 1, JSON.stringify(issue));
    assert.match(issue.message, /not RE2 syntax/);
  });

  it('a JSON Schema pattern with lookahead, and a patternProperties key with a backreference', async () => {
    const result = await load({ 'validation/json-schema': { properties: { name: { pattern: '^(?=a)' } }, patternProperties: { '(x)\\1': {} } } });
    assert.equal(result.config, undefined);
    const issues = result.issues.filter((item) => item.code === 'PRT_ERR_CONFIG_REGEX').map((item) => [item.keyPath, item.position?.line]);
    assert.deepEqual(
      issues.map(([path]) => path),
      ['endpoints[0].extra_config["validation/json-schema"].properties.name.pattern', 'endpoints[0].extra_config["validation/json-schema"].patternProperties["(x)\\\\1"]'],
    );
    assert.ok(issues.every(([, line]) => typeof line === 'number' && line > 1), JSON.stringify(issues));
  });
});
