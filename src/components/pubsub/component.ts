/**
 * `backend/pubsub/publisher` and `backend/pubsub/subscriber` (krakend-pubsub `client.go`): the backend's
 * first host plus `topic_url` / `subscription_url` name a topic or subscription. A publisher sends the
 * request body, with the first value of each request header as metadata, and answers `{}`; a subscriber
 * answers the next message, decoded with the backend's encoding and shaped like any backend's data.
 *
 * Schemes Portico runs: `nats://`, `rabbit://`, `mem://` (see `messaging/pubsub-drivers.ts`); any other
 * (KrakenD's cloud drivers, Kafka) is a start-up error naming these.
 */
import type { KeyPath } from '../../config/source.js';
import type { ConfigIssues } from '../../config/issues.js';
import type { BackendConfig } from '../../config/types.js';
import { bufferRequestBody } from '../../proxy/buffer-body.js';
import { GatewayError } from '../../core/errors.js';
import { createShaper } from '../../proxy/shaping.js';
import type { Middleware, ProxyResponse } from '../../proxy/types.js';
import { openSubscription, openTopic, pubsubAddress, PUBSUB_SCHEMES } from '../../messaging/pubsub-drivers.js';
import type { PubSubAddress } from '../../messaging/pubsub-drivers.js';
import type { BuildContext } from '../../pipeline/types.js';
import type { ComponentDefinition } from '../registry.js';

export const PUBSUB_PUBLISHER_NAMESPACE = 'backend/pubsub/publisher';
export const PUBSUB_SUBSCRIBER_NAMESPACE = 'backend/pubsub/subscriber';

const open = { patternProperties: { '^[@$_#]': {} }, additionalProperties: false } as const;

function addressOf(block: Record<string, unknown>, key: string, backend: BackendConfig): PubSubAddress | undefined {
  const path = typeof block[key] === 'string' ? block[key] : '';
  return pubsubAddress(backend.hosts[0] ?? '', path);
}

function isSupported(address: PubSubAddress): boolean {
  return (PUBSUB_SCHEMES as readonly string[]).includes(address.scheme);
}

function checkAddress(block: Record<string, unknown>, key: string, at: KeyPath, issues: ConfigIssues, backend: BackendConfig | undefined): void {
  if (backend === undefined) return;
  const address = addressOf(block, key, backend);
  if (address === undefined || !isSupported(address)) {
    issues.error({
      code: 'PRT_ERR_CONFIG_PUBSUB_SCHEME',
      at: [...backend.at, 'host', 0],
      message: `pub/sub driver "${address?.scheme ?? backend.hosts[0] ?? ''}" is not supported by Portico`,
      expected: PUBSUB_SCHEMES.map((scheme) => `${scheme}://`).join(', '),
      found: backend.hosts[0] ?? '(no host)',
    });
  } else if (address.name === '') {
    // KrakenD starts with it and every call fails; so does Portico, with a warning.
    issues.warning({ code: 'PRT_WARN_CONFIG_UNUSED', at: [...at, key], message: `the ${address.scheme}:// address names no ${key === 'topic_url' ? 'topic' : 'subscription'}: every call fails`, found: block[key] });
  }
}

function driverContext(backend: BackendConfig, address: PubSubAddress, context: BuildContext) {
  return { logger: context.logger, label: `[BACKEND: ${address.scheme}://${address.name}][PubSub]`, env: process.env };
}

export const pubsubPublisherComponent: ComponentDefinition = {
  namespace: PUBSUB_PUBLISHER_NAMESPACE,
  schemas: { backend: { type: 'object', properties: { topic_url: { type: 'string' } }, ...open } },
  validate: (block, _scope, at, issues, _service, { backend }) => checkAddress(block, 'topic_url', at, issues, backend),
  backend(block, backend, _endpoint, context): Middleware | undefined {
    const address = addressOf(block, 'topic_url', backend);
    // An unsupported scheme was reported at start-up (checkAddress).
    if (address === undefined || !isSupported(address)) return undefined;
    const topic = openTopic(address, driverContext(backend, address, context));
    context.onClose(() => topic.close());
    return () =>
      async function publish(request, cancel): Promise<ProxyResponse> {
        const body = (await bufferRequestBody(request, cancel)) ?? Buffer.alloc(0);
        const metadata: Record<string, string> = {};
        for (const [name, values] of Object.entries(request.headers)) if (values[0] !== undefined) metadata[name] = values[0];
        await topic.send(body, metadata, cancel);
        return { data: {}, isComplete: true, metadata: { statusCode: 200, headers: {} }, body: null };
      };
  },
};

export const pubsubSubscriberComponent: ComponentDefinition = {
  namespace: PUBSUB_SUBSCRIBER_NAMESPACE,
  schemas: { backend: { type: 'object', properties: { subscription_url: { type: 'string' } }, ...open } },
  validate: (block, _scope, at, issues, _service, { backend }) => checkAddress(block, 'subscription_url', at, issues, backend),
  backend(block, backend, _endpoint, context): Middleware | undefined {
    const address = addressOf(block, 'subscription_url', backend);
    if (address === undefined || !isSupported(address)) return undefined;
    const subscription = openSubscription(address, driverContext(backend, address, context));
    context.onClose(() => subscription.close());
    const decode = context.components.decoderFor(backend.encoding === 'no-op' ? 'json' : backend.encoding, backend.isCollection);
    const shape = createShaper(backend);
    return () =>
      async function receive(_request, cancel): Promise<ProxyResponse> {
        const message = await subscription.receive(cancel);
        let data: Record<string, unknown>;
        try {
          data = decode(message.body);
        } catch (error) {
          // KrakenD leaves such a message unacknowledged; dropping it keeps it from blocking a prefetch slot.
          message.nack(false);
          throw new GatewayError('PRT_ERR_PUBSUB_DECODE', `the message could not be decoded: ${(error as Error).message}`);
        }
        message.ack();
        if (shape) data = shape(data);
        return { data, isComplete: true, metadata: { statusCode: 200, headers: {} }, body: null };
      };
  },
};
