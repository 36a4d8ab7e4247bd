/**
 * The pub/sub drivers Portico runs (KrakenD's `backend/pubsub/*` go through Go CDK URLs): `nats://subject`
 * (server in `NATS_SERVER_URL`), `rabbit://exchange` for topics and `rabbit://queue` for subscriptions
 * (server in `RABBIT_SERVER_URL`), and `mem://topic` (in the process). Each topic or subscription owns its
 * connection, opened in the background; while it is down, calls fail at once.
 */
import type { Channel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { NatsConnection, Subscription as NatsSubscription } from 'nats';
import type { Cancellation } from '../core/cancellation.js';
import { GatewayError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { AmqpLink } from './amqp-link.js';
import { backoffByName } from './backoff.js';
import { Inbox } from './inbox.js';

export const PUBSUB_SCHEMES = ['nats', 'rabbit', 'mem'] as const;
export type PubSubScheme = (typeof PUBSUB_SCHEMES)[number];

export interface PubSubMessage {
  body: Buffer;
  ack(): void;
  /** Gives the message back (rabbit: requeue false drops it). */
  nack(requeue: boolean): void;
}

export interface Topic {
  send(body: Buffer, metadata: Record<string, string>, cancel: Cancellation): Promise<void>;
  close(): Promise<void>;
}

export interface Subscription {
  receive(cancel: Cancellation): Promise<PubSubMessage>;
  close(): Promise<void>;
}

export interface PubSubAddress {
  scheme: string;
  /** What follows `scheme://`: a subject, exchange, queue or topic name, maybe with `?query`. */
  name: string;
}

/** `host[0] + topic_url`, as KrakenD joins them; the host keeps `scheme:` even once its slashes are trimmed. */
export function pubsubAddress(host: string, path: string): PubSubAddress | undefined {
  const match = /^([a-z][a-z0-9+.-]*):\/*(.*)$/i.exec(host + path);
  if (!match) return undefined;
  return { scheme: (match[1] as string).toLowerCase(), name: match[2] as string };
}

interface DriverContext {
  logger: Logger;
  label: string;
  env: NodeJS.ProcessEnv;
}

/** Bound on received messages held while no request asks for them (NATS and mem push without limit). */
const MAX_HELD_MESSAGES = 1000;

const unavailable = (what: string): GatewayError => new GatewayError('PRT_ERR_PUBSUB_UNAVAILABLE', `${what} is not connected, trying to reconnect`);

export function openTopic(address: PubSubAddress, context: DriverContext): Topic {
  switch (address.scheme as PubSubScheme) {
    case 'nats':
      return natsTopic(address.name, context);
    case 'rabbit':
      return rabbitTopic(address.name, context);
    case 'mem':
      return memTopic(address.name);
  }
  throw new Error(`unsupported scheme ${address.scheme}`);
}

export function openSubscription(address: PubSubAddress, context: DriverContext): Subscription {
  switch (address.scheme as PubSubScheme) {
    case 'nats':
      return natsSubscription(address.name, context);
    case 'rabbit':
      return rabbitSubscription(address.name, context);
    case 'mem':
      return memSubscription(address.name);
  }
  throw new Error(`unsupported scheme ${address.scheme}`);
}

// --- NATS -------------------------------------------------------------------------------------------

/** A NATS connection that keeps reconnecting; `current` is set only while connected. */
class NatsLink {
  current: NatsConnection | undefined;
  /** The client library, once loaded. */
  library: typeof import('nats') | undefined;
  private connection: NatsConnection | undefined;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly server: string | undefined,
    private readonly context: DriverContext,
    private readonly onConnect: (connection: NatsConnection) => void,
  ) {
    if (server === undefined || server === '') {
      context.logger.error(`${context.label} NATS_SERVER_URL is not set: every call fails`);
      return;
    }
    this.attempt();
  }

  /**
   * First connection, retried every second by our own (unref'd) timer, so that closing the link stops it;
   * once connected, the client's own reconnection takes over until `close()`.
   */
  private attempt(): void {
    // Loaded on first use: configs without NATS never pay for the library.
    import('nats').then((library) => (this.library = library).connect({ servers: this.server as string, reconnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 1000, timeout: 5000 })).then(
      (connection) => {
        if (this.closed) {
          void connection.close();
          return;
        }
        this.connection = connection;
        this.current = connection;
        this.onConnect(connection);
        void this.watch(connection);
      },
      (error: Error) => {
        this.context.logger.debug(`${this.context.label} ${error.message}`);
        if (this.closed) return;
        this.timer = setTimeout(() => this.attempt(), 1000);
        this.timer.unref();
      },
    );
  }

  private async watch(connection: NatsConnection): Promise<void> {
    for await (const status of connection.status()) {
      if (status.type === 'disconnect') {
        this.current = undefined;
        this.context.logger.warn(`${this.context.label} connection lost; reconnecting`);
      } else if (status.type === 'reconnect') {
        this.current = connection;
        this.context.logger.info(`${this.context.label} reconnected`);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.current = undefined;
    await this.connection?.close().catch(() => undefined);
  }
}

function natsTopic(subject: string, context: DriverContext): Topic {
  const link = new NatsLink(context.env['NATS_SERVER_URL'], context, () => undefined);
  return {
    async send(body, metadata, cancel) {
      const connection = link.current;
      const library = link.library;
      if (connection === undefined || library === undefined) throw unavailable('the NATS server');
      const headers = library.headers();
      for (const [name, value] of Object.entries(metadata)) headers.set(name, value);
      connection.publish(subject, body, Object.keys(metadata).length > 0 ? { headers } : {});
      // A round trip to the server: the message has left the client's buffer before the answer.
      await withCancel(connection.flush(), cancel);
    },
    close: () => link.close(),
  };
}

function natsSubscription(name: string, context: DriverContext): Subscription {
  const [subject, query] = name.split('?', 2) as [string, string | undefined];
  const queue = new URLSearchParams(query ?? '').get('queue') ?? undefined;
  const inbox = new Inbox<PubSubMessage>(MAX_HELD_MESSAGES);
  let subscription: NatsSubscription | undefined;
  const link = new NatsLink(context.env['NATS_SERVER_URL'], context, (connection) => {
    subscription = connection.subscribe(subject, {
      ...(queue ? { queue } : {}),
      callback: (error, message) => {
        if (error) return;
        // Core NATS has no acknowledgements: a message nobody waits for beyond the bound is dropped.
        if (!inbox.put({ body: Buffer.from(message.data), ack: noop, nack: noop })) context.logger.warn(`${context.label} ${MAX_HELD_MESSAGES} messages waiting; dropping one`);
      },
    });
  });
  return {
    receive(cancel) {
      if (link.current === undefined && inbox.size === 0) return Promise.reject(unavailable('the NATS server'));
      return inbox.take(cancel);
    },
    async close() {
      subscription?.unsubscribe();
      await link.close();
    },
  };
}

// --- RabbitMQ -----------------------------------------------------------------------------------------

function rabbitLink<C extends Channel>(context: DriverContext, confirm: boolean, setup: (channel: C) => Promise<void>, onLost?: () => void): AmqpLink<C> | undefined {
  const url = context.env['RABBIT_SERVER_URL'];
  if (url === undefined || url === '') {
    context.logger.error(`${context.label} RABBIT_SERVER_URL is not set: every call fails`);
    return undefined;
  }
  const link = new AmqpLink<C>({
    url: /^amqps?:\/\//i.test(url) ? url : `amqp://${url}`,
    label: context.label,
    logger: context.logger,
    backoff: backoffByName(''),
    maxRetries: Infinity,
    confirm,
    setup,
    ...(onLost ? { onLost } : {}),
  });
  link.wake();
  return link;
}

/** Go CDK's rabbit topic: publish to the exchange (with an empty routing key), confirmed by the broker. */
function rabbitTopic(exchange: string, context: DriverContext): Topic {
  const link = rabbitLink<ConfirmChannel>(context, true, async (channel) => {
    await channel.checkExchange(exchange);
  });
  return {
    async send(body, metadata, cancel) {
      const channel = link?.channel;
      if (channel === undefined) throw unavailable('RabbitMQ');
      await withCancel(
        new Promise<void>((resolve, reject) => {
          channel.publish(exchange, '', body, { headers: metadata, persistent: true }, (error) => (error ? reject(new GatewayError('PRT_ERR_PUBSUB_SEND', 'RabbitMQ did not take the message')) : resolve()));
        }),
        cancel,
      );
    },
    close: async () => link?.close(),
  };
}

/** Go CDK's rabbit subscription: consume an existing queue, ack what is used. */
function rabbitSubscription(queue: string, context: DriverContext): Subscription {
  const inbox = new Inbox<PubSubMessage>();
  const link = rabbitLink<Channel>(
    context,
    false,
    async (channel) => {
      await channel.prefetch(10);
      await channel.consume(queue, (message: ConsumeMessage | null) => {
        if (message === null) {
          channel.close().catch(() => undefined);
          return;
        }
        inbox.put({
          body: message.content,
          ack: () => safely(() => channel.ack(message)),
          nack: (requeue) => safely(() => channel.nack(message, false, requeue)),
        });
      });
    },
    () => inbox.clear(),
  );
  return {
    receive(cancel) {
      if (link?.channel === undefined && inbox.size === 0) return Promise.reject(unavailable('RabbitMQ'));
      return inbox.take(cancel);
    },
    close: async () => link?.close(),
  };
}

// --- in memory ----------------------------------------------------------------------------------------

/** Topics of this process by name (Go CDK's mempubsub default opener is process-wide too). */
const memTopics = new Map<string, Set<Inbox<PubSubMessage>>>();

function memTopic(name: string): Topic {
  return {
    send(body, _metadata, _cancel) {
      for (const inbox of memTopics.get(name) ?? []) inbox.put({ body, ack: noop, nack: noop });
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
}

/** Receives what the topic of the same name sends from now on. */
function memSubscription(name: string): Subscription {
  const inbox = new Inbox<PubSubMessage>(MAX_HELD_MESSAGES);
  let subscribers = memTopics.get(name);
  if (subscribers === undefined) memTopics.set(name, (subscribers = new Set()));
  subscribers.add(inbox);
  return {
    receive: (cancel) => inbox.take(cancel),
    close() {
      subscribers.delete(inbox);
      if (subscribers.size === 0) memTopics.delete(name);
      return Promise.resolve();
    },
  };
}

// --- helpers ------------------------------------------------------------------------------------------

function noop(): void {}

function safely(action: () => void): void {
  try {
    action();
  } catch {
    // The channel closed: the broker delivers the message again.
  }
}

function withCancel<T>(work: Promise<T>, cancel: Cancellation): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const ticket = cancel.on(reject);
    work.then(
      (value) => {
        cancel.off(ticket);
        resolve(value);
      },
      (error: unknown) => {
        cancel.off(ticket);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
