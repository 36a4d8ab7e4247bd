/** `backend/pubsub/*` over a real nats-server and in memory; rabbit:// runs in amqp.test.ts (one broker). */
import { components } from '../helpers/components.js';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as natsConnect } from 'nats';
import { loadConfig } from '../../src/config/load.js';
import { delay, request } from '../helpers/http.js';
import type { TestResponse } from '../helpers/http.js';
import { startNats } from '../helpers/nats.js';
import type { RunningNats } from '../helpers/nats.js';
import { startGateway, writeConfig } from '../helpers/servers.js';

let nats: RunningNats | string = 'not started';

before(async () => {
  nats = await startNats();
  if (typeof nats !== 'string') process.env['NATS_SERVER_URL'] = nats.url;
});

after(async () => {
  if (typeof nats !== 'string') await nats.stop();
});

function pubsubBackends(scheme: string, topic: string): Record<string, unknown>[] {
  return [
    {
      endpoint: '/publish',
      method: 'POST',
      timeout: '10s',
      input_headers: ['Content-Type', 'X-Trace'],
      backend: [{ host: [`${scheme}://`], disable_host_sanitize: true, url_pattern: '/ignored', extra_config: { 'backend/pubsub/publisher': { topic_url: topic } } }],
    },
    {
      endpoint: '/receive',
      timeout: '500ms',
      backend: [{ host: [`${scheme}://`], disable_host_sanitize: true, url_pattern: '/ignored', deny: ['secret'], extra_config: { 'backend/pubsub/subscriber': { subscription_url: topic } } }],
    },
  ];
}

/** Publishes and receives until one round trip succeeds (subscriptions attach in the background). */
async function roundTrip(url: string, body: string, timeoutMs = 10_000): Promise<{ published: TestResponse; received: TestResponse }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const receiving = request(`${url}/receive`);
    await delay(50);
    const published = await request(`${url}/publish`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Trace': 't-1' }, body });
    const received = await receiving;
    if ((published.status === 200 && received.status === 200) || Date.now() > deadline) return { published, received };
    await delay(100);
  }
}

test('nats://: a publisher endpoint sends the body (headers as metadata), a subscriber endpoint answers it shaped', async (t) => {
  if (typeof nats === 'string') return t.skip(nats);
  const gateway = await startGateway({ version: 3, endpoints: pubsubBackends('nats', 'orders') });
  t.after(() => gateway.close());
  const watcher = await natsConnect({ servers: nats.url });
  t.after(() => watcher.close());
  const copies = watcher.subscribe('orders', { max: 1 });
  const { published, received } = await roundTrip(gateway.url, '{"item":"book","secret":"x"}');
  assert.equal(published.status, 200);
  assert.equal(published.body, '{}');
  assert.equal(received.status, 200);
  assert.deepEqual(JSON.parse(received.body), { item: 'book' });
  for await (const copy of copies) {
    assert.equal(new TextDecoder().decode(copy.data), '{"item":"book","secret":"x"}');
    assert.equal(copy.headers?.get('X-Trace'), 't-1');
  }
});

test('nats://: a server down at start-up or killed mid-run: calls answer 500 at once, and the links come back', async (t) => {
  if (typeof nats === 'string') return t.skip(nats);
  const server = nats;
  await server.kill();
  const started = Date.now();
  const gateway = await startGateway({ version: 3, endpoints: pubsubBackends('nats', 'jobs') });
  t.after(() => gateway.close());
  assert.ok(Date.now() - started < 4000, 'start-up did not wait for the server');
  const refusedAtStart = await timed(() => request(`${gateway.url}/publish`, { method: 'POST', body: '{"n":0}' }));
  assert.equal(refusedAtStart.answer.status, 500);
  assert.ok(refusedAtStart.ms < 4000, `answered without waiting for the server (${refusedAtStart.ms} ms; the timeout is 10 s)`);

  await server.restart();
  assert.equal((await roundTrip(gateway.url, '{"n":1}', 15_000)).received.status, 200, 'the first connection is made once the server is up');

  await server.kill();
  await delay(200);
  const refused = await timed(() => request(`${gateway.url}/publish`, { method: 'POST', body: '{"n":2}' }));
  assert.equal(refused.answer.status, 500);
  assert.ok(refused.ms < 4000, `answered without waiting for the server (${refused.ms} ms; the timeout is 10 s)`);
  await server.restart();
  const { received } = await roundTrip(gateway.url, '{"n":3}', 15_000);
  assert.equal(received.status, 200);
  assert.deepEqual(JSON.parse(received.body), { n: 3 });
});

async function timed<T>(work: () => Promise<T>): Promise<{ answer: T; ms: number }> {
  const started = Date.now();
  const answer = await work();
  return { answer, ms: Date.now() - started };
}

test('mem://: publisher and subscriber in one gateway; a subscriber with nothing to read times out', async (t) => {
  const gateway = await startGateway({ version: 3, endpoints: pubsubBackends('mem', 'local') });
  t.after(() => gateway.close());
  const empty = await request(`${gateway.url}/receive`);
  assert.equal(empty.status, 500);
  const { received } = await roundTrip(gateway.url, '{"a":1,"secret":2}');
  assert.deepEqual(JSON.parse(received.body), { a: 1 });
});

test('a pub/sub scheme Portico cannot run is a start-up error at the host, naming the supported ones', async () => {
  const file = await writeConfig({
    version: 3,
    endpoints: [
      {
        endpoint: '/x',
        backend: [{ host: ['kafka://'], disable_host_sanitize: true, url_pattern: '/x', extra_config: { 'backend/pubsub/subscriber': { subscription_url: 'group?topic=t' } } }],
      },
    ],
  });
  const result = await loadConfig(file, { components, env: {} });
  assert.equal(result.config, undefined);
  const issue = result.issues.find((candidate) => candidate.code === 'PRT_ERR_CONFIG_PUBSUB_SCHEME');
  assert.ok(issue, JSON.stringify(result.issues));
  assert.equal(issue.keyPath, 'endpoints[0].backend[0].host[0]');
  assert.match(issue.message + String(issue.expected), /nats:\/\/.*rabbit:\/\/.*mem:\/\//);
});
