import { components } from '../helpers/components.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/load.js';
import { writeConfig } from '../helpers/servers.js';

const driver = { 'async/amqp': { host: 'amqp://guest:guest@127.0.0.1:5672', name: 'q', exchange: 'x' } };

test('async agents get lura defaults; one without a driver or without backends is left out with a warning', async () => {
  const file = await writeConfig({
    version: 3,
    timeout: '3s',
    host: ['http://root:8080'],
    async_agent: [
      { consumer: { topic: '#', workers: 0 }, connection: { health_interval: '10ms' }, backend: [{ url_pattern: '/a' }], extra_config: driver },
      { name: 'named', consumer: { topic: 't', workers: 3, timeout: '500ms', max_rate: 2 }, connection: { max_retries: 4, backoff_strategy: 'linear' }, backend: [{ url_pattern: '/b', method: 'PUT' }], extra_config: driver },
      { name: 'driverless', backend: [{ url_pattern: '/c' }] },
    ],
  });
  const result = await loadConfig(file, { components, env: {} });
  assert.ok(result.config, JSON.stringify(result.issues));
  const agents = result.config.asyncAgents ?? [];
  assert.deepEqual(
    agents.map((agent) => [agent.name, agent.workers, agent.healthIntervalMs, agent.timeoutMs, agent.maxRetries, agent.backoffStrategy, agent.maxRate, agent.topic]),
    [
      ['AsyncAgent-00', 1, 1000, 3000, Infinity, '', 0, '#'],
      ['named', 3, 1000, 500, 4, 'linear', 2, 't'],
    ],
  );
  assert.deepEqual(agents.map((agent) => agent.endpoint.backends.map((backend) => [backend.hosts, backend.method])), [[[['http://root:8080'], 'POST']], [[['http://root:8080'], 'PUT']]]);
  assert.deepEqual(
    result.issues.filter((issue) => issue.code === 'PRT_WARN_CONFIG_ASYNC_AGENT').map((issue) => issue.keyPath),
    ['async_agent[2].extra_config'],
  );

  const empty = await loadConfig(await writeConfig({ version: 3, async_agent: [{ name: 'none', backend: [], extra_config: driver }] }), { components, env: {} });
  assert.deepEqual(empty.config?.asyncAgents, []);
  assert.ok(empty.issues.some((issue) => issue.code === 'PRT_WARN_CONFIG_ASYNC_AGENT' && issue.keyPath === 'async_agent[0].backend'));
});

test("an async agent's backends are checked like an endpoint's: an unsupported pub/sub scheme is a located start-up error", async () => {
  const file = await writeConfig({
    version: 3,
    async_agent: [{ name: 'a', backend: [{ host: ['kafka://'], disable_host_sanitize: true, url_pattern: '/x', extra_config: { 'backend/pubsub/publisher': { topic_url: 't' } } }], extra_config: driver }],
  });
  const result = await loadConfig(file, { components, env: {} });
  assert.equal(result.config, undefined);
  assert.ok(result.issues.some((issue) => issue.code === 'PRT_ERR_CONFIG_PUBSUB_SCHEME' && issue.keyPath === 'async_agent[0].backend[0].host[0]'), JSON.stringify(result.issues));
});
