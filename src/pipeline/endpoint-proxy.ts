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
import type { BackendConfig, EndpointConfig, GraphqlSettings, ServiceConfig } from '../config/types.js';
import { createConcurrentMiddleware } from '../proxy/concurrent.js';
import { createGraphqlMiddleware, graphqlBackend } from '../proxy/graphql.js';
import { createHttpBackend } from '../proxy/http-backend.js';
import { createParallelMerge } from '../proxy/merge.js';
import { createSequentialMerge } from '../proxy/sequential-merge.js';
import { createShadowProxy } from '../proxy/shadow.js';
import type { Proxy } from '../proxy/types.js';
import { compileUrlPattern } from '../proxy/url-template.js';
import type { Balancer } from '../transport/balancer.js';
import { createSrvBalancer, SrvSubscriber } from '../transport/dns-srv.js';
import { createDirectCall } from '../transport/backend-call.js';
import { backendLayer, composeClient, proxyLayer, wrapWith } from './compose.js';
import { topLevelJsonDecoder } from '../encoding/decode.js';
import type { Decoder } from '../encoding/decode.js';
import { NON_HTTP_BACKENDS } from './order.js';
import { blockOf } from './registry.js';
import { GatewayError } from '../core/errors.js';
import type { BuildContext } from './types.js';

export interface PipelineContext extends BuildContext {
  maxBodyBytes: number;
  /** The endpoint's answer is rendered by lura's `json` renderer (HTTP endpoints; not async agents' pipes). */
  rendersCoreJson?: boolean;
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
  const endpointLayer = proxyLayer(endpoint, context);
  // Between the backends and the renderer, only a parallel merge and the handler touch the data.
  const mergedAsIs = context.rendersCoreJson === true && endpointLayer.length === 0 && !endpoint.proxy.sequential;
  const build = (backend: BackendConfig): Proxy => {
    for (const name of compileUrlPattern(backend.urlPattern).pathParams) if (endpoint.params.includes(name)) pathParams.add(name);
    return buildBackendProxy(backend, endpoint, service, context, mergedAsIs);
  };
  const regular = endpoint.backends.filter((backend) => !backend.proxy.shadow);
  const shadows = endpoint.backends.filter((backend) => backend.proxy.shadow);

  let proxy = mergeBackends(regular, [...selectBackends(regular, regular.map(build), context)], endpoint, context.maxBodyBytes);
  if (shadows.length > 0) {
    const timeoutMs = Math.max(...shadows.map((backend) => backend.proxy.shadowTimeoutMs ?? endpoint.timeoutMs));
    const shadow = createParallelMergeOrSingle(shadows.map(build), endpoint.timeoutMs);
    const label = `[ENDPOINT: ${endpoint.path}][Shadow]`;
    proxy = createShadowProxy(proxy, shadow, timeoutMs, { onShadowError: (error) => context.logger.debug(`${label} ${error.message}`) });
  }
  return { proxy: wrapWith(proxy, endpointLayer), pathParams };
}

function mergeBackends(backends: BackendConfig[], proxies: Proxy[], endpoint: EndpointConfig, maxBodyBytes: number): Proxy {
  if (proxies.length === 1) return proxies[0] as Proxy;
  if (endpoint.proxy.sequential) {
    return createSequentialMerge(proxies, {
      urlPatterns: backends.map((backend) => backend.urlPattern),
      propagatedParams: endpoint.proxy.sequentialPropagatedParams,
      endpointTimeoutMs: endpoint.timeoutMs,
      maxBodyBytes,
    });
  }
  return createParallelMerge(proxies, endpoint.timeoutMs);
}

function createParallelMergeOrSingle(proxies: Proxy[], timeoutMs: number): Proxy {
  return proxies.length === 1 ? (proxies[0] as Proxy) : createParallelMerge(proxies, timeoutMs);
}

function buildBackendProxy(backend: BackendConfig, endpoint: EndpointConfig, service: ServiceConfig, context: PipelineContext, mergedAsIs: boolean): Proxy {
  const layer = backendLayer(backend, endpoint, context);
  const graphql = backend.graphql && { ...backend.graphql, query: graphqlQuery(backend.graphql) };
  const target = graphql ? graphqlBackend(backend, graphql) : backend;
  const balancer = backend.sd === 'dns' ? dnsBalancer(backend, service, context) : undefined;
  // A messaging or Lambda backend replaces the HTTP call in its backend layer: no HTTP client is built for it.
  const isHttp = !NON_HTTP_BACKENDS.some((namespace) => blockOf(backend.extraConfig, namespace) !== undefined);
  const call = isHttp ? composeClient(createDirectCall(context.agent), backend, endpoint, context) : undefined;
  const http = isHttp
    ? createHttpBackend(target, {
        transport: service.transport,
        agent: context.agent,
        maxBodyBytes: context.maxBodyBytes,
        decode: decoderFor(target, context, mergedAsIs && layer.length === 0 && !graphql),
        ...(balancer ? { balancer } : {}),
        ...(call ? { call } : {}),
      })
    : notHttp;
  let proxy = wrapWith(http, layer);
  if (graphql) proxy = createGraphqlMiddleware(graphql, MAX_GRAPHQL_BODY_BYTES)(proxy);
  if (endpoint.concurrentCalls > 1) proxy = createConcurrentMiddleware(endpoint.concurrentCalls, endpoint.timeoutMs)(proxy);
  return proxy;
}

/**
 * The backend's decoder. When nothing but top-level shaping, the merge and the JSON renderer will see its
 * data, that data can stay written text below the top level (`topLevelJsonDecoder`): no value is parsed
 * into objects only to be sorted and written again.
 */
function decoderFor(backend: BackendConfig, context: PipelineContext, seenOnlyByMergeAndRenderer: boolean): Decoder {
  const decoder = context.components.decoderFor(backend.encoding, backend.isCollection);
  const topLevelShaping =
    backend.target === '' && backend.proxy.flatmapFilter.length === 0 && !backend.allow.some(isNestedPath) && !backend.deny.some(isNestedPath);
  return seenOnlyByMergeAndRenderer && topLevelShaping && !backend.isCollection && context.components.decodesAsCoreJson(backend.encoding)
    ? topLevelJsonDecoder(decoder)
    : decoder;
}

function isNestedPath(path: string): boolean {
  return path.includes('.');
}

/** Below a non-HTTP backend's factory; reached only if that factory declined to build (no host). */
const notHttp: Proxy = () => Promise.reject(new GatewayError('PRT_ERR_SD_NO_HOSTS', 'no hosts available'));

/** `query`, or the file at `query_path` (read once, relative to the working directory like KrakenD). */
function graphqlQuery(settings: GraphqlSettings): string {
  return settings.queryPath !== '' ? readFileSync(settings.queryPath, 'utf8') : settings.query;
}

const SRV_SUBSCRIBERS = Symbol('DNS SRV subscribers');

/** One SRV subscriber per name and scheme per gateway, shared by the backends that use it. */
function dnsBalancer(backend: BackendConfig, service: ServiceConfig, context: PipelineContext): Balancer {
  const name = (backend.hosts[0] ?? '').replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const key = `${backend.sdScheme}|${name}`;
  const subscribers = context.instance(SRV_SUBSCRIBERS, () => new Map<string, SrvSubscriber>());
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

/** Components that choose, per request, which backends run (`backend/conditional`) wrap the built ones. */
function selectBackends(backends: readonly BackendConfig[], proxies: readonly Proxy[], context: PipelineContext): readonly Proxy[] {
  let selected = proxies;
  for (const component of context.components.list()) if (component.selectBackends) selected = component.selectBackends(backends, selected);
  return selected;
}
