/**
 * One AMQP connection and channel that keeps itself alive. It connects in the background (a broker that is
 * down never delays start-up), declares what its owner needs on every new channel, and on loss reconnects
 * after the configured back-off. After `maxRetries` failed attempts in a row it rests until `wake()` (the
 * next request) starts a new round, as KrakenD's producer and consumer do.
 *
 * Each gateway process (each worker of `portico run -w N`) owns its links; `close()` runs on shutdown.
 */
import type { Channel, ChannelModel } from 'amqplib';
import type { Logger } from '../core/logger.js';
import type { Backoff } from './backoff.js';

export interface AmqpLinkOptions<C extends Channel> {
  url: string;
  /** Log prefix, e.g. `[BACKEND: /queue][AMQP]`. */
  label: string;
  logger: Logger;
  backoff: Backoff;
  /** Failed attempts before resting; `Infinity` keeps trying. */
  maxRetries: number;
  /** A confirm channel lets a publisher wait for the broker's ack. */
  confirm: boolean;
  /** Declares exchanges, queues, bindings, QoS and consumers on a fresh channel. */
  setup(channel: C): Promise<void>;
  /** The channel is gone (connection lost or closed); deliveries from it can no longer be acked. */
  onLost?(): void;
}

/** Bound on one connection attempt, so a black-holed broker address cannot stall a round. */
const CONNECT_TIMEOUT_MS = 5_000;

export class AmqpLink<C extends Channel = Channel> {
  /** The channel while connected and set up; undefined otherwise. */
  channel: C | undefined;
  private connection: ChannelModel | undefined;
  private running = false;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly waiters: (() => void)[] = [];

  constructor(private readonly options: AmqpLinkOptions<C>) {}

  /** Starts connecting if no round is running. */
  wake(): void {
    if (this.running || this.closed || this.channel !== undefined) return;
    this.running = true;
    void this.round(0);
  }

  /** Resolves once the link is up (or closed); for tests and the agents' first connection. */
  whenReady(): Promise<void> {
    if (this.channel !== undefined || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.channel = undefined;
    const connection = this.connection;
    this.connection = undefined;
    for (const waiter of this.waiters.splice(0)) waiter();
    if (connection) await connection.close().catch(() => undefined);
  }

  private async round(attempt: number): Promise<void> {
    if (this.closed) return;
    try {
      await this.connectOnce();
      this.running = false;
      if (attempt > 0) this.options.logger.info(`${this.options.label} connection attempt #${attempt + 1}: connected`);
      for (const waiter of this.waiters.splice(0)) waiter();
    } catch (error) {
      // The first failure of a round, and every tenth, at warn: a broker refusing the declarations (a queue
      // declared with other flags) is a configuration problem someone has to see.
      const line = `${this.options.label} connection attempt #${attempt + 1}: ${(error as Error).message}`;
      if (attempt % 10 === 0) this.options.logger.warn(line);
      else this.options.logger.debug(line);
      if (this.closed) return;
      if (attempt + 1 >= this.options.maxRetries) {
        this.running = false;
        this.options.logger.error(`${this.options.label} giving up after ${attempt + 1} connection attempts; the next request tries again`);
        return;
      }
      this.timer = setTimeout(() => void this.round(attempt + 1), this.options.backoff(attempt + 1));
      this.timer.unref();
    }
  }

  private async connectOnce(): Promise<void> {
    // Loaded on first use: configs without AMQP never pay for the library.
    const { connect } = await import('amqplib');
    const connection = await connect(this.options.url, { timeout: CONNECT_TIMEOUT_MS });
    // Errors are followed by 'close'; listening keeps them from becoming uncaught exceptions.
    connection.on('error', () => undefined);
    if (this.closed) {
      await connection.close().catch(() => undefined);
      return;
    }
    let channel: C;
    try {
      channel = (this.options.confirm ? await connection.createConfirmChannel() : await connection.createChannel()) as C;
      channel.on('error', () => undefined);
      await this.options.setup(channel);
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw error;
    }
    this.connection = connection;
    this.channel = channel;
    const lost = (): void => {
      if (this.channel !== channel) return;
      this.channel = undefined;
      this.connection = undefined;
      this.options.onLost?.();
      if (this.closed) return;
      void Promise.resolve()
        .then(() => connection.close())
        .catch(() => undefined);
      this.options.logger.warn(`${this.options.label} connection lost; reconnecting`);
      this.running = true;
      this.timer = setTimeout(() => void this.round(0), this.options.backoff(0));
      this.timer.unref();
    };
    connection.on('close', lost);
    channel.on('close', lost);
  }
}
