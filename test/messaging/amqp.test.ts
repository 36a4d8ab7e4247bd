/**
 * AMQP backends and async agents against a real RabbitMQ (one private broker for the file; it boots in
 * seconds). The broker-restart test runs last, since it costs a second boot.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { connect } from 'amqplib';
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { delay, request, waitFor } from '../helpers/http.js';
import { startRabbit } from '../helpers/rabbitmq.js';
import type { RunningRabbit } from '../helpers/rabbitmq.js';
import { startRecordingBackend } from '../helpers/recording-backend.js';
import { sendJson, startGateway } from '../helpers/servers.js';

let rabbit: RunningRabbit | string = 'not started';
let admin: ChannelModel | undefined;

before(async () => {
  rabbit = await startRabbit();
  if (typeof rabbit !== 'string') admin = await connect(rabbit.url);
});

after(async () => {
  await admin?.close().catch(() => undefined);
  if (typeof rabbit !== 'string') await rabbit.stop();
});

function broker(): RunningRabbit | undefined {
  return typeof rabbit === 'string' ? undefined : rabbit;
}

async function publisher(): Promise<ConfirmChannel> {
  const channel = await (admin as ChannelModel).createConfirmChannel();
  return channel;
}

test('a producer endpoint publishes the body with id, priority and routing key from params; a consumer endpoint reads it back', async (t) => {
  const running = broker();
  if (!running) return t.skip(String(rabbit));
  const channel = await publisher();
  // The consumer endpoint declares its queue in the background; declaring it here (same arguments) makes
  // sure the first publication is routed. A second queue on the same exchange shows the message's properties.
  await channel.assertExchange('shop', 'topic', { durable: false, autoDelete: false, internal: false });
  await channel.assertQueue('orders', { durable: false, autoDelete: false, exclusive: false });
  await channel.bindQueue('orders', 'shop', 'order.*');
  await channel.assertQueue('inspect', { durable: false, autoDelete: false, exclusive: false });
  await channel.bindQueue('inspect', 'shop', 'order.*');
  const gateway = await startGateway({
    version: 3,
    timeout: '2s',
    endpoints: [
      {
        endpoint: '/orders/{kind}/{id}',
        method: 'POST',
        input_headers: ['Content-Type', 'X-Trace'],
        backend: [
          {
            host: [running.url],
            disable_host_sanitize: true,
            url_pattern: '/ignored',
            extra_config: { 'backend/amqp/producer': { name: 'orders', exchange: 'shop', routing_key: 'Kind', msg_id_key: 'Id', priority_key: 'id', reply_to_key: 'kind', exp_key: 'missing' } },
          },
        ],
      },
      {
        endpoint: '/next-order',
        backend: [
          {
            host: [running.url],
            disable_host_sanitize: true,
            url_pattern: '/ignored',
            allow: ['item'],
            extra_config: { 'backend/amqp/consumer': { name: 'orders', exchange: 'shop', routing_key: ['order.*'], prefetch_count: 2 } },
          },
        ],
      },
    ],
  });
  t.after(() => gateway.close());
  const published = await waitForStatus(`${gateway.url}/orders/order.new/7`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Trace': 'abc' }, body: '{"item":"book","secret":1}' }, 200);
  assert.equal(published.body, '{}');

  const consumed = await request(`${gateway.url}/next-order`);
  assert.equal(consumed.status, 200);
  assert.deepEqual(JSON.parse(consumed.body), { item: 'book' });

  const copy = await channel.get('inspect', { noAck: true });
  assert.ok(copy, 'the message reached every queue bound to the routing key');
  assert.equal(copy.fields.routingKey, 'order.new');
  assert.equal(copy.properties.messageId, '7');
  assert.equal(copy.properties.priority, 7);
  assert.equal(copy.properties.replyTo, 'order.new');
  assert.equal(copy.properties.contentType, 'application/json');
  assert.deepEqual(copy.properties.headers?.['X-Trace'], ['abc']);
  await channel.close();
});

test('a consumer endpoint waits for a message until the endpoint timeout; an undecodable message is nacked and, with nack_discard, dropped', async (t) => {
  const running = broker();
  if (!running) return t.skip(String(rabbit));
  const gateway = await startGateway({
    version: 3,
    endpoints: [
      {
        endpoint: '/events',
        timeout: '400ms',
        backend: [
          {
            host: [running.url],
            disable_host_sanitize: true,
            url_pattern: '/ignored',
            extra_config: { 'backend/amqp/consumer': { name: 'events', exchange: 'events-x', routing_key: ['#'], nack_discard: true } },
          },
        ],
      },
    ],
  });
  t.after(() => gateway.close());
  const channel = await publisher();
  await channel.assertExchange('events-x', 'topic', { durable: false, autoDelete: false, internal: false });
  await channel.assertQueue('events', { durable: false, autoDelete: false, exclusive: false });
  await channel.bindQueue('events', 'events-x', '#');
  // Let the gateway's consumer attach before the clock starts.
  assert.ok(await waitForConsumers(channel, 'events', 1), 'the consumer endpoint attached to its queue');

  const started = Date.now();
  const empty = await request(`${gateway.url}/events`);
  const waited = Date.now() - started;
  assert.equal(empty.status, 500);
  assert.ok(waited >= 350 && waited < 2000, `answered after the 400 ms endpoint timeout (${waited} ms)`);

  channel.publish('events-x', 'a', Buffer.from('not json'));
  channel.publish('events-x', 'a', Buffer.from('{"ok":true}'));
  await channel.waitForConfirms();
  assert.equal((await request(`${gateway.url}/events`)).status, 500);
  const good = await request(`${gateway.url}/events`);
  assert.equal(good.status, 200);
  assert.deepEqual(JSON.parse(good.body), { ok: true });
  await delay(100);
  const left = await channel.checkQueue('events');
  assert.equal(left.messageCount, 0, 'the undecodable message was discarded, not requeued');
  await channel.close();
});

test('a broker that never answers delays neither start-up nor other endpoints; its endpoint answers 500 at once', async (t) => {
  // Accepts connections and says nothing: a gateway that waited for the broker would wait out its 5 s
  // connection timeout at least.
  const silent = createServer((socket) => socket.on('error', () => undefined));
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  t.after(() => silent.close());
  const deadUrl = `amqp://guest:guest@127.0.0.1:${(silent.address() as AddressInfo).port}`;
  const backend = await startRecordingBackend();
  t.after(() => backend.close());
  const started = Date.now();
  const gateway = await startGateway({
    version: 3,
    endpoints: [
      {
        endpoint: '/publish',
        method: 'POST',
        timeout: '10s',
        backend: [{ host: [deadUrl], disable_host_sanitize: true, url_pattern: '/x', extra_config: { 'backend/amqp/producer': { name: 'q', exchange: 'x', routing_key: 'k', static_routing_key: true } } }],
      },
      { endpoint: '/other', backend: [{ host: [backend.url], url_pattern: '/' }] },
    ],
    async_agent: [
      {
        name: 'unreachable',
        consumer: { topic: '#' },
        backend: [{ host: [backend.url], url_pattern: '/' }],
        extra_config: { 'async/amqp': { host: deadUrl, name: 'q', exchange: 'x' } },
      },
    ],
  });
  t.after(() => gateway.close());
  const startup = Date.now() - started;
  assert.ok(startup < 4000, `start-up did not wait for the broker (${startup} ms)`);
  assert.equal((await request(`${gateway.url}/other`)).status, 200);
  const before = Date.now();
  const failed = await request(`${gateway.url}/publish`, { method: 'POST', body: '{}' });
  const waited = Date.now() - before;
  assert.equal(failed.status, 500);
  assert.ok(waited < 4000, `the producer endpoint did not wait for the broker (${waited} ms; its timeout is 10 s)`);
  const health = JSON.parse((await request(`${gateway.url}/__health`)).body) as { agents: Record<string, string> };
  assert.deepEqual(health.agents, {}, 'an agent that never connected has not pinged');
});

test('an async agent passes each message through its backends, acks what they take and requeues what they refuse; it reports in /__health', async (t) => {
  const running = broker();
  if (!running) return t.skip(String(rabbit));
  let refuseNext = 1;
  const backend = await startRecordingBackend((_request, response) => {
    if (refuseNext > 0) {
      refuseNext--;
      sendJson(response, 503, { busy: true });
    } else sendJson(response, 200, { ok: true });
  });
  t.after(() => backend.close());
  const gateway = await startGateway({
    version: 3,
    async_agent: [
      {
        name: 'invoices',
        connection: { health_interval: '1s' },
        consumer: { topic: 'invoice.*', workers: 2, timeout: '1s' },
        backend: [{ host: [backend.url], url_pattern: '/ingest', method: 'POST' }],
        extra_config: { 'async/amqp': { host: running.url, name: 'invoices', exchange: 'billing', durable: true } },
      },
    ],
  });
  t.after(() => gateway.close());
  const channel = await publisher();
  await channel.assertExchange('billing', 'topic', { durable: true, autoDelete: false, internal: false });
  assert.ok(await waitForConsumers(channel, 'invoices', 1, 20_000), 'the agent attached to its queue');
  channel.publish('billing', 'invoice.created', Buffer.from('{"invoice":1}'), { persistent: true });
  channel.publish('billing', 'other.created', Buffer.from('{"invoice":"not for this agent"}'), { persistent: true });
  await channel.waitForConfirms();

  assert.ok(await waitFor(() => backend.requests.filter((r) => r.complete).length >= 2, 5000), 'the refused message came back and was delivered again');
  assert.deepEqual(
    backend.requests.map((r) => [r.method, r.url, r.body]),
    [
      ['POST', '/ingest', '{"invoice":1}'],
      ['POST', '/ingest', '{"invoice":1}'],
    ],
  );
  await delay(200);
  assert.equal((await channel.checkQueue('invoices')).messageCount, 0, 'acked after the backend took it');
  const health = JSON.parse((await request(`${gateway.url}/__health`)).body) as { agents: Record<string, string>; status: string };
  assert.equal(health.status, 'ok');
  assert.match(health.agents['invoices'] ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \+0000 UTC$/);
  await channel.close();
});

test('rabbit:// pub/sub: the publisher sends to an exchange, the subscriber reads a queue bound to it (RABBIT_SERVER_URL)', async (t) => {
  const running = broker();
  if (!running) return t.skip(String(rabbit));
  process.env['RABBIT_SERVER_URL'] = running.url;
  const channel = await publisher();
  await channel.assertExchange('fan', 'fanout', { durable: true });
  await channel.assertQueue('fanq', { durable: true });
  await channel.bindQueue('fanq', 'fan', '');
  await channel.close();
  const gateway = await startGateway({
    version: 3,
    endpoints: [
      { endpoint: '/publish', method: 'POST', backend: [{ host: ['rabbit://'], disable_host_sanitize: true, url_pattern: '/x', extra_config: { 'backend/pubsub/publisher': { topic_url: 'fan' } } }] },
      { endpoint: '/receive', timeout: '1s', backend: [{ host: ['rabbit://'], disable_host_sanitize: true, url_pattern: '/x', extra_config: { 'backend/pubsub/subscriber': { subscription_url: 'fanq' } } }] },
    ],
  });
  t.after(() => gateway.close());
  const published = await waitForStatus(`${gateway.url}/publish`, { method: 'POST', body: '{"via":"rabbit"}' }, 200);
  assert.equal(published.status, 200);
  const received = await waitForStatus(`${gateway.url}/receive`, {}, 200);
  assert.deepEqual(JSON.parse(received.body), { via: 'rabbit' });
});

test('a broker killed mid-run and restarted: the agent and the producer reconnect, and no acknowledged message is lost', async (t) => {
  const running = broker();
  if (!running) return t.skip(String(rabbit));
  const seen = new Set<number>();
  const backend = await startRecordingBackend((_request, response, recorded) => {
    // Slow enough that messages are in flight when the broker dies.
    setTimeout(() => {
      seen.add((JSON.parse(recorded.body) as { n: number }).n);
      sendJson(response, 200, {});
    }, 200);
  });
  t.after(() => backend.close());
  const gateway = await startGateway({
    version: 3,
    endpoints: [
      {
        endpoint: '/jobs/{n}',
        method: 'POST',
        backend: [{ host: [running.url], disable_host_sanitize: true, url_pattern: '/x', extra_config: { 'backend/amqp/producer': { name: 'jobs', exchange: 'work', durable: true, routing_key: 'job', static_routing_key: true } } }],
      },
    ],
    async_agent: [
      {
        name: 'worker',
        connection: { health_interval: '1s' },
        consumer: { topic: 'job', workers: 2, timeout: '2s' },
        backend: [{ host: [backend.url], url_pattern: '/work', method: 'POST' }],
        extra_config: { 'async/amqp': { host: running.url, name: 'jobs', exchange: 'work', durable: true, prefetch_count: 4 } },
      },
    ],
  });
  t.after(() => gateway.close());
  let channel = await publisher();
  assert.ok(await waitForConsumers(channel, 'jobs', 1, 20_000), 'the agent attached to its queue');
  await channel.close();

  const acknowledged: number[] = [];
  const publish = async (n: number): Promise<void> => {
    const answer = await request(`${gateway.url}/jobs/${n}`, { method: 'POST', body: JSON.stringify({ n }) });
    if (answer.status === 200) acknowledged.push(n);
  };
  await Promise.all(Array.from({ length: 30 }, (_, n) => publish(n)));
  assert.equal(acknowledged.length, 30);
  assert.ok(await waitFor(() => seen.size >= 5, 10_000), 'the agent was working through the queue');
  assert.ok(seen.size < 30, `the broker dies with messages still queued or in flight (${seen.size} done)`);

  await admin?.close().catch(() => undefined);
  await running.kill();
  const refused = await request(`${gateway.url}/jobs/999`, { method: 'POST', body: '{"n":999}', timeoutMs: 3000 });
  assert.equal(refused.status, 500, 'while the broker is down the producer answers an error, not a hang');
  await running.restart();
  admin = await connect(running.url);

  // The producer's link comes back within its one-second back-off.
  for (let n = 30; n < 40; n++) {
    const deadline = Date.now() + 20_000;
    while (!acknowledged.includes(n) && Date.now() < deadline) {
      await publish(n);
      if (!acknowledged.includes(n)) await delay(250);
    }
  }
  assert.ok(await waitFor(() => acknowledged.every((n) => seen.has(n)), 30_000), `every acknowledged message reached the backend; missing: ${acknowledged.filter((n) => !seen.has(n)).join(',')}`);
  channel = await publisher();
  assert.equal((await channel.checkQueue('jobs')).messageCount, 0);
  await channel.close();
  const health = JSON.parse((await request(`${gateway.url}/__health`)).body) as { agents: Record<string, string> };
  assert.ok(health.agents['worker'], 'the reconnected agent pings again');
});

async function waitForStatus(url: string, options: Parameters<typeof request>[1], status: number, timeoutMs = 20_000): Promise<Awaited<ReturnType<typeof request>>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await request(url, options);
    if (answer.status === status || Date.now() > deadline) return answer;
    await delay(100);
  }
}

/** Polls on throw-away channels: checking a queue that does not exist yet closes the channel. */
async function waitForConsumers(_channel: ConfirmChannel, queue: string, count: number, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const probe = await (admin as ChannelModel).createChannel();
    probe.on('error', () => undefined);
    const state = await probe.checkQueue(queue).catch(() => undefined);
    await probe.close().catch(() => undefined);
    if (state && state.consumerCount >= count) return true;
    await delay(100);
  }
  return false;
}
