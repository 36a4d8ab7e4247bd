/** Conditional backends (KrakenD EE's backend/conditional): header, policy (CEL) and fallback strategies. */
import { components } from '../helpers/components.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { request } from '../helpers/http.js';
import { startRecordingBackend } from '../helpers/recording-backend.js';
import type { RecordingBackend } from '../helpers/recording-backend.js';
import { sendJson, startGateway, writeConfig } from '../helpers/servers.js';
import type { TestGateway } from '../helpers/servers.js';

const conditional = (rule: Record<string, unknown>) => ({ extra_config: { 'backend/conditional': rule } });

describe('conditional backends', () => {
  let backend: RecordingBackend;
  let gateway: TestGateway;
  before(async () => {
    backend = await startRecordingBackend((req, res) => sendJson(res, 200, { [`from_${(req.url ?? '').split('?')[0]?.slice(1).replace(/\//g, '_')}`]: true }));
    const to = (urlPattern: string, extra: Record<string, unknown> = {}) => ({ host: [backend.url], url_pattern: urlPattern, ...extra });
    gateway = await startGateway({
      version: 3,
      endpoints: [
        {
          endpoint: '/ab',
          input_headers: ['X-Variant'],
          input_query_strings: ['tier'],
          backend: [
            to('/a', conditional({ strategy: 'header', name: 'x-variant', value: 'a' })),
            to('/b', conditional({ strategy: 'header', name: 'X-Variant', value: 'b' })),
            to('/gold', conditional({ strategy: 'policy', value: "'tier' in req_querystring && req_querystring['tier'][0] == 'gold'" })),
            to('/default', conditional({ strategy: 'fallback' })),
            to('/always'),
          ],
        },
        {
          endpoint: '/seq/{id}',
          input_headers: ['X-Beta'],
          extra_config: { proxy: { sequential: true } },
          backend: [to('/beta/{id}', conditional({ strategy: 'header', name: 'X-Beta' })), to('/stable/{id}')],
        },
        { endpoint: '/only', input_headers: ['X-On'], backend: [to('/only', conditional({ strategy: 'header', name: 'X-On', value: '1' }))] },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  async function calls(path: string, headers: Record<string, string> = {}): Promise<{ body: unknown; urls: string[]; completed: unknown }> {
    const before = backend.requests.length;
    const response = await request(gateway.url + path, { headers });
    assert.equal(response.status, 200);
    return { body: JSON.parse(response.body), urls: backend.requests.slice(before).map((recorded) => recorded.url.split('?')[0] as string).sort(), completed: response.headers['x-krakend-completed'] };
  }

  it('runs the backend whose header matches, and the unconditional one; never the fallback then', async () => {
    const a = await calls('/ab', { 'X-Variant': 'a' });
    assert.deepEqual(a.urls, ['/a', '/always']);
    assert.deepEqual(a.body, { from_a: true, from_always: true });
    assert.equal(a.completed, 'true', 'a skipped backend is no failure');
    assert.deepEqual((await calls('/ab', { 'X-Variant': 'b' })).urls, ['/always', '/b']);
  });

  it('evaluates the CEL policy on the forwarded query strings', async () => {
    assert.deepEqual((await calls('/ab?tier=gold')).urls, ['/always', '/gold']);
    assert.deepEqual((await calls('/ab?tier=gold', { 'X-Variant': 'a' })).urls, ['/a', '/always', '/gold']);
  });

  it('runs the fallback only when no rule holds', async () => {
    assert.deepEqual((await calls('/ab')).urls, ['/always', '/default']);
    assert.deepEqual((await calls('/ab?tier=silver', { 'X-Variant': 'c' })).urls, ['/always', '/default']);
  });

  it('skips a backend inside a sequential chain, the rest running', async () => {
    assert.deepEqual((await calls('/seq/4')).urls, ['/stable/4']);
    assert.deepEqual((await calls('/seq/4', { 'X-Beta': 'yes' })).urls, ['/beta/4', '/stable/4']);
  });

  it('answers an empty 200 when the only backend is skipped', async () => {
    const skipped = await calls('/only');
    assert.deepEqual(skipped.urls, []);
    assert.deepEqual(skipped.body, {});
    assert.deepEqual((await calls('/only', { 'X-On': '1' })).body, { from_only: true });
  });
});

describe('conditional backends at start-up', () => {
  async function issuesOf(backends: unknown[], endpoint: Record<string, unknown> = {}) {
    const result = await loadConfig(await writeConfig({ version: 3, endpoints: [{ endpoint: '/x', backend: backends, ...endpoint }] }), { components, env: {} });
    return result.issues.map((issue) => `${issue.code} ${issue.keyPath}`);
  }
  const host = ['http://127.0.0.1:9'];

  it('refuses a second fallback, a policy that is not CEL, a header rule without name, an unknown strategy', async () => {
    assert.deepEqual(
      await issuesOf([
        { host, url_pattern: '/1', ...conditional({ strategy: 'fallback' }) },
        { host, url_pattern: '/2', ...conditional({ strategy: 'fallback' }) },
        { host, url_pattern: '/3', ...conditional({ strategy: 'policy', value: 'req_headers[' }) },
        { host, url_pattern: '/4', ...conditional({ strategy: 'header' }) },
        { host, url_pattern: '/5', ...conditional({ strategy: 'cookie' }) },
      ]),
      [
        'PRT_ERR_CONFIG_VALUE endpoints[0].backend[4].extra_config["backend/conditional"].strategy',
        'PRT_ERR_CONFIG_VALUE endpoints[0].backend[1].extra_config["backend/conditional"].strategy',
        'PRT_ERR_CONFIG_VALUE endpoints[0].backend[2].extra_config["backend/conditional"].value',
        'PRT_ERR_CONFIG_VALUE endpoints[0].backend[3].extra_config["backend/conditional"].name',
      ],
    );
  });

  it('warns when the header a rule reads is not forwarded by the endpoint', async () => {
    assert.deepEqual(await issuesOf([{ host, url_pattern: '/1', ...conditional({ strategy: 'header', name: 'X-Tenant', value: 'a' }) }]), [
      'PRT_WARN_CONFIG_CONDITION_HEADER endpoints[0].backend[0].extra_config["backend/conditional"].name',
    ]);
    assert.deepEqual(await issuesOf([{ host, url_pattern: '/1', ...conditional({ strategy: 'header', name: 'X-Tenant', value: 'a' }) }], { input_headers: ['x-tenant'] }), []);
  });
});
