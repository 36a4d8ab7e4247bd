/**
 * Async agents (lura `async.AgentStarter`, krakend-amqp `async/`): each agent consumes a RabbitMQ queue and
 * sends every message, as the request body, through its backend pipe. A message whose pipe succeeds is
 * acked; one whose pipe fails is nacked and requeued, or dropped with `nack_discard`; with `auto_ack` the
 * broker counts it delivered on arrival. At most `workers` messages are in the pipe at once, started no
 * faster than `max_rate` per second.
 *
 * A lost connection is re-established after the agent's back-off; messages that were in the pipe then
 * cannot be acked and the broker delivers them again (at-least-once). After `max_retries` failed
 * attempts in a row the agent stops and its `/__health` time stops moving. Each gateway process (each
 * worker of `portico run -w N`) runs its own agents, as competing consumers of the same queue.
 */
import type { Channel, ConsumeMessage } from 'amqplib';
import { ASYNC_AMQP_NAMESPACE } from '../config/async-agents.js';
import type { AsyncAgentConfig } from '../config/types.js';
import { Cancellation } from '../core/cancellation.js';
import { timeoutError } from '../core/errors.js';
import type { Proxy, ProxyRequest } from '../proxy/types.js';
import type { Logger } from '../core/logger.js';
import { AmqpLink } from './amqp-link.js';
import { DEFAULT_PREFETCH_COUNT, readConsumeSettings } from '../config/amqp-settings.js';
import { declareConsumer } from './amqp-declare.js';
import type { ConsumeSettings } from '../config/amqp-settings.js';
import { backoffByName } from './backoff.js';

export interface AsyncAgents {
  /** Agent name → time of its last ping, for `/__health`. */
  pings(): Record<string, string>;
  close(): Promise<void>;
}

export function startAsyncAgents(agents: readonly AsyncAgentConfig[], buildPipe: (agent: AsyncAgentConfig) => Proxy, logger: Logger, formatTime: (date: Date) => string): AsyncAgents {
  const pings = new Map<string, Date>();
  const running = agents.map((agent) => new AmqpAgent(agent, buildPipe(agent), logger, (name) => pings.set(name, new Date())));
  return {
    pings: () => Object.fromEntries([...pings].map(([name, date]) => [name, formatTime(date)])),
    close: async () => {
      await Promise.all(running.map((agent) => agent.close()));
    },
  };
}

interface Delivery {
  channel: Channel;
  message: ConsumeMessage;
}

class AmqpAgent {
  private readonly label: string;
  private readonly settings: ConsumeSettings;
  private readonly link: AmqpLink<Channel>;
  private readonly queue: Delivery[] = [];
  private busy = 0;
  private readonly ticker: NodeJS.Timeout;
  private nextStartAt = 0;
  private rateTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly agent: AsyncAgentConfig,
    private readonly pipe: Proxy,
    private readonly logger: Logger,
    private readonly ping: (name: string) => void,
  ) {
    this.label = `[SERVICE: AsyncAgent][AMQP][${agent.name}]`;
    const block = agent.extraConfig[ASYNC_AMQP_NAMESPACE] as Record<string, unknown>;
    this.settings = readConsumeSettings(block);
    const url = typeof block['host'] === 'string' ? block['host'] : '';
    this.link = new AmqpLink<Channel>({
      url,
      label: this.label,
      logger,
      backoff: backoffByName(agent.backoffStrategy),
      maxRetries: agent.maxRetries,
      confirm: false,
      setup: async (channel) => {
        await declareConsumer(channel, this.settings, [agent.topic], 'krakend', (message) => this.receive(channel, message), Math.max(DEFAULT_PREFETCH_COUNT, agent.workers));
        logger.info(`${this.label} Starting the consumer`);
        this.ping(agent.name);
      },
      onLost: () => {
        // Unacked deliveries of the lost channel go back to the queue on the broker.
        this.queue.length = 0;
      },
    });
    this.link.wake();
    this.ticker = setInterval(() => {
      if (this.link.channel !== undefined) this.ping(agent.name);
    }, agent.healthIntervalMs);
    this.ticker.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.ticker);
    clearTimeout(this.rateTimer);
    this.queue.length = 0;
    await this.link.close();
  }

  private receive(channel: Channel, message: ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled the consumer (queue deleted): reconnecting declares it again.
      channel.close().catch(() => undefined);
      return;
    }
    this.queue.push({ channel, message });
    this.pump();
  }

  /** Starts queued messages while workers are free, spaced by `max_rate`. */
  private pump(): void {
    while (!this.closed && this.busy < this.agent.workers && this.queue.length > 0) {
      if (this.agent.maxRate > 0) {
        const now = Date.now();
        if (now < this.nextStartAt) {
          if (this.rateTimer === undefined) {
            this.rateTimer = setTimeout(() => {
              this.rateTimer = undefined;
              this.pump();
            }, this.nextStartAt - now);
          }
          return;
        }
        this.nextStartAt = Math.max(now, this.nextStartAt) + 1000 / this.agent.maxRate;
      }
      const delivery = this.queue.shift() as Delivery;
      this.busy++;
      void this.process(delivery).finally(() => {
        this.busy--;
        this.pump();
      });
    }
  }

  private async process({ channel, message }: Delivery): Promise<void> {
    const ok = await this.runPipe(message.content);
    if (this.settings.autoAck) return;
    try {
      if (ok) channel.ack(message);
      else {
        channel.nack(message, false, !this.settings.nackDiscard);
        if (this.settings.nackDiscard) this.logger.debug(`${this.label} Nack: message discarded from queue "${this.settings.name}"`);
      }
    } catch (error) {
      // The channel closed while the message was in the pipe: the broker will deliver it again.
      this.logger.warn(`${this.label} ${ok ? 'Ack' : 'Nack'}: ${(error as Error).message}`);
    }
  }

  private async runPipe(body: Buffer): Promise<boolean> {
    const timeoutMs = this.agent.timeoutMs;
    const cancel = new Cancellation().abortAfter(timeoutMs, () => timeoutError(`async agent ${this.agent.name}`, timeoutMs));
    const request: ProxyRequest = { method: 'POST', params: {}, query: null, headers: {}, body, bodyLength: body.length, path: this.agent.name };
    try {
      const response = await this.pipe(request, cancel);
      if (response.error) throw response.error;
      return true;
    } catch (error) {
      this.logger.error(`${this.label} ${(error as Error).message}`);
      return false;
    } finally {
      cancel.dispose();
    }
  }
}
