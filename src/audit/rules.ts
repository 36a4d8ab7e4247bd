/**
 * The audit rules as data: id, severity, message and one small finder each. KrakenD's rules (ids 1.x to
 * 7.x) fire exactly when krakend-audit v0.9.3's do (rules.go, parser.go), including its blind spots,
 * which docs/audit.md lists, and carry its messages word for word (audit.go ruleSet) because CI scripts
 * match on them; Portico's own rules have ids starting with "P".
 *
 * A finder returns undefined when the rule does not apply, else the key paths that make it apply (empty
 * when the cause is something missing from the whole config).
 */
import type { KeyPath } from '../config/source.js';
import { asObject, isTrue, listOf, positiveNumber } from './subject.js';
import type { AuditEndpoint, AuditSubject, Raw } from './subject.js';

export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const;
export type AuditSeverity = (typeof SEVERITIES)[number];

export interface AuditRule {
  id: string;
  severity: AuditSeverity;
  message: string;
  /** A rule of Portico's own, not in krakend-audit. */
  portico?: true;
  find(subject: AuditSubject): KeyPath[] | undefined;
}

/**
 * KrakenD's audit runs after lura's `Normalize()`, which renames the v3 namespaces to the v2 names its
 * components still use (krakend-ce `cmd/krakend-ce/main.go` aliases), so either spelling counts.
 */
const V2_NAMES: Readonly<Record<string, string>> = {
  'plugin/http-server': 'github_com/devopsfaith/krakend/transport/http/server/handler',
  'plugin/http-client': 'github.com/devopsfaith/krakend/transport/http/client/executor',
  'plugin/req-resp-modifier': 'github.com/devopsfaith/krakend/proxy/plugin',
  proxy: 'github.com/devopsfaith/krakend/proxy',
  router: 'github_com/luraproject/lura/router/gin',
  'qos/http-cache': 'github.com/devopsfaith/krakend-httpcache',
  'qos/circuit-breaker': 'github.com/devopsfaith/krakend-circuitbreaker/gobreaker',
  'auth/validator': 'github.com/devopsfaith/krakend-jose/validator',
  'security/bot-detector': 'github_com/devopsfaith/krakend-botdetector',
  'security/http': 'github_com/devopsfaith/krakend-httpsecure',
  'security/cors': 'github_com/devopsfaith/krakend-cors',
  'telemetry/gelf': 'github_com/devopsfaith/krakend-gelf',
  'telemetry/logging': 'github_com/devopsfaith/krakend-gologging',
  'telemetry/logstash': 'github_com/devopsfaith/krakend-logstash',
  'telemetry/metrics': 'github_com/devopsfaith/krakend-metrics',
  'telemetry/influx': 'github_com/letgoapp/krakend-influx',
  'telemetry/opencensus': 'github_com/devopsfaith/krakend-opencensus',
};

/** The key under which `namespace` appears in an object's extra_config, if it does. */
function namespaceKey(raw: Raw, namespace: string): string | undefined {
  const extra = asObject(raw['extra_config']);
  if (!extra) return undefined;
  if (Object.hasOwn(extra, namespace)) return namespace;
  const v2 = V2_NAMES[namespace];
  return v2 !== undefined && Object.hasOwn(extra, v2) ? v2 : undefined;
}

/** Key path of a namespace present on `raw` (at `at`), or undefined. */
function present(raw: Raw, at: KeyPath, namespace: string): KeyPath | undefined {
  const key = namespaceKey(raw, namespace);
  return key === undefined ? undefined : [...at, 'extra_config', key];
}

/** The namespace's block when it is an object (KrakenD skips most components whose block is not). */
function block(raw: Raw, namespace: string): Raw | undefined {
  const key = namespaceKey(raw, namespace);
  return key === undefined ? undefined : asObject((raw['extra_config'] as Raw)[key]);
}

function blockPath(raw: Raw, at: KeyPath, namespace: string): KeyPath | undefined {
  return block(raw, namespace) ? present(raw, at, namespace) : undefined;
}

function some(paths: (KeyPath | undefined)[]): KeyPath[] | undefined {
  const found = paths.filter((path): path is KeyPath => path !== undefined);
  return found.length > 0 ? found : undefined;
}

const WHOLE_CONFIG: KeyPath[] = [];

function when(condition: boolean, paths: KeyPath[] = WHOLE_CONFIG): KeyPath[] | undefined {
  return condition ? paths : undefined;
}

const ROOT: KeyPath = [];

/** Names of the `plugin/http-server` plugins (a string or a list, as KrakenD reads it). */
function serverPlugins(root: Raw): string[] {
  const name = block(root, 'plugin/http-server')?.['name'];
  if (typeof name === 'string') return [name];
  return Array.isArray(name) ? name.filter((item): item is string => typeof item === 'string') : [];
}

function hasServerPlugin(name: string) {
  return (subject: AuditSubject): KeyPath[] | undefined => {
    if (!serverPlugins(subject.root).includes(name)) return undefined;
    return [[...(present(subject.root, ROOT, 'plugin/http-server') as KeyPath), 'name']];
  };
}

/** krakend-audit looks for client plugins at the endpoint level only. */
function hasEndpointClientPlugin(name: string) {
  return (subject: AuditSubject): KeyPath[] | undefined =>
    some(subject.endpoints.map((endpoint) => (block(endpoint.raw, 'plugin/http-client')?.['name'] === name ? present(endpoint.raw, endpoint.at, 'plugin/http-client') : undefined)));
}

function hasModifierPlugin(name: string) {
  const uses = (raw: Raw): boolean => listOf(block(raw, 'plugin/req-resp-modifier'), 'name').includes(name);
  return (subject: AuditSubject): KeyPath[] | undefined =>
    some(
      subject.endpoints.flatMap((endpoint) => [
        uses(endpoint.raw) ? present(endpoint.raw, endpoint.at, 'plugin/req-resp-modifier') : undefined,
        ...endpoint.backends.map((backend) => (uses(backend.raw) ? present(backend.raw, backend.at, 'plugin/req-resp-modifier') : undefined)),
      ]),
    );
}

function rootNamespace(namespace: string) {
  return (subject: AuditSubject): KeyPath[] | undefined => some([present(subject.root, ROOT, namespace)]);
}

/** OpenCensus counts only with an `exporters` object (krakend-audit skips it otherwise). */
function openCensus(root: Raw): KeyPath | undefined {
  return asObject(block(root, 'telemetry/opencensus')?.['exporters']) ? present(root, ROOT, 'telemetry/opencensus') : undefined;
}

/** Metrics components as krakend-audit counts them (OpenTelemetry is not among them). */
function metricsComponents(root: Raw): KeyPath[] {
  return [openCensus(root), ...['telemetry/metrics', 'telemetry/newrelic', 'telemetry/ganalytics', 'telemetry/instana'].map((namespace) => present(root, ROOT, namespace))].filter(
    (path): path is KeyPath => path !== undefined,
  );
}

/** OpenTelemetry exporters of one kind that do not disable `flag`. */
function otelExporters(root: Raw, kind: 'otlp' | 'prometheus', flag: 'disable_metrics' | 'disable_traces'): number {
  const exporters = asObject(block(root, 'telemetry/opentelemetry')?.['exporters']);
  return listOf(exporters, kind).filter((entry) => {
    const exporter = asObject(entry);
    return exporter !== undefined && exporter[flag] !== true;
  }).length;
}

function timeoutAbove(limitMs: number) {
  return (subject: AuditSubject): KeyPath[] | undefined => {
    const paths = subject.endpoints.filter((endpoint) => endpoint.timeoutMs > limitMs).map((endpoint) => timeoutSource(subject, endpoint));
    return some(dedupe(paths));
  };
}

/** Where an endpoint's timeout comes from: its own key, the root's, or the default (the endpoint). */
function timeoutSource(subject: AuditSubject, endpoint: AuditEndpoint): KeyPath {
  if (typeof endpoint.raw['timeout'] === 'string') return [...endpoint.at, 'timeout'];
  if (typeof subject.root['timeout'] === 'string') return ['timeout'];
  return endpoint.at;
}

function dedupe(paths: KeyPath[]): KeyPath[] {
  const seen = new Set<string>();
  return paths.filter((path) => {
    const key = JSON.stringify(path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function endpointsWhere(test: (endpoint: AuditEndpoint) => KeyPath | undefined) {
  return (subject: AuditSubject): KeyPath[] | undefined => some(subject.endpoints.map(test));
}

function listHasWildcard(key: string) {
  return endpointsWhere((endpoint) => (listOf(endpoint.raw, key).includes('*') ? [...endpoint.at, key] : undefined));
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/** An ignored namespace whose absence leaves something open rather than unobserved. */
function isProtection(path: KeyPath): boolean {
  const key = path[path.length - 1];
  return typeof key === 'string' && /^(auth|security|qos|validation)\//.test(key);
}

const KRAKEND_RULES: AuditRule[] = [
  // 1. Authentication and authorisation
  {
    id: '1.1.1',
    severity: 'HIGH',
    message: 'Implement more secure alternatives than Basic Auth to protect your data.',
    // krakend-audit also means to catch auth/basic, but its parser never records that namespace's flag.
    find: hasServerPlugin('basic-auth'),
  },
  {
    id: '1.1.2',
    severity: 'MEDIUM',
    message: 'Implement stateless authorization methods such as JWT to secure your endpoints as opposed to using API keys.',
    find: rootNamespace('auth/api-keys'),
  },
  {
    id: '1.2.1',
    severity: 'HIGH',
    message: 'Prioritize using JWT for endpoint authorization to ensure security.',
    find: (subject) => when(!subject.endpoints.some((endpoint) => present(endpoint.raw, endpoint.at, 'auth/validator'))),
  },

  // 2. Exposure and transport
  {
    id: '2.1.1',
    severity: 'HIGH',
    message: 'Only allow secure connections (avoid insecure_connections).',
    find: (subject) =>
      some([
        subject.root['allow_insecure_connections'] === true ? ['allow_insecure_connections'] : undefined,
        isTrue(asObject(subject.root['client_tls']), 'allow_insecure_connections') ? ['client_tls', 'allow_insecure_connections'] : undefined,
      ]),
  },
  { id: '2.1.2', severity: 'HIGH', message: 'Enable TLS or use a terminator in front of KrakenD.', find: (subject) => when(subject.root['tls'] === undefined || subject.root['tls'] === null) },
  {
    id: '2.1.3',
    severity: 'CRITICAL',
    message: 'TLS is configured but its disable flag prevents from using it.',
    find: (subject) => when(subject.root['tls'] !== undefined && isTrue(asObject(subject.root['tls']), 'disabled'), [['tls', 'disabled']]),
  },
  { id: '2.1.7', severity: 'HIGH', message: 'Enable HTTP security header checks (security/http).', find: (subject) => when(present(subject.root, ROOT, 'security/http') === undefined) },
  {
    id: '2.1.8',
    severity: 'HIGH',
    message: 'Avoid clear text communication (h2c).',
    find: (subject) =>
      some([
        subject.root['use_h2c'] === true ? ['use_h2c'] : undefined,
        isTrue(block(subject.root, 'router'), 'use_h2c') ? [...(blockPath(subject.root, ROOT, 'router') as KeyPath), 'use_h2c'] : undefined,
      ]),
  },
  {
    id: '2.1.9',
    severity: 'LOW',
    message: 'Establish secure connections in internal traffic (avoid insecure_connections internally)',
    find: (subject) =>
      some(
        subject.endpoints.flatMap((endpoint) =>
          endpoint.backends.map((backend) => {
            const tls = asObject(block(backend.raw, 'backend/http/client')?.['client_tls']);
            return isTrue(tls, 'allow_insecure_connections') ? [...backend.at, 'extra_config', 'backend/http/client', 'client_tls', 'allow_insecure_connections'] : undefined;
          }),
        ),
      ),
  },
  {
    id: '2.2.1',
    severity: 'MEDIUM',
    message: 'Hide the version banner in runtime.',
    find: (subject) => when(!isTrue(block(subject.root, 'router'), 'hide_version_header'), some([blockPath(subject.root, ROOT, 'router')]) ?? WHOLE_CONFIG),
  },
  { id: '2.2.2', severity: 'HIGH', message: 'Enable CORS.', find: (subject) => when(present(subject.root, ROOT, 'security/cors') === undefined) },
  { id: '2.2.3', severity: 'HIGH', message: 'Avoid passing all input headers to the backend.', find: listHasWildcard('input_headers') },
  { id: '2.2.4', severity: 'HIGH', message: 'Avoid passing all input query strings to the backend.', find: listHasWildcard('input_query_strings') },
  {
    id: '2.2.5',
    severity: 'LOW',
    message: 'Avoid exposing gRPC server without services declared.',
    find: (subject) => {
      const server = asObject(block(subject.root, 'grpc')?.['server']);
      return when(server !== undefined && listOf(server, 'services').length === 0, [['extra_config', 'grpc', 'server']]);
    },
  },
  {
    id: '2.3.1',
    severity: 'MEDIUM',
    message: 'Limit the amount of cacheable content.',
    find: (subject) =>
      some(
        subject.endpoints.flatMap((endpoint) =>
          endpoint.backends.map((backend) => {
            const path = present(backend.raw, backend.at, 'qos/http-cache');
            if (path === undefined) return undefined;
            const cache = block(backend.raw, 'qos/http-cache');
            return positiveNumber(cache, 'max_items') && positiveNumber(cache, 'max_size') ? undefined : path;
          }),
        ),
      ),
  },

  // 3. Traffic control
  { id: '3.1.1', severity: 'LOW', message: 'Enable a bot detector.', find: (subject) => when(present(subject.root, ROOT, 'security/bot-detector') === undefined) },
  {
    id: '3.1.2',
    severity: 'HIGH',
    message: 'Implement a rate-limiting strategy and avoid having an All-You-Can-Eat API.',
    find: (subject) => {
      const root = subject.root;
      const limited =
        block(root, 'qos/ratelimit/router') !== undefined ||
        present(root, ROOT, 'qos/ratelimit/service') !== undefined ||
        serverPlugins(root).includes('redis-ratelimit') ||
        subject.endpoints.some(
          (endpoint) =>
            block(endpoint.raw, 'qos/ratelimit/router') !== undefined ||
            present(endpoint.raw, endpoint.at, 'qos/ratelimit/proxy') !== undefined ||
            endpoint.backends.some((backend) => present(backend.raw, backend.at, 'qos/ratelimit/proxy') !== undefined),
        );
      return when(!limited);
    },
  },
  {
    id: '3.1.3',
    severity: 'HIGH',
    message: 'Protect your backends with a circuit breaker.',
    find: (subject) =>
      when(
        !subject.endpoints.some(
          (endpoint) =>
            present(endpoint.raw, endpoint.at, 'qos/circuit-breaker') !== undefined ||
            endpoint.backends.some((backend) => present(backend.raw, backend.at, 'qos/circuit-breaker') !== undefined),
        ),
      ),
  },
  { id: '3.3.1', severity: 'LOW', message: 'Set timeouts to below 3 seconds for improved performance.', find: timeoutAbove(3_000) },
  { id: '3.3.2', severity: 'MEDIUM', message: 'Set timeouts to below 5 seconds for improved performance.', find: timeoutAbove(5_000) },
  { id: '3.3.3', severity: 'HIGH', message: 'Set timeouts to below 30 seconds for improved performance.', find: timeoutAbove(30_000) },
  { id: '3.3.4', severity: 'CRITICAL', message: 'Set timeouts to below 1 minute for improved performance.', find: timeoutAbove(60_000) },

  // 4. Telemetry
  { id: '4.1.1', severity: 'MEDIUM', message: 'Implement a telemetry system for collecting metrics for monitoring and troubleshooting.', find: (subject) => when(metricsComponents(subject.root).length === 0) },
  {
    id: '4.1.2',
    severity: 'MEDIUM',
    message: 'Give your configuration a name for easy identification in metric tracking.',
    // Declared but not implemented by krakend-audit v0.9.3: it never fires there, so not here either.
    find: () => undefined,
  },
  {
    id: '4.1.3',
    severity: 'HIGH',
    message: 'Avoid duplicating telemetry options to prevent system overload.',
    find: (subject) => {
      const components = metricsComponents(subject.root);
      const otel = otelExporters(subject.root, 'otlp', 'disable_metrics') + otelExporters(subject.root, 'prometheus', 'disable_metrics');
      const otelPath = present(subject.root, ROOT, 'telemetry/opentelemetry');
      return when(components.length + otel > 1, otel > 0 && otelPath ? [...components, otelPath] : components);
    },
  },
  {
    id: '4.2.1',
    severity: 'MEDIUM',
    message: 'Implement a telemetry system for tracing for monitoring and troubleshooting.',
    find: (subject) => {
      const root = subject.root;
      const tracing =
        openCensus(root) !== undefined ||
        present(root, ROOT, 'telemetry/newrelic') !== undefined ||
        present(root, ROOT, 'telemetry/instana') !== undefined ||
        (block(root, 'telemetry/opentelemetry') !== undefined && otelExporters(root, 'otlp', 'disable_traces') > 0);
      return when(!tracing);
    },
  },
  {
    id: '4.3.1',
    severity: 'MEDIUM',
    message: 'Use the improved logging component for better log parsing.',
    find: (subject) => when(['telemetry/logging', 'telemetry/gelf', 'telemetry/logstash'].every((namespace) => present(subject.root, ROOT, namespace) === undefined)),
  },

  // 5. Endpoint design
  { id: '5.1.1', severity: 'LOW', message: 'Follow a RESTful endpoint structure for improved readability and maintainability.', find: (subject) => when(subject.root['disable_rest'] === true, [['disable_rest']]) },
  { id: '5.1.2', severity: 'LOW', message: 'Disable the /__debug/ endpoint for added security.', find: (subject) => when(subject.root['debug_endpoint'] === true, [['debug_endpoint']]) },
  { id: '5.1.3', severity: 'LOW', message: 'Disable the /__echo/ endpoint for added security.', find: (subject) => when(subject.root['echo_endpoint'] === true, [['echo_endpoint']]) },
  { id: '5.1.4', severity: 'LOW', message: 'Declare explicit endpoints instead of using wildcards.', find: endpointsWhere((endpoint) => (endpoint.path.endsWith('*') ? [...endpoint.at, 'endpoint'] : undefined)) },
  { id: '5.1.5', severity: 'MEDIUM', message: 'Declare explicit endpoints instead of using /__catchall.', find: endpointsWhere((endpoint) => (endpoint.path === '/__catchall' ? [...endpoint.at, 'endpoint'] : undefined)) },
  {
    id: '5.1.6',
    severity: 'MEDIUM',
    message: 'Avoid using multiple write methods in endpoint definitions.',
    find: endpointsWhere((endpoint) => {
      // krakend-audit also counts a GET backend using gRPC as a write.
      const writes = endpoint.backends.filter((backend) => !SAFE_METHODS.has(backend.method) || present(backend.raw, backend.at, 'backend/grpc') !== undefined);
      return writes.length > 1 ? [...endpoint.at, 'backend'] : undefined;
    }),
  },
  {
    id: '5.1.7',
    severity: 'MEDIUM',
    message: 'Avoid using sequential proxy.',
    find: endpointsWhere((endpoint) => (isTrue(block(endpoint.raw, 'proxy'), 'sequential') ? [...(present(endpoint.raw, endpoint.at, 'proxy') as KeyPath), 'sequential'] : undefined)),
  },
  { id: '5.2.1', severity: 'CRITICAL', message: 'Ensure all endpoints have at least one backend for proper functionality.', find: endpointsWhere((endpoint) => (endpoint.backends.length === 0 ? endpoint.at : undefined)) },
  { id: '5.2.2', severity: 'LOW', message: 'Benefit from the backend for frontend pattern capabilities.', find: (subject) => when(subject.endpoints.every((endpoint) => endpoint.backends.length <= 1)) },
  {
    id: '5.2.3',
    severity: 'LOW',
    message: 'Avoid coupling clients by overusing no-op encoding.',
    find: (subject) => {
      const serviceEncoding = typeof subject.root['output_encoding'] === 'string' ? subject.root['output_encoding'] : '';
      return when(subject.endpoints.every((endpoint) => (typeof endpoint.raw['output_encoding'] === 'string' && endpoint.raw['output_encoding'] !== '' ? endpoint.raw['output_encoding'] : serviceEncoding) === 'no-op'));
    },
  },

  // 6. Async agents
  {
    id: '6.1.1',
    severity: 'LOW',
    message: 'Ensure Async Agents do not start sequentially to avoid overloading the system (+10 agents).',
    find: (subject) => when(subject.root['sequential_start'] === true && subject.agents.length >= 10, [['sequential_start']]),
  },

  // 7. Deprecations
  { id: '7.1.1', severity: 'HIGH', message: 'Avoid using deprecated plugin virtualhost. Please visit https://www.krakend.io/docs/enterprise/service-settings/virtual-hosts/#upgrading-from-the-old-plugin-before-v24 to upgrade to the new virtualhost.', find: hasServerPlugin('virtualhost') },
  { id: '7.1.2', severity: 'HIGH', message: 'Avoid using deprecated plugin static-filesystem. Please visit https://www.krakend.io/docs/enterprise/endpoints/serve-static-content/#upgrading-from-the-old-plugin-before-v24 to upgrade to the new static-filesystem.', find: hasServerPlugin('static-filesystem') },
  { id: '7.1.3', severity: 'HIGH', message: 'Avoid using deprecated plugin basic-auth. Please move your configuration to the namespace auth/basic to use the new component. See: https://www.krakend.io/docs/enterprise/authentication/basic-authentication/ .', find: hasServerPlugin('basic-auth') },
  { id: '7.1.4', severity: 'HIGH', message: 'Avoid using deprecated plugin wildcard. Please visit https://www.krakend.io/docs/enterprise/endpoints/wildcard/#upgrading-from-the-old-wildcard-plugin-before-v23 to upgrade to the new Wildcard.', find: hasServerPlugin('wildcard') },
  { id: '7.1.5', severity: 'HIGH', message: 'Avoid using deprecated plugin http-proxy. Please visit https://www.krakend.io/docs/enterprise/backends/http-proxy/#migration-from-old-plugin to upgrade to the new options.', find: hasEndpointClientPlugin('http-proxy') },
  { id: '7.1.6', severity: 'HIGH', message: 'Avoid using deprecated plugin static-filesystem. Please visit https://www.krakend.io/docs/enterprise/endpoints/serve-static-content/#upgrading-from-the-old-plugin-before-v24 to upgrade to the new static-filesystem.', find: hasEndpointClientPlugin('static-filesystem') },
  { id: '7.1.7', severity: 'HIGH', message: 'Avoid using deprecated plugin no-redirect. Please visit https://www.krakend.io/docs/enterprise/backends/client-redirect/#migration-from-old-plugin to upgrade to the new options.', find: hasEndpointClientPlugin('no-redirect') },
  { id: '7.1.8', severity: 'HIGH', message: 'Avoid using deprecated plugin content-replacer. Please visit https://www.krakend.io/docs/enterprise/endpoints/content-replacer/#migration-from-old-plugin to upgrade to the new options.', find: hasModifierPlugin('content-replacer') },
  { id: '7.1.9', severity: 'HIGH', message: 'Avoid using deprecated plugin response-schema-validator. Please visit https://www.krakend.io/docs/enterprise/endpoints/response-schema-validator/#migration-from-old-plugin to upgrade to the new options.', find: hasModifierPlugin('response-schema-validator') },
  { id: '7.2.1', severity: 'HIGH', message: 'Avoid using deprecated component telemetry/ganalytics. Please visit https://www.krakend.io/docs/telemetry/opentelemetry/ to upgrade to OpenTelemetry', find: rootNamespace('telemetry/ganalytics') },
  { id: '7.2.2', severity: 'HIGH', message: 'Avoid using deprecated component telemetry/instana. Please visit https://www.krakend.io/docs/telemetry/opentelemetry/ to upgrade to OpenTelemetry', find: rootNamespace('telemetry/instana') },
  { id: '7.2.3', severity: 'HIGH', message: 'Avoid using deprecated component telemetry/opencensus. Please visit https://www.krakend.io/docs/telemetry/opencensus/#transition-from-opencensus to upgrade to OpenTelemetry', find: (subject) => some([openCensus(subject.root)]) },
  { id: '7.2.4', severity: 'HIGH', message: 'Avoid using deprecated component telemetry/influx. Please visit https://www.krakend.io/docs/telemetry/influxdb/ to upgrade to OpenTelemetry', find: rootNamespace('telemetry/influx') },
  {
    id: '7.3.1',
    severity: 'MEDIUM',
    message: "Avoid using 'private_key' and 'public_key' and use the 'keys' array.",
    find: (subject) => {
      const tls = asObject(subject.root['tls']);
      return some(['private_key', 'public_key'].map((key) => (typeof tls?.[key] === 'string' && tls[key] !== '' ? ['tls', key] : undefined)));
    },
  },
];

/** Rules for Portico's own behaviour and for KrakenD settings whose risk krakend-audit does not cover. */
const PORTICO_RULES: AuditRule[] = [
  {
    id: 'P1.2.2',
    severity: 'HIGH',
    portico: true,
    message: 'auth/validator disable_jwk_security lets signing keys come over plain HTTP (KrakenD also skips certificate checks).',
    find: endpointsWhere((endpoint) => (isTrue(block(endpoint.raw, 'auth/validator'), 'disable_jwk_security') ? [...(present(endpoint.raw, endpoint.at, 'auth/validator') as KeyPath), 'disable_jwk_security'] : undefined)),
  },
  {
    id: 'P2.2.6',
    severity: 'HIGH',
    portico: true,
    message: 'router.forwarded_by_client_ip trusts every peer: list your proxies in router.trusted_proxies.',
    find: (subject) => {
      const router = block(subject.root, 'router');
      const routerPath = blockPath(subject.root, ROOT, 'router');
      return when(isTrue(router, 'forwarded_by_client_ip') && !Array.isArray(router?.['trusted_proxies']), routerPath ? [[...routerPath, 'forwarded_by_client_ip']] : WHOLE_CONFIG);
    },
  },
  {
    id: 'P2.2.7',
    severity: 'MEDIUM',
    portico: true,
    message: 'A client rate limit keyed on a header anyone can send: set router.trusted_proxies, or key on something the client cannot choose.',
    find: (subject) => {
      const trusted = Array.isArray(block(subject.root, 'router')?.['trusted_proxies']);
      if (trusted) return undefined;
      const spoofable = (raw: Raw, at: KeyPath): KeyPath | undefined => {
        const limit = block(raw, 'qos/ratelimit/router');
        return limit?.['strategy'] === 'ip' && typeof limit['key'] === 'string' && limit['key'] !== '' ? [...(present(raw, at, 'qos/ratelimit/router') as KeyPath), 'key'] : undefined;
      };
      return some([spoofable(subject.root, ROOT), ...subject.endpoints.map((endpoint) => spoofable(endpoint.raw, endpoint.at))]);
    },
  },
  {
    id: 'P7.4.1',
    severity: 'HIGH',
    portico: true,
    message: 'An auth, security, traffic or validation namespace Portico does not implement is ignored: that protection is off.',
    find: (subject) => some(subject.ignoredByPortico.filter(isProtection)),
  },
  {
    id: 'P7.4.2',
    severity: 'MEDIUM',
    portico: true,
    message: 'A namespace or key Portico does not implement is ignored: the feature it configures is off.',
    find: (subject) => some(subject.ignoredByPortico.filter((path) => !isProtection(path))),
  },
];

export const AUDIT_RULES: readonly AuditRule[] = [...KRAKEND_RULES, ...PORTICO_RULES];
