import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sendJson, startBackend, startGateway } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';

const STRATEGIES = ['always', 'success', 'complete', 'errored', 'incomplete'] as const;

/** How the backends behave in each scenario. */
const SCENARIOS = {
  /** One backend answers: complete, no error. */
  complete: (host: string) => [{ host: [host], url_pattern: '/ok' }],
  /** Two backends, one fails: a partial answer carrying an error. */
  partial: (host: string) => [
    { host: [host], url_pattern: '/ok' },
    { host: [host], url_pattern: '/fail' },
  ],
  /** The only backend fails: no answer, an error. */
  failed: (host: string) => [{ host: [host], url_pattern: '/fail' }],
  /** `return_error_details`: an incomplete answer without an error. */
  incomplete: (host: string) => [{ host: [host], url_pattern: '/fail', extra_config: { 'backend/http': { return_error_details: 'backend' } } }],
} as const;
type Scenario = keyof typeof SCENARIOS;

/** lura's matchers: whether the static data is added, per strategy and scenario. */
const EXPECTED: Record<(typeof STRATEGIES)[number], Record<Scenario, boolean>> = {
  always: { complete: true, partial: true, failed: true, incomplete: true },
  success: { complete: true, partial: false, failed: false, incomplete: true },
  complete: { complete: true, partial: false, failed: false, incomplete: false },
  errored: { complete: false, partial: true, failed: true, incomplete: false },
  incomplete: { complete: false, partial: true, failed: true, incomplete: true },
};

describe('static proxy strategies', () => {
  let backend: RunningServer;
  let gateway: TestGateway;

  before(async () => {
    backend = await startBackend((request, response) => {
      if (request.url === '/ok') return sendJson(response, 200, { from: 'backend', shared: 'backend' });
      sendJson(response, 500, { error: 'boom' });
    });
    const endpoints = [];
    for (const strategy of STRATEGIES) {
      for (const scenario of Object.keys(SCENARIOS) as Scenario[]) {
        endpoints.push({
          endpoint: `/${strategy}/${scenario}`,
          extra_config: { proxy: { static: { strategy, data: { shared: 'static', nested: { list: [1, 2] } } } } },
          backend: SCENARIOS[scenario](backend.url),
        });
      }
    }
    gateway = await startGateway({ version: 3, cache_ttl: '1h', endpoints });
  });

  after(async () => {
    await gateway?.close();
    await backend?.close();
  });

  for (const strategy of STRATEGIES) {
    for (const scenario of Object.keys(SCENARIOS) as Scenario[]) {
      const applies = EXPECTED[strategy][scenario];
      it(`${strategy}: ${applies ? 'adds' : 'does not add'} the data to ${scenario === 'incomplete' ? 'an' : 'a'} ${scenario} answer`, async () => {
        const response = await fetch(`${gateway.url}/${strategy}/${scenario}`);
        if (scenario === 'failed' && !applies) {
          assert.equal(response.status, 500, 'a failure without static data stays a failure');
          return;
        }
        assert.equal(response.status, 200);
        const body = (await response.json()) as Record<string, unknown>;
        assert.equal(body['shared'], applies ? 'static' : scenario === 'incomplete' ? undefined : 'backend', 'static keys win over backend keys');
        assert.deepEqual(body['nested'], applies ? { list: [1, 2] } : undefined);
        if (scenario === 'complete' || scenario === 'partial') assert.equal(body['from'], 'backend');
        if (scenario === 'failed') assert.deepEqual(Object.keys(body).sort(), ['nested', 'shared'], 'only the static data');
        const completed = response.headers.get('x-krakend-completed');
        assert.equal(completed, scenario === 'complete' ? 'true' : 'false');
        assert.equal(response.headers.get('cache-control'), scenario === 'complete' ? 'public, max-age=3600' : null);
      });
    }
  }

  it('hands each request its own copy of the static data', async () => {
    const first = (await (await fetch(`${gateway.url}/always/complete`)).json()) as { nested: { list: number[] } };
    first.nested.list.push(3);
    const second = (await (await fetch(`${gateway.url}/always/complete`)).json()) as { nested: { list: number[] } };
    assert.deepEqual(second.nested.list, [1, 2]);
  });
});
