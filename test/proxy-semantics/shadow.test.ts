import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { loadConfig } from '../../src/config/load.js';
import { readAll, sendJson, startBackend, startGateway, writeConfig } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';
import { components } from '../helpers/components.js';

async function waitFor(check: () => boolean, what: string, limitMs = 2000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > limitMs) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface ShadowCall {
  url: string;
  method: string;
  body: string;
  headers: Record<string, string | string[] | undefined>;
  closedAt: number | undefined;
  response: ServerResponse;
}

describe('shadow backends', () => {
  let real: RunningServer;
  let shadow: RunningServer;
  let gateway: TestGateway;
  const shadowCalls: ShadowCall[] = [];

  before(async () => {
    real = await startBackend(async (request, response) => {
      await readAll(request);
      sendJson(response, 200, { real: true, path: request.url });
    });
    shadow = await startBackend(async (request, response) => {
      const call: ShadowCall = { url: request.url as string, method: request.method as string, body: await readAll(request), headers: request.headers, closedAt: undefined, response };
      shadowCalls.push(call);
      response.once('close', () => (call.closedAt = Date.now()));
      if (call.url.startsWith('/hang')) return; // never answers
      if (call.url.startsWith('/fail')) return sendJson(response, 500, { shadow: 'failed' });
      sendJson(response, 200, { shadow: true, leaked: 'must not appear' });
    });
    const shadowBackend = (pattern: string, timeout?: string) => ({
      host: [shadow.url],
      url_pattern: pattern,
      extra_config: { proxy: { shadow: true, ...(timeout ? { shadow_timeout: timeout } : {}) } },
    });
    gateway = await startGateway({
      version: 3,
      timeout: '3s',
      endpoints: [
        {
          endpoint: '/users/{id}',
          method: 'POST',
          input_headers: ['X-Trace'],
          backend: [{ host: [real.url], url_pattern: '/v1/users/{id}' }, shadowBackend('/v2/users/{id}')],
        },
        { endpoint: '/hanging', backend: [{ host: [real.url], url_pattern: '/ok' }, shadowBackend('/hang', '200ms')] },
        { endpoint: '/failing', backend: [{ host: [real.url], url_pattern: '/ok' }, shadowBackend('/fail')] },
        { endpoint: '/refused', backend: [{ host: [real.url], url_pattern: '/ok' }, { ...shadowBackend('/x'), host: ['http://127.0.0.1:1'] }] },
        {
          endpoint: '/merged',
          backend: [
            { host: [real.url], url_pattern: '/a', group: 'a' },
            { host: [real.url], url_pattern: '/b', group: 'b' },
            shadowBackend('/shadow-of-merged'),
          ],
        },
      ],
    });
  });

  after(async () => {
    for (const call of shadowCalls) if (call.closedAt === undefined) call.response.destroy();
    await gateway?.close();
    await real?.close();
    await shadow?.close();
  });

  it('sends a copy of the request to the shadow and answers with the real backend only', async () => {
    shadowCalls.length = 0;
    const response = await fetch(`${gateway.url}/users/7`, { method: 'POST', body: '{"a":1}', headers: { 'X-Trace': 't-1', 'Content-Type': 'application/json' } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-krakend-completed'), 'true');
    assert.deepEqual(await response.json(), { real: true, path: '/v1/users/7' });
    await waitFor(() => shadowCalls.length === 1, 'the shadow call');
    const call = shadowCalls[0] as ShadowCall;
    assert.equal(call.url, '/v2/users/7');
    assert.equal(call.method, 'POST');
    assert.equal(call.body, '{"a":1}', 'the shadow gets the same body');
    assert.equal(call.headers['x-trace'], 't-1', 'and the same headers');
  });

  it('never waits for a shadow that hangs, and aborts it at shadow_timeout', async () => {
    shadowCalls.length = 0;
    const response = await fetch(`${gateway.url}/hanging`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { real: true, path: '/ok' });
    await waitFor(() => shadowCalls.length === 1, 'the shadow call');
    const call = shadowCalls[0] as ShadowCall;
    assert.equal(call.closedAt, undefined, 'the answer came while the shadow was still pending');
    await waitFor(() => call.closedAt !== undefined, 'the shadow call to be aborted', 2000);
  });

  it('ignores shadow failures, whether an error status or a refused connection', async () => {
    for (const path of ['/failing', '/refused']) {
      const response = await fetch(`${gateway.url}${path}`);
      assert.equal(response.status, 200, path);
      assert.equal(response.headers.get('x-krakend-completed'), 'true', path);
      assert.deepEqual(await response.json(), { real: true, path: '/ok' });
    }
  });

  it('merges only the regular backends', async () => {
    const response = await fetch(`${gateway.url}/merged`);
    assert.deepEqual(await response.json(), { a: { real: true, path: '/a' }, b: { real: true, path: '/b' } });
  });

  it('refuses an endpoint whose backends are all shadows', async () => {
    const file = await writeConfig({
      version: 3,
      endpoints: [{ endpoint: '/x', backend: [{ host: ['http://127.0.0.1:1'], url_pattern: '/x', extra_config: { proxy: { shadow: true } } }] }],
    });
    const result = await loadConfig(file, { components, env: {} });
    assert.equal(result.config, undefined);
    assert.ok(result.issues.some((issue) => issue.code === 'PRT_ERR_CONFIG_ONLY_SHADOW'));
  });
});
