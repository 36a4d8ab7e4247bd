/**
 * The composition root: builds the whole gateway from a normalised config and the component registry,
 * in the order a request meets it (read from the bottom up: transport, endpoints, route table, then the
 * listener around them). Everything is composed here once; a request only walks closures. The server
 * itself (listening, draining, reloads) is `lifecycle.ts`; what a request no route takes gets is
 * `router-miss.ts`.
 */
import type { ServiceConfig } from '../config/types.js';
import { clientTlsOptions } from '../config/tls-settings.js';
import type { Logger } from '../core/logger.js';
import { keepTimerLists } from '../core/timer-lists.js';
import { composeEndpoint, composeService } from '../pipeline/compose.js';
import { buildEndpointProxy } from '../pipeline/endpoint-proxy.js';
import { mergeDeadlineMs } from '../proxy/merge.js';
import type { ComponentRegistry } from '../pipeline/registry.js';
import type { BuildContext } from '../pipeline/types.js';
import { createClientIpResolver } from '../router/client-ip.js';
import type { EndpointHandler } from '../router/context.js';
import { createEndpointHandler } from '../router/endpoint-handler.js';
import type { EndpointHandlerSettings } from '../router/endpoint-handler.js';
import { RouteTable } from '../router/route-table.js';
import type { SharedStateClient } from '../shared-state/client.js';
import { Agent } from '../transport/agent.js';
import { PORTICO_VERSION, USER_AGENT_PRODUCT } from '../version.js';
import { builtinRoutes, createDispatcher } from './dispatch.js';
import { rejectAmbiguousFraming } from './framing.js';
import { serveGateway } from './lifecycle.js';
import type { CompiledGateway, Gateway } from './lifecycle.js';
import { guard, originFormFirst, withAccessLog } from './listener-wrappers.js';
import { createRouterMiss } from './router-miss.js';
import { startAsyncAgents } from '../messaging/async-agents.js';
import { readCompressionSettings } from '../router/compression.js';
import { publishRequests } from '../transport/diagnostics.js';
import { goTime } from './builtins.js';
import type { HttpServerKind } from './limits.js';

export type { Gateway } from './lifecycle.js';

export interface GatewayOptions {
  logger: Logger;
  /** The components, decoders and renderers to build with (the registry the config was loaded with). */
  components: ComponentRegistry;
  /** `run -d`: enables `/__debug/`. */
  debug?: boolean;
  /** Upper bound on request bodies buffered for several backends (default 10 MiB). */
  maxRequestBodyBytes?: number;
  /** Upper bound on backend bodies buffered for decoding (default 64 MiB). */
  maxBackendBodyBytes?: number;
  /** A worker of `portico run -w N`: per-instance state lives in the primary. */
  sharedState?: SharedStateClient;
  /** The plain HTTP/1.1 server: Portico's own (the default) or node:http's (`PORTICO_HTTP_SERVER=node`). */
  httpServer?: HttpServerKind;
}

export function createGateway(config: ServiceConfig, options: GatewayOptions): Gateway {
  return serveGateway(config, (next) => compileGateway(next, options), options.httpServer);
}

function compileGateway(config: ServiceConfig, options: GatewayOptions): CompiledGateway {
  const { logger, components } = options;
  const router = config.router;
  const versionHeader = router.hideVersionHeader ? 'Version undefined' : `Version ${PORTICO_VERSION}`;
  if (router.forwardedByClientIp && router.trustedProxies === undefined) {
    logger.warn('router.forwarded_by_client_ip is on without trusted_proxies: every peer may set the client address (KrakenD behaviour); list your proxies in trusted_proxies');
  }
  const agent = createAgent(config);
  // Each request arms its endpoint's timeout, and a merge its deadline (core/timer-lists.ts says why).
  const cleanups: (() => void | Promise<void>)[] = [keepTimerLists(config.endpoints.flatMap((endpoint) => [endpoint.timeoutMs, mergeDeadlineMs(endpoint.timeoutMs)]))];
  const context = buildContext(config, options, agent, versionHeader, cleanups);
  const handlerSettings: EndpointHandlerSettings = {
    userAgent: `${USER_AGENT_PRODUCT} Version ${PORTICO_VERSION}`,
    clientIp: createClientIpResolver(router),
    versionHeader,
    returnErrorMsg: router.returnErrorMsg,
    maxRequestBodyBytes: options.maxRequestBodyBytes ?? 10 << 20,
    disablePathDecoding: router.disablePathDecoding,
    logger,
  };

  // Each endpoint: backends and merge (proxy layer), then the handler, then router-layer components.
  const table = new RouteTable<EndpointHandler>(router);
  for (const endpoint of config.endpoints) {
    const rendersCoreJson = components.rendersAsCoreJson(endpoint.outputEncoding);
    const { proxy, pathParams } = buildEndpointProxy(endpoint, config, { ...context, maxBodyBytes: options.maxBackendBodyBytes ?? 64 << 20, rendersCoreJson });
    const render = components.rendererFor(endpoint.outputEncoding);
    const handler = createEndpointHandler(endpoint, { proxy, render, checkedParams: router.disablePathDecoding ? new Set() : pathParams }, handlerSettings, readCompressionSettings(config, endpoint));
    table.add(endpoint.method, endpoint.path, composeEndpoint(handler, endpoint, context));
  }

  // Async agents send each message through a pipe built like an endpoint's.
  const maxBodyBytes = options.maxBackendBodyBytes ?? 64 << 20;
  const agents = config.asyncAgents?.length ? startAsyncAgents(config.asyncAgents, (agent) => buildEndpointProxy(agent.endpoint, config, { ...context, maxBodyBytes }).proxy, logger, goTime) : undefined;
  if (agents) cleanups.push(() => agents.close());

  // The listener, inside out: dispatch, service-level components, origin-form targets (before any
  // component, so host checks judge the host the gateway then acts on), access log, framing, guard.
  const dispatch = createDispatcher(table, builtinRoutes(config, options.debug === true, logger, agents ? () => agents.pings() : undefined), createRouterMiss(table, router, versionHeader), router, versionHeader);
  const routed = originFormFirst(composeService(dispatch, context));
  const logged = router.accessLog ? withAccessLog(routed, logger) : routed;
  const listener = publishRequests(guard(rejectAmbiguousFraming(logged), logger, versionHeader));

  let disposed: Promise<void> | undefined;
  return {
    listener,
    active: 0,
    onIdle: undefined,
    dispose() {
      disposed ??= (async () => {
        agent.close();
        await Promise.allSettled(cleanups.map(async (cleanup) => cleanup()));
      })();
      return disposed;
    },
  };
}

/** The backend connection pools, from the root transport settings and `client_tls`. */
function createAgent(config: ServiceConfig): Agent {
  const backendTls = clientTlsOptions(config);
  return new Agent({
    ...(backendTls ? { tls: backendTls } : {}),
    maxIdlePerHost: config.transport.maxIdleConnectionsPerHost,
    idleTimeoutMs: config.transport.idleConnectionTimeoutMs || 90_000,
    connectTimeoutMs: config.transport.dialerTimeoutMs,
    keepAliveProbeMs: config.transport.dialerKeepAliveMs || 15_000,
    responseHeaderTimeoutMs: config.transport.responseHeaderTimeoutMs,
    disableKeepAlives: config.transport.disableKeepAlives,
    responseHead: { maxBytes: config.transport.maxResponseHeaderBytes, maxFields: config.transport.maxResponseHeaders },
  });
}

/** What component factories receive: shared by everything built from this config. */
function buildContext(config: ServiceConfig, options: GatewayOptions, agent: Agent, versionHeader: string, cleanups: (() => void | Promise<void>)[]): BuildContext {
  const instances = new Map<symbol, unknown>();
  return {
    service: config,
    logger: options.logger,
    agent,
    versionHeader,
    components: options.components,
    onClose: (cleanup) => cleanups.push(cleanup),
    instance<T>(key: symbol, create: () => T): T {
      if (!instances.has(key)) instances.set(key, create());
      return instances.get(key) as T;
    },
    ...(options.sharedState ? { sharedState: options.sharedState } : {}),
  };
}
