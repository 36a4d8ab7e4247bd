/**
 * Composes the proxy of one endpoint from its backends, in KrakenD's layer order (krakend-ce
 * `proxy_factory.go` / `backend_factory.go`, lura `proxy/factory.go`). Components add their middleware
 * at the marked places; a layer that is not configured is not in the chain.
 *
 * Per backend (inside out): HTTP call (with its balancer: static hosts or DNS SRV, and the client-layer
 * components around the raw exchange: HTTP cache, retry) → backend components
 * → GraphQL → concurrent calls. Per endpoint: shadow backends are split off first; the others are
 * merged (parallel, or sequential with `proxy.sequential`); the shadow copy wraps that merge; endpoint
 * components (static data and endpoint flatmap among them) wrap the whole.
 */
import { readFileSync } from 'node:fs';
import { blockOf } from '../components/registry.js';
import type { BackendConfig, EndpointConfig, ServiceConfig } from '../config/types.js';
import { createConcurrentMiddleware } from '../proxy/concurrent.js';
import { createGraphqlMiddleware, graphqlBackend, graphqlSettings, GRAPHQL_NAMESPACE } from '../proxy/graphql.js';
import { createHttpBackend } from '../proxy/http-backend.js';
import { createParallelMerge } from '../proxy/merge.js';
import { createSequentialMerge } from '../proxy/sequential-merge.js';
import { createShadowProxy, isShadowBackend, shadowTimeoutMs } from '../proxy/shadow.js';
import { withConditions } from '../proxy/conditional.js';
import type { Proxy } from '../proxy/types.js';
import { compileUrlPattern } from '../proxy/url-template.js';
import type { Balancer } from '../transport/balancer.js';
import { createSrvBalancer, SrvSubscriber } from '../transport/dns-srv.js';
import { createDirectCall } from '../transport/backend-call.js';
import { composeBackend, composeClient, composeProxy } from './compose.js';
import type { BuildContext } from './types.js';

export interface PipelineContext extends BuildContext {
  maxBodyBytes: number;
}

export interface EndpointPipeline {
  proxy: Proxy;
  /** Endpoint params some backend places in a URL path segment: these are checked for unsafe values. */
  pathParams: Set<string>;
}

/** Bound on a client body a GraphQL mutation reads for its variables. */
const MAX_GRAPHQL_BODY_BYTES = 10 << 20;

export function buildEndpointProxy(endpoint: EndpointConfig, service: ServiceConfig, context: PipelineContext): EndpointPipeline {
  const pathParams = new Set<string>();
  const build = (backend: BackendConfig): Proxy => {
    for (const name of compileUrlPattern(backend.urlPattern).pathParams) if (endpoint.params.includes(name)) pathParams.add(name);
    return buildBackendProxy(backend, endpoint, service, context);
  };
  const regular = endpoint.backends.filter((backend) => !isShadowBackend(backend));
  const shadows = endpoint.backends.filter((backend) => isShadowBackend(backend));

  let proxy = mergeBackends(regular, [...withConditions(regular, regular.map(build))], endpoint, context.maxBodyBytes);
  if (shadows.length > 0) {
    const timeoutMs = Math.max(...shadows.map((backend) => shadowTimeoutMs(backend, endpoint.timeoutMs)));
    const shadow = createParallelMergeOrSingle(shadows.map(build), endpoint.timeoutMs);
    const label = `[ENDPOINT: ${endpoint.path}][Shadow]`;
    proxy = createShadowProxy(proxy, shadow, timeoutMs, { onShadowError: (error) => context.logger.debug(`${label} ${error.message}`) });
  }
  return { proxy: composeProxy(proxy, endpoint, context), pathParams };
}

function mergeBackends(backends: BackendConfig[], proxies: Proxy[], endpoint: EndpointConfig, maxBodyBytes: number): Proxy {
  if (proxies.length === 1) return proxies[0] as Proxy;
  const settings = blockOf(endpoint.extraConfig, 'proxy');
  if (settings?.['sequential'] === true) {
    const propagated = settings['sequential_propagated_params'];
    return createSequentialMerge(proxies, {
      urlPatterns: backends.map((backend) => backend.urlPattern),
      propagatedParams: Array.isArray(propagated) ? propagated.filter((name): name is string => typeof name === 'string') : [],
      endpointTimeoutMs: endpoint.timeoutMs,
      maxBodyBytes,
    });
  }
  return createParallelMerge(proxies, endpoint.timeoutMs);
}

function createParallelMergeOrSingle(proxies: Proxy[], timeoutMs: number): Proxy {
  return proxies.length === 1 ? (proxies[0] as Proxy) : createParallelMerge(proxies, timeoutMs);
}

function buildBackendProxy(backend: BackendConfig, endpoint: EndpointConfig, service: ServiceConfig, context: PipelineContext): Proxy {
  const graphqlBlock = blockOf(backend.extraConfig, GRAPHQL_NAMESPACE);
  const graphql = graphqlBlock && graphqlSettings(graphqlBlock, graphqlQuery(graphqlBlock));
  const target = graphql ? graphqlBackend(backend, graphql) : backend;
  const balancer = backend.sd === 'dns' ? dnsBalancer(backend, service, context) : undefined;
  const call = composeClient(createDirectCall(context.agent), backend, endpoint, context);
  const http = createHttpBackend(target, {
    transport: service.transport,
    agent: context.agent,
    maxBodyBytes: context.maxBodyBytes,
    ...(balancer ? { balancer } : {}),
    ...(call ? { call } : {}),
  });
  let proxy = composeBackend(http, backend, endpoint, context);
  if (graphql) proxy = createGraphqlMiddleware(graphql, MAX_GRAPHQL_BODY_BYTES)(proxy);
  if (endpoint.concurrentCalls > 1) proxy = createConcurrentMiddleware(endpoint.concurrentCalls, endpoint.timeoutMs)(proxy);
  return proxy;
}

/** `query`, or the file at `query_path` (read once, relative to the working directory like KrakenD). */
function graphqlQuery(block: Record<string, unknown>): string {
  if (typeof block['query_path'] === 'string' && block['query_path'] !== '') return readFileSync(block['query_path'], 'utf8');
  return typeof block['query'] === 'string' ? block['query'] : '';
}

/** One SRV subscriber per name and scheme per gateway, shared by the backends that use it. */
const subscribersByAgent = new WeakMap<object, Map<string, SrvSubscriber>>();

function dnsBalancer(backend: BackendConfig, service: ServiceConfig, context: PipelineContext): Balancer {
  const name = (backend.hosts[0] ?? '').replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const key = `${backend.sdScheme}|${name}`;
  let subscribers = subscribersByAgent.get(context.agent);
  if (subscribers === undefined) {
    subscribers = new Map();
    subscribersByAgent.set(context.agent, subscribers);
  }
  let subscriber = subscribers.get(key);
  if (subscriber === undefined) {
    const created = new SrvSubscriber({
      name,
      scheme: backend.sdScheme,
      ttlMs: service.dnsCacheTtlMs > 0 ? service.dnsCacheTtlMs : 30_000,
      onError: (error) => context.logger.warn(`[SERVICE: DNS SRV] lookup of ${name} failed: ${error.message}`),
    });
    context.onClose(() => created.close());
    subscribers.set(key, created);
    subscriber = created;
  }
  return createSrvBalancer(subscriber);
}
