import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'amqplib';
import { connect as natsConnect } from 'nats';
import { startRabbit } from '../helpers/rabbitmq.js';
import { startNats } from '../helpers/nats.js';

test('the private RabbitMQ accepts AMQP connections, and keeps durable messages across a crash', async (t) => {
  const rabbit = await startRabbit();
  if (typeof rabbit === 'string') return t.skip(rabbit);
  t.after(() => rabbit.stop());
  let connection = await connect(rabbit.url);
  let channel = await connection.createChannel();
  await channel.assertQueue('kept', { durable: true });
  channel.sendToQueue('kept', Buffer.from('survives'), { persistent: true });
  await channel.close();
  await connection.close();
  await rabbit.kill();
  await rabbit.restart();
  connection = await connect(rabbit.url);
  channel = await connection.createChannel();
  const message = await channel.get('kept', { noAck: true });
  assert.ok(message);
  assert.equal(message.content.toString(), 'survives');
  await connection.close();
});

test('the private nats-server relays messages', async (t) => {
  const nats = await startNats();
  if (typeof nats === 'string') return t.skip(nats);
  t.after(() => nats.stop());
  const client = await natsConnect({ servers: nats.url });
  const subscription = client.subscribe('greetings', { max: 1 });
  client.publish('greetings', new TextEncoder().encode('hi'));
  for await (const message of subscription) assert.equal(new TextDecoder().decode(message.data), 'hi');
  await client.close();
});
