/**
 * `backend/amqp/producer`: the backend publishes the request body to a RabbitMQ topic exchange and answers
 * `{}` (krakend-amqp `producer.go`). Routing key, message id, priority, reply-to and expiration come from
 * the keys named in the block (endpoint params; see `paramValue`); request headers become AMQP headers.
 *
 * Portico publishes on a confirm channel and answers only once the broker has taken the message (KrakenD
 * answers once it is written to the socket), and marks it persistent when the exchange is `durable`: a
 * 200 then means the message survives a broker restart. While the connection is down the endpoint fails
 * at once with a 500 and the link reconnects in the background.
 */
import type { ConfirmChannel } from 'amqplib';
import { bufferRequestBody } from '../../proxy/buffer-body.js';
import { GatewayError } from '../../core/errors.js';
import type { Middleware, ProxyResponse } from '../../proxy/types.js';
import { AmqpLink } from '../../messaging/amqp-link.js';
import { AMQP_PRODUCER_SCHEMA, readQueueSettings } from '../../config/amqp-settings.js';
import { declareExchange } from '../../messaging/amqp-declare.js';
import { backoffByName } from '../../messaging/backoff.js';
import { paramValue } from '../../messaging/params.js';
import type { ComponentDefinition } from '../registry.js';

import { amqpHostOf, warnUnsupportedAmqpKeys } from './shared.js';

export const AMQP_PRODUCER_NAMESPACE = 'backend/amqp/producer';

export const amqpProducerComponent: ComponentDefinition = {
  namespace: AMQP_PRODUCER_NAMESPACE,
  schemas: { backend: AMQP_PRODUCER_SCHEMA },
  validate(block, _scope, at, issues, _service, { backend }) {
    amqpHostOf(backend, issues);
    warnUnsupportedAmqpKeys(block, at, issues, ['immediate']);
  },
  backend(block, backend, _endpoint, context): Middleware | undefined {
    const url = backend.hosts[0];
    if (url === undefined) return undefined;
    const settings = readQueueSettings(block);
    const routingKey = typeof block['routing_key'] === 'string' ? block['routing_key'] : '';
    const staticRoutingKey = block['static_routing_key'] === true;
    const keyOf = (name: string): string => (typeof block[name] === 'string' ? (block[name] as string) : '');
    const [expirationKey, replyToKey, messageIdKey, priorityKey] = [keyOf('exp_key'), keyOf('reply_to_key'), keyOf('msg_id_key'), keyOf('priority_key')];
    const mandatory = block['mandatory'] === true;
    const label = `[BACKEND: ${backend.urlPattern}][AMQP]`;
    const link = new AmqpLink<ConfirmChannel>({
      url,
      label,
      logger: context.logger,
      backoff: backoffByName(settings.backoffStrategy),
      maxRetries: settings.maxRetries,
      confirm: true,
      setup: (channel) => declareExchange(channel, settings),
    });
    link.wake();
    context.onClose(() => link.close());

    return () =>
      async function publishToAmqp(request, cancel): Promise<ProxyResponse> {
        const body = (await bufferRequestBody(request, cancel)) ?? Buffer.alloc(0);
        const channel = link.channel;
        if (channel === undefined) {
          link.wake();
          throw new GatewayError('PRT_ERR_AMQP_UNAVAILABLE', 'connection not available, trying to reconnect');
        }
        const headers: Record<string, string[]> = {};
        for (const [name, values] of Object.entries(request.headers)) headers[name] = values;
        const priority = Number.parseInt(paramValue(request.params, priorityKey) ?? '', 10);
        const options = {
          headers,
          contentType: request.headers['Content-Type']?.[0] ?? '',
          timestamp: Math.floor(Date.now() / 1000),
          mandatory,
          ...(settings.durable ? { persistent: true } : {}),
          ...optional('expiration', paramValue(request.params, expirationKey)),
          ...optional('replyTo', paramValue(request.params, replyToKey)),
          ...optional('messageId', paramValue(request.params, messageIdKey)),
          ...(Number.isInteger(priority) ? { priority: priority & 0xff } : {}),
        };
        const key = staticRoutingKey ? routingKey : (paramValue(request.params, routingKey) ?? '');
        await new Promise<void>((resolve, reject) => {
          const ticket = cancel.on(reject);
          try {
            channel.publish(settings.exchange, key, body, options, (error) => {
              cancel.off(ticket);
              if (error) reject(new GatewayError('PRT_ERR_AMQP_PUBLISH', `the broker did not take the message: ${String((error as Error).message ?? error)}`));
              else resolve();
            });
          } catch (error) {
            cancel.off(ticket);
            reject(new GatewayError('PRT_ERR_AMQP_UNAVAILABLE', `connection not available, trying to reconnect (${(error as Error).message})`));
          }
        });
        return { data: {}, isComplete: true, metadata: { statusCode: 200, headers: {} }, body: null };
      };
  },
};

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined || value === '' ? {} : ({ [key]: value } as Record<K, string>);
}
