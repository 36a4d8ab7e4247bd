/**
 * The root `async_agent` list (lura `config.AsyncAgent`, `initAsyncAgentDefaults`, `initAsyncAgents`):
 * each agent becomes an endpoint-like pipe named after it, whose backends are normalised like an
 * endpoint's. Agents without a driver block or without backends are reported and left out, as KrakenD
 * starts none for them. A backend KrakenD's parser refuses stops the start, as it does for endpoints.
 */
import { readDurationMs, readObject, readString } from './read.js';
import type { ConfigIssues } from './issues.js';
import type { KeyPath } from './source.js';
import { readEndpointProxySettings } from './core-namespaces.js';
import type { AsyncAgentConfig, EndpointConfig, ServiceConfig } from './types.js';
import { normalizeBackend } from './normalize.js';

type Raw = Record<string, unknown>;

export const ASYNC_AMQP_NAMESPACE = 'async/amqp';

function asObject(value: unknown): Raw {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Raw) : {};
}

export function normalizeAsyncAgents(list: unknown[], service: ServiceConfig, issues: ConfigIssues): AsyncAgentConfig[] {
  const agents: AsyncAgentConfig[] = [];
  list.forEach((value, index) => {
    const raw = asObject(value);
    const at: KeyPath = ['async_agent', index];
    const name = readString(raw, 'name') || `AsyncAgent-${String(index).padStart(2, '0')}`;
    const connection = asObject(raw['connection']);
    const consumer = asObject(raw['consumer']);
    const extraConfig = readObject(raw, 'extra_config');
    const maxRetries = typeof connection['max_retries'] === 'number' ? connection['max_retries'] : 0;
    const timeoutMs = readDurationMs(consumer, 'timeout', 0) || service.timeoutMs;
    const workers = typeof consumer['workers'] === 'number' && consumer['workers'] >= 1 ? Math.floor(consumer['workers']) : 1;
    const driver = asObject(extraConfig[ASYNC_AMQP_NAMESPACE]);
    if (extraConfig[ASYNC_AMQP_NAMESPACE] === undefined) {
      issues.warning({
        code: 'PRT_WARN_CONFIG_ASYNC_AGENT',
        at: [...at, 'extra_config'],
        message: `async agent "${name}" has no "${ASYNC_AMQP_NAMESPACE}" block (the one driver KrakenD CE has): it is not started`,
      });
      return;
    }
    if (typeof driver['host'] !== 'string' || !/^amqps?:\/\//i.test(driver['host'])) {
      issues.warning({
        code: 'PRT_WARN_CONFIG_AMQP_HOST',
        at: [...at, 'extra_config', ASYNC_AMQP_NAMESPACE, 'host'],
        message: `async agent "${name}" has no amqp:// host: it keeps failing to connect`,
        expected: '"host": "amqp://user:password@rabbitmq:5672/"',
        found: driver['host'],
      });
    }
    // lura's backends default to GET and still carry the message as their body; Portico's HTTP client
    // sends no body with GET, so an agent's backends default to POST (listed in the README).
    const endpoint: EndpointConfig = {
      path: name,
      method: 'POST',
      params: [],
      timeoutMs,
      cacheTtlMs: 0,
      outputEncoding: 'json',
      inputHeaders: [],
      inputQueryStrings: [],
      concurrentCalls: 1,
      backends: [],
      extraConfig,
      proxy: readEndpointProxySettings(extraConfig),
      at,
    };
    let valid = true;
    const rawBackends = Array.isArray(raw['backend']) ? raw['backend'] : [];
    rawBackends.forEach((rawBackend, backendIndex) => {
      const backend = normalizeBackend(asObject(rawBackend), [...at, 'backend', backendIndex], endpoint, service, issues);
      if (backend) endpoint.backends.push(backend);
      else valid = false;
    });
    if (valid && endpoint.backends.length === 0) {
      // lura fails to build the pipe, logs it and starts without this agent (async/asyncagent.go).
      issues.warning({ code: 'PRT_WARN_CONFIG_ASYNC_AGENT', at: [...at, 'backend'], message: `async agent "${name}" has no backends: it is not started, as in KrakenD` });
      return;
    }
    if (!valid) return;
    agents.push({
      name,
      at,
      maxRetries: maxRetries > 0 ? maxRetries : Infinity,
      backoffStrategy: readString(connection, 'backoff_strategy'),
      healthIntervalMs: Math.max(1000, readDurationMs(connection, 'health_interval', 0)),
      topic: readString(consumer, 'topic'),
      workers,
      timeoutMs,
      maxRate: typeof consumer['max_rate'] === 'number' && consumer['max_rate'] > 0 ? consumer['max_rate'] : 0,
      encoding: readString(raw, 'encoding', 'json') || 'json',
      endpoint,
      extraConfig,
    });
  });
  return agents;
}
