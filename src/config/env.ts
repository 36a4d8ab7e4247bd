/**
 * Environment overrides for root scalar keys, as KrakenD documents them: `KRAKEND_PORT=9000` sets
 * `port`. `PORTICO_PORT` does the same and wins when both are set. Values are converted to the key's
 * type so the schema check sees what the file would have said.
 */
const ROOT_SCALARS: Readonly<Record<string, 'string' | 'integer' | 'boolean'>> = {
  name: 'string',
  port: 'integer',
  listen_ip: 'string',
  timeout: 'string',
  cache_ttl: 'string',
  output_encoding: 'string',
  read_timeout: 'string',
  write_timeout: 'string',
  idle_timeout: 'string',
  read_header_timeout: 'string',
  max_header_bytes: 'integer',
  max_response_header_bytes: 'integer',
  max_response_headers: 'integer',
  max_shutdown_wait_time: 'string',
  disable_keep_alives: 'boolean',
  disable_compression: 'boolean',
  max_idle_connections: 'integer',
  max_idle_connections_per_host: 'integer',
  idle_connection_timeout: 'string',
  response_header_timeout: 'string',
  expect_continue_timeout: 'string',
  dialer_timeout: 'string',
  dialer_keep_alive: 'string',
  dialer_fallback_delay: 'string',
  debug_endpoint: 'boolean',
  echo_endpoint: 'boolean',
  disable_rest: 'boolean',
  sequential_start: 'boolean',
  dns_cache_ttl: 'string',
  use_h2c: 'boolean',
};

export interface EnvOverrides {
  values: Record<string, unknown>;
  /** key → the variable that set it, for messages. */
  sources: Map<string, string>;
}

export function readEnvOverrides(env: NodeJS.ProcessEnv): EnvOverrides {
  const values: Record<string, unknown> = {};
  const sources = new Map<string, string>();
  for (const prefix of ['KRAKEND_', 'PORTICO_']) {
    for (const [key, kind] of Object.entries(ROOT_SCALARS)) {
      const variable = prefix + key.toUpperCase();
      const text = env[variable];
      if (text === undefined) continue;
      values[key] = convert(text, kind);
      sources.set(key, variable);
    }
  }
  return { values, sources };
}

function convert(text: string, kind: 'string' | 'integer' | 'boolean'): unknown {
  if (kind === 'integer') return /^-?\d+$/.test(text.trim()) ? Number(text.trim()) : text;
  if (kind === 'boolean') {
    const lower = text.trim().toLowerCase();
    if (lower === 'true' || lower === '1') return true;
    if (lower === 'false' || lower === '0') return false;
    return text;
  }
  return text;
}
