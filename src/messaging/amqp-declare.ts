/**
 * The broker-side objects of krakend-amqp's producers, consumers and async agents, declared alike by each
 * (the settings are read in config/amqp-settings.ts).
 */
import type { Channel } from 'amqplib';
import { DEFAULT_PREFETCH_COUNT } from '../config/amqp-settings.js';
import type { ConsumeSettings, QueueSettings } from '../config/amqp-settings.js';

/**
 * The topic exchange, declared as krakend-amqp declares it. Its Go call passes `exclusive` in the
 * `internal` position of `ExchangeDeclare`, so the same flag makes the exchange internal here too: two
 * gateways declaring one exchange must declare it alike, or the broker refuses the second.
 */
export async function declareExchange(channel: Channel, settings: QueueSettings): Promise<void> {
  await channel.assertExchange(settings.exchange, 'topic', { durable: settings.durable, autoDelete: settings.delete, internal: settings.exclusive });
}

/** Queue, bindings, QoS and the consumer (krakend-amqp `newConsumer` / the agent's `initConsumer`). */
export async function declareConsumer(
  channel: Channel,
  settings: ConsumeSettings,
  bindingKeys: string[],
  consumerTag: string,
  onMessage: Parameters<Channel['consume']>[1],
  defaultPrefetch = DEFAULT_PREFETCH_COUNT,
): Promise<void> {
  await declareExchange(channel, settings);
  const queue = await channel.assertQueue(settings.name, { durable: settings.durable, autoDelete: settings.delete, exclusive: settings.exclusive });
  for (const key of bindingKeys) await channel.bindQueue(queue.queue, settings.exchange, key);
  // RabbitMQ implements no prefetch size (it refuses a non-zero one), so only the count is sent.
  const prefetch = settings.prefetchCount > 0 ? settings.prefetchCount : settings.prefetchSize > 0 ? 0 : defaultPrefetch;
  if (prefetch > 0) await channel.prefetch(prefetch);
  await channel.consume(queue.queue, onMessage, { noAck: settings.autoAck, exclusive: settings.exclusive, noLocal: settings.noLocal, ...(consumerTag ? { consumerTag } : {}) });
}
