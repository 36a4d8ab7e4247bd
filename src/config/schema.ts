/**
 * The JSON Schema of the keys Portico supports. One schema serves two purposes: `run` and `check` use it
 * for types (unknown keys become warnings), `check --lint` also turns unknown keys into errors. Components
 * add the schema of their own namespace through the registry, so the shipped schema is assembled, never
 * written twice. `portico schema` prints it; `schema/portico.schema.json` is that output, kept in step by a test.
 */
import { ASYNC_AMQP_SCHEMA, BACKOFF_STRATEGIES } from './amqp-settings.js';

export type JsonSchema = Record<string, unknown>;

const ASYNC_AMQP_NAMESPACE = 'async/amqp';

const COMMENT_KEYS = { '^[@$_#]': {} };

const duration = { $ref: '#/$defs/duration' };
const stringList = { type: 'array', items: { type: 'string' } };
const hostList = { type: 'array', items: { type: 'string', minLength: 1 } };

export const DURATION_PATTERN = '^[+-]?((\\d+(\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h))+$|^0$';

function object(properties: Record<string, unknown>, extra: Record<string, unknown> = {}): JsonSchema {
  return { type: 'object', properties, patternProperties: COMMENT_KEYS, additionalProperties: false, ...extra };
}

export const BACKEND_ENCODINGS = ['json', 'safejson', 'string', 'no-op', 'xml', 'rss', 'fast-json', 'yaml'];
// `sse`: KrakenD Enterprise's Server-Sent Events encoding (a stream passed through as each event arrives).
const outputEncodings = ['json', 'json-collection', 'string', 'no-op', 'xml', 'yaml', 'negotiate', 'fast-json', 'sse'];

export interface NamespaceSchemas {
  service: Record<string, JsonSchema>;
  endpoint: Record<string, JsonSchema>;
  backend: Record<string, JsonSchema>;
}

export function buildSchema(namespaces: NamespaceSchemas): JsonSchema {
  const extra = (level: Record<string, JsonSchema>): JsonSchema => object(level, { description: 'Component settings by namespace' });
  const backend = object({
    host: hostList,
    url_pattern: { type: 'string' },
    method: { type: 'string', pattern: '^[A-Za-z]+$' },
    // lura decodes an unknown encoding as JSON; normalize warns (encoding.GetRegister().Get).
    encoding: { type: 'string', examples: BACKEND_ENCODINGS },
    allow: stringList,
    deny: stringList,
    mapping: { type: 'object', additionalProperties: { type: 'string' } },
    group: { type: 'string' },
    target: { type: 'string' },
    is_collection: { type: 'boolean' },
    disable_host_sanitize: { type: 'boolean' },
    input_headers: stringList,
    input_query_strings: stringList,
    sd: { type: 'string', enum: ['static', 'dns'] },
    sd_scheme: { type: 'string', enum: ['http', 'https'] },
    extra_config: extra(namespaces.backend),
  });

  const endpoint = object({
    endpoint: { type: 'string' }, // lura serves an empty or missing endpoint at "/" (normalize warns)
    // Portico: a list declares one endpoint per method.
    method: { anyOf: [{ type: 'string', pattern: '^[A-Za-z]+$' }, { type: 'array', minItems: 1, items: { type: 'string', pattern: '^[A-Za-z]+$' } }] },
    timeout: duration,
    cache_ttl: duration,
    output_encoding: { type: 'string', enum: outputEncodings },
    input_headers: stringList,
    input_query_strings: stringList,
    concurrent_calls: { type: 'integer', minimum: 0 }, // lura reads 0 as 1 (config.go initEndpointDefaults)
    backend: { type: 'array', items: backend },
    extra_config: extra(namespaces.endpoint),
  }, { required: ['backend'] });

  // lura `config.AsyncAgent` and its driver block.
  const asyncAgent = object({
    name: { type: 'string' },
    connection: object({ max_retries: { type: 'integer' }, backoff_strategy: { type: 'string', examples: [...BACKOFF_STRATEGIES] }, health_interval: duration }),
    consumer: object({ topic: { type: 'string' }, workers: { type: 'integer', minimum: 0 }, timeout: duration, max_rate: { type: 'number', minimum: 0 } }),
    encoding: { type: 'string' },
    // Backends and endpoint namespaces are not repeated here: inlined a second time they doubled the
    // compiled validator (and start-up time); the agent's pipe is still read by normalize and its components.
    backend: { type: 'array', items: { type: 'object' } },
    extra_config: { type: 'object', properties: { [ASYNC_AMQP_NAMESPACE]: ASYNC_AMQP_SCHEMA } },
  });

  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://portico.dev/schema/portico.schema.json',
    title: 'Portico gateway configuration (KrakenD v3 compatible)',
    $defs: {
      duration: { type: 'string', pattern: DURATION_PATTERN, description: 'Go duration syntax: "300ms", "1.5s", "1m"' },
    },
    ...object({
      $schema: { type: 'string' },
      version: { const: 3 },
      name: { type: 'string' },
      port: { type: 'integer', minimum: 0, maximum: 65535 },
      listen_ip: { type: 'string' },
      host: hostList,
      timeout: duration,
      cache_ttl: duration,
      output_encoding: { type: 'string', enum: outputEncodings },
      read_timeout: duration,
      write_timeout: duration,
      idle_timeout: duration,
      read_header_timeout: duration,
      max_header_bytes: { type: 'integer', minimum: 0 },
      max_response_header_bytes: { type: 'integer', minimum: 0, description: 'Portico: most bytes of a backend response head (status line and headers); 0: the default, 262144.' },
      max_response_headers: { type: 'integer', minimum: 0, description: 'Portico: most header fields in a backend response; 0: the default, 500.' },
      max_shutdown_wait_time: duration,
      disable_keep_alives: { type: 'boolean' },
      disable_compression: { type: 'boolean' },
      max_idle_connections: { type: 'integer', minimum: 0 },
      max_idle_connections_per_host: { type: 'integer', minimum: 0 },
      idle_connection_timeout: duration,
      response_header_timeout: duration,
      expect_continue_timeout: duration,
      dialer_timeout: duration,
      dialer_keep_alive: duration,
      dialer_fallback_delay: duration,
      debug_endpoint: { type: 'boolean' },
      echo_endpoint: { type: 'boolean' },
      disable_rest: { type: 'boolean' },
      sequential_start: { type: 'boolean' },
      dns_cache_ttl: duration,
      use_h2c: { type: 'boolean' },
      allow_insecure_connections: { type: 'boolean' },
      tls: { type: 'object' },
      client_tls: { type: 'object' },
      plugin: { type: 'object' },
      async_agent: { type: 'array', items: asyncAgent },
      endpoints: { type: 'array', items: endpoint },
      extra_config: extra(namespaces.service),
    }, { required: ['version'] }),
  };
}
