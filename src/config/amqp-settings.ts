/**
 * The keys of KrakenD's AMQP blocks (krakend-amqp `queueCfg`, `consumerCfg`, `producerCfg` and the agent's
 * `async/amqp`), read once at start-up, and the declarations every block makes on a fresh channel.
 */
import type { JsonSchema } from './schema.js';
/** How an agent waits between reconnections (messaging/backoff.ts computes each wait). */
export const BACKOFF_STRATEGIES = ['linear', 'linear-jitter', 'exponential', 'exponential-jitter', 'fallback'] as const;

export interface QueueSettings {
  name: string;
  exchange: string;
  durable: boolean;
  delete: boolean;
  exclusive: boolean;
  noWait: boolean;
  prefetchCount: number;
  prefetchSize: number;
  backoffStrategy: string;
  /** `Infinity` when unset or not positive (krakend-amqp uses `math.MaxInt`). */
  maxRetries: number;
}

export interface ConsumeSettings extends QueueSettings {
  autoAck: boolean;
  noLocal: boolean;
  nackDiscard: boolean;
}

/**
 * Portico's prefetch when the block sets none. KrakenD sets no QoS then, so the broker pushes the whole
 * queue into the gateway's memory; a bound keeps memory flat and leaves the rest for other consumers.
 */
export const DEFAULT_PREFETCH_COUNT = 10;

const bool = (block: Record<string, unknown>, key: string): boolean => block[key] === true;
const str = (block: Record<string, unknown>, key: string): string => (typeof block[key] === 'string' ? (block[key] as string) : '');
const int = (block: Record<string, unknown>, key: string): number => (typeof block[key] === 'number' && Number.isInteger(block[key]) ? (block[key] as number) : 0);

export function readQueueSettings(block: Record<string, unknown>): QueueSettings {
  const maxRetries = int(block, 'max_retries');
  return {
    name: str(block, 'name'),
    exchange: str(block, 'exchange'),
    durable: bool(block, 'durable'),
    delete: bool(block, 'delete'),
    exclusive: bool(block, 'exclusive'),
    noWait: bool(block, 'no_wait'),
    prefetchCount: int(block, 'prefetch_count'),
    prefetchSize: int(block, 'prefetch_size'),
    backoffStrategy: str(block, 'backoff_strategy'),
    maxRetries: maxRetries > 0 ? maxRetries : Infinity,
  };
}

export function readConsumeSettings(block: Record<string, unknown>): ConsumeSettings {
  return { ...readQueueSettings(block), autoAck: bool(block, 'auto_ack'), noLocal: bool(block, 'no_local'), nackDiscard: bool(block, 'nack_discard') };
}

const QUEUE_PROPERTIES: Record<string, JsonSchema> = {
  name: { type: 'string' },
  exchange: { type: 'string' },
  durable: { type: 'boolean', default: false },
  delete: { type: 'boolean', default: false },
  exclusive: { type: 'boolean', default: false },
  no_wait: { type: 'boolean', default: false },
  prefetch_count: { type: 'integer', minimum: 0, default: 0 },
  prefetch_size: { type: 'integer', minimum: 0, default: 0 },
  backoff_strategy: { type: 'string', enum: [...BACKOFF_STRATEGIES], default: 'fallback' },
  max_retries: { type: 'integer', default: 0 },
};

const CONSUME_PROPERTIES: Record<string, JsonSchema> = {
  auto_ack: { type: 'boolean', default: false },
  no_local: { type: 'boolean', default: false },
  nack_discard: { type: 'boolean', default: false },
};

const openBlock = { patternProperties: { '^[@$_#]': {} }, additionalProperties: false } as const;

export const AMQP_CONSUMER_SCHEMA: JsonSchema = {
  type: 'object',
  properties: { ...QUEUE_PROPERTIES, ...CONSUME_PROPERTIES, routing_key: { type: 'array', items: { type: 'string' } } },
  ...openBlock,
};

export const AMQP_PRODUCER_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    ...QUEUE_PROPERTIES,
    no_local: { type: 'boolean', default: false },
    routing_key: { type: 'string' },
    static_routing_key: { type: 'boolean', default: false },
    mandatory: { type: 'boolean', default: false },
    immediate: { type: 'boolean', default: false },
    exp_key: { type: 'string' },
    reply_to_key: { type: 'string' },
    msg_id_key: { type: 'string' },
    priority_key: { type: 'string' },
  },
  ...openBlock,
};

export const ASYNC_AMQP_SCHEMA: JsonSchema = {
  type: 'object',
  properties: { host: { type: 'string' }, ...QUEUE_PROPERTIES, ...CONSUME_PROPERTIES },
  ...openBlock,
};
