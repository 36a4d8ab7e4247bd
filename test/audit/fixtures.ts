/**
 * Audit fixtures: CLEAN triggers no rule at all; each entry of TRIGGERS changes it just enough to
 * trigger one rule (others may follow, e.g. the basic-auth plugin is both 1.1.1 and 7.1.3).
 */
type Json = Record<string, any>;

const backend = (extra: Json = {}): Json => ({ host: ['http://127.0.0.1:9'], url_pattern: '/x', ...extra });

/** Every protection krakend-audit looks for, so no rule applies. */
export function cleanConfig(): Json {
  return {
    version: 3,
    name: 'audit-fixture',
    tls: { keys: [{ private_key: 'key.pem', public_key: 'cert.pem' }] },
    extra_config: {
      router: { hide_version_header: true },
      'security/http': { frame_deny: true },
      'security/cors': { allow_origins: ['https://example.com'] },
      'security/bot-detector': { deny: ['curl'] },
      'telemetry/metrics': { collection_time: '60s' },
      'telemetry/opentelemetry': { exporters: { otlp: [{ name: 'local', host: 'localhost', disable_metrics: true }] } },
      'telemetry/logging': { level: 'INFO' },
    },
    endpoints: [
      {
        endpoint: '/users/{id}',
        extra_config: {
          'auth/validator': { alg: 'RS256', jwk_url: 'https://idp.example.com/jwks' },
          'qos/ratelimit/router': { max_rate: 100 },
        },
        backend: [backend({ extra_config: { 'qos/circuit-breaker': { interval: 60, timeout: 10, max_errors: 5 } } }), backend({ url_pattern: '/y' })],
      },
      { endpoint: '/orders', method: 'POST', backend: [backend()] },
    ],
  };
}

function endpoint(config: Json, index = 0): Json {
  return config['endpoints'][index];
}

function plugin(config: Json, scope: 'root' | 'endpoint', namespace: string, name: string | string[]): void {
  const target = scope === 'root' ? config : endpoint(config);
  target['extra_config'] = { ...target['extra_config'], [namespace]: { name } };
}

const agents = (count: number): Json[] =>
  Array.from({ length: count }, (_, index) => ({ name: `agent-${index}`, connection: {}, consumer: { topic: `t${index}` }, backend: [backend()] }));

/** Rule id → a change to the clean config that triggers it. */
export const TRIGGERS: Record<string, (config: Json) => void> = {
  '1.1.1': (c) => plugin(c, 'root', 'plugin/http-server', ['basic-auth']),
  '1.1.2': (c) => (c['extra_config']['auth/api-keys'] = { keys: [] }),
  '1.2.1': (c) => delete endpoint(c)['extra_config']['auth/validator'],
  '2.1.1': (c) => (c['client_tls'] = { allow_insecure_connections: true }),
  '2.1.2': (c) => delete c['tls'],
  '2.1.3': (c) => (c['tls']['disabled'] = true),
  '2.1.7': (c) => delete c['extra_config']['security/http'],
  '2.1.8': (c) => (c['use_h2c'] = true),
  '2.1.9': (c) => (endpoint(c)['backend'][1]['extra_config'] = { 'backend/http/client': { client_tls: { allow_insecure_connections: true } } }),
  '2.2.1': (c) => (c['extra_config']['router']['hide_version_header'] = false),
  '2.2.2': (c) => delete c['extra_config']['security/cors'],
  '2.2.3': (c) => (endpoint(c)['input_headers'] = ['*']),
  '2.2.4': (c) => (endpoint(c)['input_query_strings'] = ['*']),
  '2.2.5': (c) => (c['extra_config']['grpc'] = { catalog: ['defs'], server: { services: [] } }),
  '2.3.1': (c) => (endpoint(c)['backend'][1]['extra_config'] = { 'qos/http-cache': { shared: true } }),
  '3.1.1': (c) => delete c['extra_config']['security/bot-detector'],
  '3.1.2': (c) => delete endpoint(c)['extra_config']['qos/ratelimit/router'],
  '3.1.3': (c) => delete endpoint(c)['backend'][0]['extra_config'],
  '3.3.1': (c) => (endpoint(c)['timeout'] = '3001ms'),
  '3.3.2': (c) => (endpoint(c)['timeout'] = '6s'),
  '3.3.3': (c) => (c['timeout'] = '31s'),
  '3.3.4': (c) => (endpoint(c, 1)['timeout'] = '1m1s'),
  '4.1.1': (c) => delete c['extra_config']['telemetry/metrics'],
  '4.1.3': (c) => (c['extra_config']['telemetry/newrelic'] = { license: 'x' }),
  '4.2.1': (c) => (c['extra_config']['telemetry/opentelemetry']['exporters']['otlp'][0]['disable_traces'] = true),
  '4.3.1': (c) => delete c['extra_config']['telemetry/logging'],
  '5.1.1': (c) => (c['disable_rest'] = true),
  '5.1.2': (c) => (c['debug_endpoint'] = true),
  '5.1.3': (c) => (c['echo_endpoint'] = true),
  '5.1.4': (c) => c['endpoints'].push({ endpoint: '/files/*', backend: [backend()] }),
  '5.1.5': (c) => c['endpoints'].push({ endpoint: '/__catchall', backend: [backend()] }),
  '5.1.6': (c) => c['endpoints'].push({ endpoint: '/both', method: 'POST', backend: [backend(), backend({ method: 'PUT' })] }),
  '5.1.7': (c) => (endpoint(c)['extra_config']['proxy'] = { sequential: true }),
  '5.2.1': (c) => c['endpoints'].push({ endpoint: '/nothing', backend: [] }),
  '5.2.2': (c) => endpoint(c)['backend'].pop(),
  '5.2.3': (c) => {
    c['output_encoding'] = 'no-op';
    endpoint(c)['backend'].pop();
  },
  '6.1.1': (c) => {
    c['sequential_start'] = true;
    c['async_agent'] = agents(10);
  },
  '7.1.1': (c) => plugin(c, 'root', 'plugin/http-server', 'virtualhost'),
  '7.1.2': (c) => plugin(c, 'root', 'plugin/http-server', ['static-filesystem']),
  '7.1.3': (c) => plugin(c, 'root', 'plugin/http-server', ['basic-auth']),
  '7.1.4': (c) => plugin(c, 'root', 'plugin/http-server', ['wildcard', 'ip-filter']),
  '7.1.5': (c) => plugin(c, 'endpoint', 'plugin/http-client', 'http-proxy'),
  '7.1.6': (c) => plugin(c, 'endpoint', 'plugin/http-client', 'static-filesystem'),
  '7.1.7': (c) => plugin(c, 'endpoint', 'plugin/http-client', 'no-redirect'),
  '7.1.8': (c) => plugin(c, 'endpoint', 'plugin/req-resp-modifier', ['content-replacer']),
  '7.1.9': (c) => (endpoint(c)['backend'][1]['extra_config'] = { 'plugin/req-resp-modifier': { name: ['response-schema-validator'] } }),
  '7.2.1': (c) => (c['extra_config']['telemetry/ganalytics'] = { track_id: 'x' }),
  '7.2.2': (c) => (c['extra_config']['telemetry/instana'] = {}),
  '7.2.3': (c) => (c['extra_config']['telemetry/opencensus'] = { exporters: { prometheus: { port: 9091 } } }),
  '7.2.4': (c) => (c['extra_config']['telemetry/influx'] = { address: 'http://influx:8086' }),
  '7.3.1': (c) => (c['tls'] = { private_key: 'key.pem', public_key: 'cert.pem' }),
  'P1.2.2': (c) => (endpoint(c)['extra_config']['auth/validator']['disable_jwk_security'] = true),
  'P2.2.6': (c) => (c['extra_config']['router']['forwarded_by_client_ip'] = true),
  'P2.2.7': (c) => (endpoint(c)['extra_config']['qos/ratelimit/router'] = { client_max_rate: 5, strategy: 'ip', key: 'X-Real-Ip' }),
  // P7.4.1 comes from the loader's warnings: test/cli/audit.test.ts triggers it through a real file.
};

/** Rules that no config triggers, with the reason (documented in docs/audit.md). */
export const NEVER_FIRES: Record<string, string> = {
  '4.1.2': 'declared but not implemented by krakend-audit v0.9.3',
};
