import { canonicalHeaderName } from './headers.js';
import { readBoolean, readDurationMs, readInteger, readObject, readString, readStrings } from './read.js';
import type { ConfigIssues } from './issues.js';
import type { KeyPath } from './source.js';
import { BACKEND_ENCODINGS } from './schema.js';
import {
  readBackendHttpClientSettings,
  readBackendHttpSettings,
  readBackendProxySettings,
  readEndpointProxySettings,
  readGraphqlSettings,
  readRouterSettings,
} from './core-namespaces.js';
import { DEFAULT_RESPONSE_HEAD_LIMITS, SUPPORTED_METHODS } from './types.js';
import type { BackendConfig, EndpointConfig, EndpointMethod, ServiceConfig } from './types.js';
import { normalizeAsyncAgents } from './async-agents.js';

type Raw = Record<string, unknown>;

/** KrakenD's defaults (lura `config.go`, `http-transport-settings`, `http-server-settings`). */
export const DEFAULTS = {
  port: 8080,
  timeoutMs: 2000,
  maxIdleConnectionsPerHost: 250,
  dnsCacheTtlMs: 30_000,
  maxHeaderBytes: 1 << 20,
  /** Not documented by KrakenD; 15 s drains well within Kubernetes' 30 s termination grace. */
  maxShutdownWaitMs: 15_000,
} as const;

/** `{param}` in an endpoint: a whole segment unless `disable_rest`. */
const ENDPOINT_PARAM = /\/\{([a-zA-Z\-_0-9]+)\}/g;
const ANY_PARAM = /\{([a-zA-Z\-_0-9]+)\}/g;
const URL_PATTERN_PARAM = /\{([\w\-.:/]+)\}/g;
/** Placeholders that are not endpoint params: sequential responses and JWT claims. */
const DYNAMIC_PARAM = /^(resp\d+_.+)?(JWT\.([\w\-.:/]+))?$/;
const RESERVED_PATH = /^\/__(debug|echo|health|stats|catchall)(\/.*)?$/;

function asObject(value: unknown): Raw {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Raw) : {};
}

/**
 * Applies defaults and inheritance and enforces the rules KrakenD checks at start-up. Runs after the
 * schema check, so types are already known to be right; it still never throws on bad input.
 */
export function normalizeConfig(raw: Raw, file: string, issues: ConfigIssues): ServiceConfig {
  const timeoutMs = readDurationMs(raw, 'timeout', DEFAULTS.timeoutMs) || DEFAULTS.timeoutMs;
  const cacheTtlMs = readDurationMs(raw, 'cache_ttl', 0);
  const outputEncoding = readString(raw, 'output_encoding', 'json') || 'json';
  const hostReadings: HostReadings = new Map();
  const hosts = cleanHosts(readStrings(raw, 'host'), ['host'], issues, false, hostReadings);
  const readTimeoutMs = readDurationMs(raw, 'read_timeout', 0);
  const readHeaderTimeoutMs = readDurationMs(raw, 'read_header_timeout', 0);

  // The root `plugin` block is reported with the plugins it loads (go-plugins.ts).

  const extra = readObject(raw, 'extra_config');
  const service: ServiceConfig = {
    file,
    name: readString(raw, 'name'),
    port: readInteger(raw, 'port', 0) || DEFAULTS.port,
    listenIp: readString(raw, 'listen_ip'),
    hosts,
    timeoutMs,
    cacheTtlMs,
    outputEncoding,
    debugEndpoint: readBoolean(raw, 'debug_endpoint'),
    echoEndpoint: readBoolean(raw, 'echo_endpoint'),
    disableRest: readBoolean(raw, 'disable_rest'),
    dnsCacheTtlMs: readDurationMs(raw, 'dns_cache_ttl', DEFAULTS.dnsCacheTtlMs),
    server: {
      readTimeoutMs,
      writeTimeoutMs: readDurationMs(raw, 'write_timeout', 0),
      // Go: IdleTimeout falls back to ReadTimeout, then ReadHeaderTimeout.
      idleTimeoutMs: readDurationMs(raw, 'idle_timeout', 0) || readTimeoutMs || readHeaderTimeoutMs,
      readHeaderTimeoutMs,
      maxHeaderBytes: readInteger(raw, 'max_header_bytes', 0) || DEFAULTS.maxHeaderBytes,
      maxShutdownWaitMs: readDurationMs(raw, 'max_shutdown_wait_time', DEFAULTS.maxShutdownWaitMs),
    },
    transport: {
      maxIdleConnectionsPerHost: readInteger(raw, 'max_idle_connections_per_host', 0) || DEFAULTS.maxIdleConnectionsPerHost,
      maxIdleConnections: readInteger(raw, 'max_idle_connections', 0),
      idleConnectionTimeoutMs: readDurationMs(raw, 'idle_connection_timeout', 0),
      disableKeepAlives: readBoolean(raw, 'disable_keep_alives'),
      disableCompression: readBoolean(raw, 'disable_compression'),
      dialerTimeoutMs: readDurationMs(raw, 'dialer_timeout', 0),
      dialerKeepAliveMs: readDurationMs(raw, 'dialer_keep_alive', 0),
      responseHeaderTimeoutMs: readDurationMs(raw, 'response_header_timeout', 0),
      expectContinueTimeoutMs: readDurationMs(raw, 'expect_continue_timeout', 0),
      maxResponseHeaderBytes: readInteger(raw, 'max_response_header_bytes', 0) || DEFAULT_RESPONSE_HEAD_LIMITS.maxBytes,
      maxResponseHeaders: readInteger(raw, 'max_response_headers', 0) || DEFAULT_RESPONSE_HEAD_LIMITS.maxFields,
    },
    tls: raw['tls'] === undefined ? undefined : readObject(raw, 'tls'),
    clientTls: raw['client_tls'] === undefined ? undefined : readObject(raw, 'client_tls'),
    router: readRouterSettings(extra),
    extraConfig: extra,
    endpoints: [],
  };

  const rawEndpoints = Array.isArray(raw['endpoints']) ? raw['endpoints'] : [];
  rawEndpoints.forEach((rawEndpoint, index) => {
    const raw = asObject(rawEndpoint);
    const at: KeyPath = ['endpoints', index];
    // Portico: `"method": ["GET", "HEAD"]` is one ordinary endpoint per method (issues reported once each).
    if (Array.isArray(raw['method'])) {
      raw['method'].forEach((method: unknown, methodIndex) => {
        const endpoint = normalizeEndpoint({ ...raw, method }, at, service, issues, hostReadings, [...at, 'method', methodIndex]);
        if (endpoint) service.endpoints.push(endpoint);
      });
      return;
    }
    const endpoint = normalizeEndpoint(raw, at, service, issues, hostReadings);
    if (endpoint) service.endpoints.push(endpoint);
  });
  checkRouteConflicts(service.endpoints, issues);
  if (Array.isArray(raw['async_agent'])) service.asyncAgents = normalizeAsyncAgents(raw['async_agent'], service, issues);
  return service;
}

function normalizeEndpoint(raw: Raw, at: KeyPath, service: ServiceConfig, issues: ConfigIssues, hostReadings: HostReadings, methodAt?: KeyPath): EndpointConfig | undefined {
  let path = readString(raw, 'endpoint');
  if (!path.startsWith('/')) {
    // lura's CleanPath prefixes "/" to whatever it gets, so an empty or missing endpoint serves "/" (config/uri.go).
    issues.warning({
      code: 'PRT_WARN_CONFIG_ENDPOINT_SLASH',
      at: [...at, 'endpoint'],
      message: path === ''
        ? `endpoint is ${raw['endpoint'] === undefined ? 'missing' : 'empty'}; serving it at "/" as KrakenD does`
        : `endpoint "${path}" does not start with "/"; using "/${path}" as KrakenD does`,
    });
    path = `/${path}`;
  }
  let valid = true;
  if (RESERVED_PATH.test(path)) {
    issues.error({
      code: 'PRT_ERR_CONFIG_RESERVED_PATH',
      at: [...at, 'endpoint'],
      message: `"${path}" is reserved for the gateway's own endpoints (/__health, /__debug, /__echo, /__stats, /__catchall)`,
      found: path,
    });
    valid = false;
  }
  // KrakenD EE's wildcard endpoints: `/*` ends the path; anything else with `*` has no meaning.
  const isWildcard = path.endsWith('/*');
  if (path.slice(0, isWildcard ? -1 : undefined).includes('*')) {
    issues.error({
      code: 'PRT_ERR_CONFIG_WILDCARD',
      at: [...at, 'endpoint'],
      message: 'a "*" may only end the endpoint, as its own last segment ("/foo/*")',
      found: path,
      hint: 'write the wildcard endpoint as "/prefix/*"; the rest of the path is appended to each backend\'s url_pattern',
    });
    valid = false;
  }
  if (/\{[^}]*$|^[^{]*\}/.test(path) || /\{\}/.test(path)) {
    issues.error({ code: 'PRT_ERR_CONFIG_ENDPOINT_PATH', at: [...at, 'endpoint'], message: 'unbalanced or empty "{}" in the endpoint', found: path });
    valid = false;
  }

  const methodText = readString(raw, 'method', 'GET').toUpperCase() || 'GET';
  // lura's gin router logs "Unsupported method" and registers nothing (router/gin/router.go); the rest
  // of the endpoint is still checked, as lura's config parser checks it before routing.
  const unsupportedMethod = !(SUPPORTED_METHODS as readonly string[]).includes(methodText);
  if (unsupportedMethod) {
    issues.warning({
      code: 'PRT_WARN_CONFIG_METHOD',
      at: methodAt ?? [...at, 'method'],
      message: 'unsupported endpoint method: the endpoint is left out, as KrakenD does',
      expected: SUPPORTED_METHODS.join(', '),
      found: raw['method'],
    });
  }
  const method = methodText as EndpointMethod;

  const params = [...path.matchAll(service.disableRest ? ANY_PARAM : ENDPOINT_PARAM)].map((match) => match[1] as string);
  const duplicated = params.find((name, index) => params.indexOf(name) !== index);
  if (duplicated) {
    issues.error({ code: 'PRT_ERR_CONFIG_ENDPOINT_PATH', at: [...at, 'endpoint'], message: `the parameter {${duplicated}} appears twice`, found: path });
    valid = false;
  }
  if (!service.disableRest) {
    const stray = path.replace(ENDPOINT_PARAM, '').match(/\{[^}]*\}/);
    if (stray) {
      issues.error({
        code: 'PRT_ERR_CONFIG_ENDPOINT_PATH',
        at: [...at, 'endpoint'],
        message: `${stray[0]} must be a whole path segment`,
        found: path,
        hint: 'set "disable_rest": true at the root to allow parameters inside a segment',
      });
      valid = false;
    }
  }

  const outputEncoding = readString(raw, 'output_encoding') || service.outputEncoding;
  const extra = readObject(raw, 'extra_config');
  const rawBackends = Array.isArray(raw['backend']) ? raw['backend'] : [];
  if (rawBackends.length === 0 && raw['backend'] !== undefined) {
    issues.error({ code: 'PRT_ERR_CONFIG_NO_BACKENDS', at: [...at, 'backend'], message: `endpoint ${method} ${path} has no backends` });
    valid = false;
  }
  if (isStreamingEncoding(outputEncoding) && rawBackends.length > 1) {
    issues.error({
      code: 'PRT_ERR_CONFIG_NOOP_BACKENDS',
      at: [...at, 'output_encoding'],
      message: `a ${outputEncoding} endpoint passes one backend through and cannot merge ${rawBackends.length} backends`,
      hint: 'use one backend, or a json output encoding to merge',
    });
    valid = false;
  }

  const inputHeaders = readStrings(raw, 'input_headers');
  const endpoint: EndpointConfig = {
    path,
    ...(isWildcard ? { wildcardDepth: path.split('/').length - 2 } : {}),
    method,
    ...(methodAt ? { methodAt } : {}),
    params,
    timeoutMs: readDurationMs(raw, 'timeout', 0) || service.timeoutMs,
    cacheTtlMs: readDurationMs(raw, 'cache_ttl', 0) || service.cacheTtlMs,
    outputEncoding,
    inputHeaders: inputHeaders.length === 0 ? ['Content-Type'] : inputHeaders.map((name) => (name === '*' ? name : canonicalHeaderName(name))),
    inputQueryStrings: readStrings(raw, 'input_query_strings'),
    concurrentCalls: readInteger(raw, 'concurrent_calls', 1) || 1,
    backends: [],
    proxy: readEndpointProxySettings(extra),
    extraConfig: extra,
    at,
  };

  rawBackends.forEach((rawBackend, index) => {
    const backend = normalizeBackend(asObject(rawBackend), [...at, 'backend', index], endpoint, service, issues, hostReadings);
    if (backend) endpoint.backends.push(backend);
    else valid = false;
  });

  // Shadow copies go to other services and never answer, so only the answering backends count.
  const answering = endpoint.backends.filter((backend) => !backend.proxy.shadow);
  if (!SAFE_METHODS.has(method) && answering.length > 1 && !isSequentialWithUnsafeLast(endpoint)) {
    // lura v2.14's router.IsValidSequentialEndpoint returns true unconditionally (its checks are
    // commented out), so KrakenD CE 2.13 registers such an endpoint and sends the body to every backend.
    issues.warning({
      code: 'PRT_WARN_CONFIG_MULTI_BACKEND_WRITE',
      at: [...at, 'method'],
      message: `a ${method} endpoint with ${answering.length} backends sends the request to all of them in parallel (as KrakenD does)`,
      hint: 'use one backend, or "extra_config": {"proxy": {"sequential": true}} with the non-GET backend last',
    });
  }
  return valid && !unsupportedMethod ? endpoint : undefined;
}

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What lura's `router.IsValidSequentialEndpoint` used to require: sequential, and only the last backend unsafe. */
function isSequentialWithUnsafeLast(endpoint: EndpointConfig): boolean {
  if (!endpoint.proxy.sequential) return false;
  return endpoint.backends.every((backend, index) => backend.method === 'GET' || index === endpoint.backends.length - 1);
}

export function normalizeBackend(raw: Raw, at: KeyPath, endpoint: EndpointConfig, service: ServiceConfig, issues: ConfigIssues, hostReadings: HostReadings = new Map()): BackendConfig | undefined {
  let valid = true;
  const disableHostSanitize = readBoolean(raw, 'disable_host_sanitize');
  const sd = readString(raw, 'sd', 'static') || 'static';
  const ownHosts = readStrings(raw, 'host');
  const hosts = ownHosts.length > 0 ? cleanHosts(ownHosts, [...at, 'host'], issues, disableHostSanitize || sd === 'dns', hostReadings) : service.hosts;
  if (hosts.length === 0 && ownHosts.length > 0) valid = false; // each bad host was reported by cleanHosts
  else if (hosts.length === 0) {
    // lura copies the empty root list (config.go initBackendDefaults) and starts; each call then fails
    // with sd.ErrNoHosts ("no hosts available"). Portico does the same, and says so at start-up.
    issues.warning({
      code: 'PRT_WARN_CONFIG_NO_HOST',
      at: [...at, 'host'],
      message: 'the backend has no host, and there is no root "host" list to inherit: every call to it fails (as in KrakenD)',
      hint: 'add "host": ["http://service:8080"] to the backend or to the root',
    });
  }

  if (raw['url_pattern'] === undefined && !isNonHttpBackend(raw)) {
    // lura's CleanPath turns a missing url_pattern into "/" (config/uri.go).
    issues.warning({ code: 'PRT_WARN_CONFIG_NO_URL_PATTERN', at: [...at, 'url_pattern'], message: 'the backend has no url_pattern; it is called at "/" (as in KrakenD)' });
  }
  let urlPattern = readString(raw, 'url_pattern');
  if (!urlPattern.startsWith('/')) urlPattern = `/${urlPattern}`;
  const outputs = [...urlPattern.matchAll(URL_PATTERN_PARAM)].map((match) => match[1] as string);
  const uniqueOutputs = [...new Set(outputs)];
  const staticOutputs = uniqueOutputs.filter((name) => !DYNAMIC_PARAM.test(name));
  for (const name of staticOutputs) {
    if (!endpoint.params.includes(name)) {
      issues.error({
        code: 'PRT_ERR_CONFIG_UNDEFINED_PARAM',
        at: [...at, 'url_pattern'],
        message: `{${name}} is not a parameter of the endpoint ${endpoint.path}`,
        expected: endpoint.params.length > 0 ? `one of ${endpoint.params.map((p) => `{${p}}`).join(', ')}` : 'no parameters (the endpoint has none)',
        found: urlPattern,
      });
      valid = false;
    }
  }

  const method = (readString(raw, 'method') || defaultBackendMethod(endpoint)).toUpperCase();
  // A streamed endpoint (no-op, sse) passes its backend's bytes through: the backend is never decoded.
  const encoding = isStreamingEncoding(endpoint.outputEncoding) ? 'no-op' : backendEncoding(raw, at, issues);
  if (encoding === 'no-op' && !isStreamingEncoding(endpoint.outputEncoding)) {
    issues.warning({
      code: 'PRT_WARN_CONFIG_NOOP_MISMATCH',
      at: [...at, 'encoding'],
      message: 'a no-op backend under an endpoint whose output_encoding is not no-op returns an empty body',
      hint: 'set "output_encoding": "no-op" on the endpoint too',
    });
  }
  const backendHeaders = raw['input_headers'] === undefined ? undefined : readStrings(raw, 'input_headers').map((name) => (name === '*' ? name : canonicalHeaderName(name)));
  const extra = readObject(raw, 'extra_config');
  return valid
    ? {
        hosts,
        urlPattern,
        method,
        encoding,
        allow: readStrings(raw, 'allow'),
        deny: readStrings(raw, 'deny'),
        mapping: Object.fromEntries(Object.entries(readObject(raw, 'mapping')).filter((entry): entry is [string, string] => typeof entry[1] === 'string')),
        group: readString(raw, 'group'),
        target: readString(raw, 'target'),
        isCollection: readBoolean(raw, 'is_collection'),
        disableHostSanitize,
        inputHeaders: backendHeaders,
        inputQueryStrings: raw['input_query_strings'] === undefined ? undefined : readStrings(raw, 'input_query_strings'),
        sd,
        sdScheme: readString(raw, 'sd_scheme', 'http') || 'http',
        proxy: readBackendProxySettings(extra),
        http: readBackendHttpSettings(extra),
        httpClient: readBackendHttpClientSettings(extra),
        graphql: readGraphqlSettings(extra),
        extraConfig: extra,
        at,
      }
    : undefined;
}

/**
 * A backend calls with its endpoint's method (as in KrakenD), except under a HEAD endpoint that renders
 * data: its backends are called with GET, so the answer's headers (Content-Length included) are those of
 * the GET without the body (RFC 9110 §9.3.2). A no-op HEAD endpoint passes HEAD through.
 */
function defaultBackendMethod(endpoint: EndpointConfig): string {
  return endpoint.method === 'HEAD' && endpoint.outputEncoding !== 'no-op' ? 'GET' : endpoint.method;
}

/** Backends whose address is not an HTTP URL (pub/sub, AMQP, Lambda): url_pattern means nothing there. */
const NON_HTTP_BACKENDS = ['backend/pubsub/publisher', 'backend/pubsub/subscriber', 'backend/amqp/producer', 'backend/amqp/consumer', 'backend/lambda'];

function isNonHttpBackend(raw: Raw): boolean {
  const extra = asObject(raw['extra_config']);
  return NON_HTTP_BACKENDS.some((namespace) => extra[namespace] !== undefined);
}

/**
 * The backend decoder. lura lower-cases the name and decodes anything it does not know as JSON
 * (encoding/register.go `DecoderRegister.Get`), so an unknown name starts with a warning.
 */
function backendEncoding(raw: Raw, at: KeyPath, issues: ConfigIssues): string {
  const given = readString(raw, 'encoding', 'json') || 'json';
  const encoding = given.toLowerCase();
  if (BACKEND_ENCODINGS.includes(encoding)) return encoding;
  issues.warning({
    code: 'PRT_WARN_CONFIG_ENCODING',
    at: [...at, 'encoding'],
    message: 'unknown backend encoding; its responses are decoded as JSON (as in KrakenD)',
    expected: `one of ${BACKEND_ENCODINGS.map((name) => JSON.stringify(name)).join(', ')}`,
    found: given,
  });
  return 'json';
}

/**
 * lura's host rule, used where a host is not a plain URL: the text must hold exactly one
 * `[http(s)://]name[:port][/]` (hostPattern in config/uri.go, unanchored), which becomes the host, http
 * assumed; so `"[http://users:8080]"` is `http://users:8080`, and more than one match panics at start-up.
 */
const LURA_HOST_PATTERN = /(https?:\/\/)?([a-zA-Z0-9._-]+)(:[0-9]{2,6})?\/?/g;

function luraCleanHost(host: string): string | undefined {
  const matches = [...host.matchAll(LURA_HOST_PATTERN)];
  if (matches.length !== 1) return undefined;
  const [, scheme, name, port] = matches[0]!;
  return `${scheme || 'http://'}${name}${port ?? ''}`;
}

/**
 * lura's host rule: `[scheme://]host[:port][/]`, http assumed. Portico also accepts IPv6 literals and
 * reports a bad host instead of panicking.
 */
function cleanHosts(hosts: string[], at: KeyPath, issues: ConfigIssues, keepAsIs: boolean, readings: HostReadings): string[] {
  const cleaned: string[] = [];
  hosts.forEach((host, index) => {
    if (keepAsIs) {
      cleaned.push(host.replace(/\/+$/, ''));
      return;
    }
    let reading = readings.get(host);
    if (reading === undefined) readings.set(host, (reading = readHost(host)));
    if (reading.kind === 'origin') cleaned.push(reading.origin);
    else if (reading.kind === 'lura') {
      issues.warning({
        code: 'PRT_WARN_CONFIG_HOST',
        at: [...at, index],
        message: `KrakenD reads this host as "${reading.origin}" (the one scheme://host:port it finds in the text), so Portico does too`,
        found: host,
        hint: `write "${reading.origin}"`,
      });
      cleaned.push(reading.origin);
    } else {
      issues.error({
        code: 'PRT_ERR_CONFIG_HOST',
        at: [...at, index],
        message: 'invalid backend host',
        expected: 'scheme://host:port, such as "http://users:8080" (no path or query)',
        found: host,
        hint: reading.hasPath ? 'move the path into url_pattern, or set "disable_host_sanitize": true' : '',
      });
    }
  });
  return cleaned;
}

/** What a host's text reads as. */
type HostReading = { kind: 'origin'; origin: string } | { kind: 'lura'; origin: string } | { kind: 'invalid'; hasPath: boolean };
/** Readings by host text, for one config: parsing a URL costs microseconds, and thousands of backends repeat a few hosts. */
type HostReadings = Map<string, HostReading>;

function readHost(host: string): HostReading {
  // ws:// and wss:// (KrakenD Enterprise's WebSocket backends) are the same origins as http:// and https://.
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(host) ? host.replace(/^ws(s?):/i, 'http$1:') : `http://${host}`;
  let url: URL | undefined;
  try {
    url = new URL(withScheme);
  } catch {
    url = undefined;
  }
  if (url && (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' && (url.pathname === '/' || url.pathname === '') && url.search === '' && url.username === '') {
    return { kind: 'origin', origin: `${url.protocol}//${url.host}` };
  }
  const lura = luraCleanHost(host);
  return lura !== undefined ? { kind: 'lura', origin: lura } : { kind: 'invalid', hasPath: url !== undefined && url.pathname !== '/' };
}

/**
 * The router rules: one handler per method and path, and at each position every route of a method uses
 * the same parameter name (the httprouter tree KrakenD builds panics otherwise; Portico names both endpoints).
 */
function checkRouteConflicts(endpoints: EndpointConfig[], issues: ConfigIssues): void {
  const seen = new Map<string, EndpointConfig>();
  for (const endpoint of endpoints) {
    const key = `${endpoint.method} ${endpoint.path}`;
    const previous = seen.get(key);
    if (previous) {
      issues.error({
        code: 'PRT_ERR_CONFIG_ROUTE_CONFLICT',
        at: endpoint.methodAt ?? [...endpoint.at, 'endpoint'],
        message: `${key} is declared twice (first at ${formatAt(previous.methodAt ?? previous.at)})`,
      });
    } else seen.set(key, endpoint);
  }
  // gin keeps one tree per method (tree.go panics only within a tree), so routes of different methods
  // may name the same position differently. One trie per method: linear in the number of routes.
  const trees = new Map<string, RouteNode>();
  for (const endpoint of endpoints) {
    let node = trees.get(endpoint.method);
    if (node === undefined) trees.set(endpoint.method, (node = newRouteNode()));
    const segments = endpoint.path.split('/');
    for (let k = 1; k < segments.length; k++) {
      const segment = segments[k] as string;
      const isParam = segment.length > 2 && segment.charCodeAt(0) === 123 /* { */ && segment.charCodeAt(segment.length - 1) === 125; /* } */
      if (isParam && node.param !== undefined && node.param.name !== segment) {
        const first = node.param.endpoint;
        issues.error({
          code: 'PRT_ERR_CONFIG_ROUTE_CONFLICT',
          at: [...endpoint.at, 'endpoint'],
          message: `${endpoint.path} names the parameter ${segment} where ${first.path} (${formatAt(first.at)}) names it ${node.param.name}; routes sharing a prefix must use the same name`,
        });
        break;
      }
      let child = node.children.get(segment);
      if (child === undefined) {
        node.children.set(segment, (child = newRouteNode()));
        if (isParam) node.param = { name: segment, endpoint };
      }
      node = child;
    }
  }
}

interface RouteNode {
  children: Map<string, RouteNode>;
  /** The parameter named at this position, and the first route that named it. */
  param: { name: string; endpoint: EndpointConfig } | undefined;
}

const newRouteNode = (): RouteNode => ({ children: new Map(), param: undefined });

function formatAt(at: KeyPath): string {
  return at.map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? part : `.${part}`)).join('');
}

/** Output encodings whose single backend's body is streamed to the client as it arrives. */
export function isStreamingEncoding(outputEncoding: string): boolean {
  return outputEncoding === 'no-op' || outputEncoding === 'sse';
}
