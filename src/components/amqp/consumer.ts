/**
 * `backend/amqp/consumer`: each request takes one message from a RabbitMQ queue, decodes it with the
 * backend's encoding and answers it as the backend's data (krakend-amqp `consumer.go`). A message that
 * decodes is acked; one that does not is nacked, requeued unless `nack_discard`. With no message before the
 * endpoint timeout the request fails as a timed-out backend does.
 *
 * The gateway holds at most `prefetch_count` unacked messages per consumer (Portico's default 10 when the
 * block sets none; KrakenD sets no limit). They wait in arrival order for requests; when the connection
 * drops, the broker requeues them and they are forgotten here.
 */
import type { Channel, ConsumeMessage } from 'amqplib';
import { GatewayError } from '../../core/errors.js';
import { createShaper } from '../../proxy/shaping.js';
import type { Middleware, ProxyResponse } from '../../proxy/types.js';
import { AmqpLink } from '../../messaging/amqp-link.js';
import { AMQP_CONSUMER_SCHEMA, readConsumeSettings } from '../../config/amqp-settings.js';
import { declareConsumer } from '../../messaging/amqp-declare.js';
import { backoffByName } from '../../messaging/backoff.js';
import { Inbox } from '../../messaging/inbox.js';
import type { ComponentDefinition } from '../registry.js';

import { amqpHostOf, warnUnsupportedAmqpKeys } from './shared.js';

export const AMQP_CONSUMER_NAMESPACE = 'backend/amqp/consumer';

export const amqpConsumerComponent: ComponentDefinition = {
  namespace: AMQP_CONSUMER_NAMESPACE,
  schemas: { backend: AMQP_CONSUMER_SCHEMA },
  validate(block, _scope, at, issues, _service, { backend }) {
    amqpHostOf(backend, issues);
    warnUnsupportedAmqpKeys(block, at, issues, []);
  },
  backend(block, backend, _endpoint, context): Middleware | undefined {
    const url = backend.hosts[0];
    if (url === undefined) return undefined;
    const settings = readConsumeSettings(block);
    const bindingKeys = Array.isArray(block['routing_key']) ? block['routing_key'].filter((key): key is string => typeof key === 'string') : [];
    const decode = context.components.decoderFor(backend.encoding === 'no-op' ? 'json' : backend.encoding, backend.isCollection);
    const shape = createShaper(backend);
    const label = `[BACKEND: ${backend.urlPattern}][AMQP]`;
    const inbox = new Inbox<Delivery>();
    const link = new AmqpLink<Channel>({
      url,
      label,
      logger: context.logger,
      backoff: backoffByName(settings.backoffStrategy),
      maxRetries: settings.maxRetries,
      confirm: false,
      setup: (channel) => declareConsumer(channel, settings, bindingKeys, '', (message) => {
        if (message === null) channel.close().catch(() => undefined); // cancelled by the broker (queue deleted)
        else inbox.put({ channel, message });
      }),
      onLost: () => inbox.clear(),
    });
    link.wake();
    context.onClose(() => link.close());

    return () =>
      async function consumeFromAmqp(_request, cancel): Promise<ProxyResponse> {
        if (link.channel === undefined && inbox.size === 0) {
          link.wake();
          throw new GatewayError('PRT_ERR_AMQP_UNAVAILABLE', 'connection not available, trying to reconnect');
        }
        const { channel, message } = await inbox.take(cancel);
        let data: Record<string, unknown>;
        try {
          data = decode(message.content);
        } catch (error) {
          if (!settings.autoAck) channel.nack(message, false, !settings.nackDiscard);
          if (settings.nackDiscard) context.logger.debug(`${label} Nack: message discarded from queue '${settings.name}'`);
          throw new GatewayError('PRT_ERR_AMQP_DECODE', `the message could not be decoded: ${(error as Error).message}`);
        }
        // With auto_ack the broker already counts it delivered; acking again would close the channel.
        if (!settings.autoAck) channel.ack(message);
        if (shape) data = shape(data);
        return { data, isComplete: true, metadata: { statusCode: 200, headers: {} }, body: null };
      };
  },
};

interface Delivery {
  channel: Channel;
  message: ConsumeMessage;
}
