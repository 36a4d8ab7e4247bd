/**
 * Builds the whole gateway from a normalised config: transport, endpoint handlers, route table and
 * the HTTP server's request listener. Everything is composed here once; a request only walks closures.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Http2SecureServer } from 'node:http2';
import * as net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ServiceConfig } from '../config/types.js';
import { buildEndpointProxy } from '../pipeline/endpoint-proxy.js';
import { createClientIpResolver, peerAddress } from '../router/client-ip.js';
import { createEndpointHandler, writeError } from '../router/endpoint-handler.js';
import { composeEndpoint, composeService } from '../pipeline/compose.js';
import { RequestContext } from '../pipeline/types.js';
import type { BuildContext, EndpointHandler } from '../pipeline/types.js';
import type { ComponentRegistry } from '../pipeline/registry.js';
import { RouteTable } from '../router/route-table.js';
import { readCompressionSettings } from '../router/compression.js';
import { Agent } from '../transport/agent.js';
import { debugHandler, echoHandler, goTime, healthHandler } from './builtins.js';
import { startAsyncAgents } from '../messaging/async-agents.js';
import { renderJson } from '../render/json.js';
import type { Logger } from '../core/logger.js';
import type { SharedStateClient } from '../shared-state/client.js';
import { rejectAmbiguousFraming } from './framing.js';
import { serverOptions } from './limits.js';
import { serveUpgradeAsRequest } from '../router/upgrade.js';
import { createSecureGatewayServer } from './secure-server.js';
import { clientTlsOptions, serverTlsOptions } from '../config/tls-settings.js';
import { PORTICO_VERSION, USER_AGENT_PRODUCT } from '../version.js';
import { publishRequests } from '../transport/diagnostics.js';

export interface GatewayOptions {
  logger: Logger;
  /** `run -d`: enables `/__debug/`. */
  debug?: boolean;
  /** Upper bound on request bodies buffered for several backends (default 10 MiB). */
  maxRequestBodyBytes?: number;
  /** Upper bound on backend bodies buffered for decoding (default 64 MiB). */
  maxBackendBodyBytes?: number;
  /** A worker of `portico run -w N`: per-instance state lives in the primary. */
  sharedState?: SharedStateClient;
  /** The components, decoders and renderers to build with (the registry the config was loaded with). */
  components: ComponentRegistry;
}

export interface Gateway {
  /** Plain HTTP, or HTTPS with HTTP/2 when the root `tls` is set. */
  server: Server | Http2SecureServer;
  listen(port?: number, host?: string): Promise<AddressInfo>;
  /**
   * Stops accepting, answers `Connection: close` from now on, closes keep-alive connections once idle,
   * lets in-flight requests finish for up to `graceMs`, then closes everything.
   */
  close(graceMs?: number): Promise<void>;
  /**
   * Serves from `config` from now on (a reload in this process): new requests, on new or kept-alive
   * connections, go to the gateway compiled from it; requests in flight finish on the old one, whose
   * backend pools and component resources close once they have (or after `graceMs`). The listener keeps
   * its port, TLS and HTTP server settings: returns the keys that changed and need a restart. Throws
   * (and keeps serving the old config) when the new one cannot be built.
   */
  replace(config: ServiceConfig, graceMs?: number): string[];
}

/** The pipeline compiled from one config: a request listener and what to close with it. */
interface CompiledGateway {
  listener: BuiltinHandler;
  /** Requests it is handling. */
  active: number;
  /** Called when `active` drops to 0 (set while it is retiring). */
  onIdle: (() => void) | undefined;
  dispose(): Promise<void>;
}

/** Draining: a keep-alive connection idle this long is closed (a fresh one gets this long to send its request). */
const DRAIN_IDLE_MS = 1_000;
const DRAIN_SWEEP_MS = 100;
const BUSY = Symbol('requests in progress');
const IDLE_SINCE = Symbol('idle since');
interface TrackedSocket extends Socket {
  [BUSY]: number;
  [IDLE_SINCE]: number;
}

type BuiltinHandler = (request: IncomingMessage, response: ServerResponse) => void;

export function createGateway(config: ServiceConfig, options: GatewayOptions): Gateway {
  let current = compileGateway(config, options);
  const httpOptions = serverOptions(config.server);
  const tls = serverTlsOptions(config);
  let draining = false;
  const connections = new Set<TrackedSocket>();

  function serve(request: IncomingMessage, response: ServerResponse): void {
    // HTTP/2 forbids Connection headers; its sessions drain through GOAWAY instead.
    if (draining && request.httpVersionMajor !== 2) response.setHeader('Connection', 'close');
    const compiled = current;
    compiled.active++;
    const socket = plain ? (request.socket as TrackedSocket) : undefined;
    if (socket) socket[BUSY]++;
    response.once('close', () => {
      if (socket) {
        socket[BUSY]--;
        socket[IDLE_SINCE] = performance.now();
      }
      if (--compiled.active === 0) compiled.onIdle?.();
    });
    compiled.listener(request, response);
  }

  const secure = tls
    ? createSecureGatewayServer(tls, serve, {
        maxHeaderSize: httpOptions.maxHeaderSize ?? 1 << 20,
        keepAliveTimeout: httpOptions.keepAliveTimeout ?? 5_000,
        headersTimeout: httpOptions.headersTimeout ?? 10_000,
        requestTimeout: httpOptions.requestTimeout ?? 0,
        connectionsCheckingInterval: httpOptions.connectionsCheckingInterval ?? 500,
      })
    : undefined;
  const plain = secure ? undefined : createServer(httpOptions, serve);
  const server: Server | Http2SecureServer = secure?.server ?? (plain as Server);
  plain?.on('connection', (socket: TrackedSocket) => {
    socket[BUSY] = 0;
    socket[IDLE_SINCE] = performance.now();
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  // Upgrade requests reach the pipeline only while some endpoint accepts WebSockets (see upgrade.ts).
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => serveUpgradeAsRequest(request, socket, head, serve);
  const listenForUpgrades = (served: ServiceConfig): void => {
    server.off('upgrade', onUpgrade);
    if (served.endpoints.some((endpoint) => endpoint.extraConfig['websocket'] !== undefined)) server.on('upgrade', onUpgrade);
  };
  listenForUpgrades(config);
  const closeAll = (): void => (secure ? secure.closeAllConnections() : plain?.closeAllConnections());

  /** Closes keep-alive connections idle for DRAIN_IDLE_MS. */
  function closeIdleConnections(): void {
    const now = performance.now();
    for (const socket of connections) if (socket[BUSY] === 0 && now - socket[IDLE_SINCE] >= DRAIN_IDLE_MS) socket.destroy();
  }

  const retiring = new Set<CompiledGateway>();
  function retire(compiled: CompiledGateway, graceMs: number): Promise<void> {
    retiring.add(compiled);
    return new Promise<void>((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        compiled.onIdle = undefined;
        if (!retiring.delete(compiled)) return resolve();
        void compiled.dispose().then(resolve);
      };
      const timer = setTimeout(finish, Math.max(graceMs, 0));
      timer.unref();
      if (compiled.active === 0) finish();
      else compiled.onIdle = finish;
    });
  }

  return {
    server,
    listen(port = config.port, host = config.listenIp || undefined) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port, host, backlog: 2048 }, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    replace(next, graceMs = config.server.maxShutdownWaitMs) {
      const compiled = compileGateway(next, options);
      const old = current;
      current = compiled;
      listenForUpgrades(next);
      void retire(old, graceMs);
      return listenerChanges(config, next);
    },
    async close(graceMs = config.server.maxShutdownWaitMs) {
      await new Promise<void>((resolve) => {
        let finished = false;
        let sweeper: NodeJS.Timeout | undefined;
        const done = (): void => {
          if (finished) return;
          finished = true;
          clearInterval(sweeper);
          void Promise.allSettled([current, ...retiring].map((compiled) => compiled.dispose())).then(() => resolve());
        };
        draining = true;
        if (plain) {
          // Not http's close(): it also closes every idle connection at once, among them one accepted a
          // moment ago whose request is not read yet, and one a keep-alive client is reusing right now.
          // Closing the listening handle first also takes this worker out of node:cluster's round robin,
          // which hands connections it can no longer accept to another worker.
          net.Server.prototype.close.call(plain, () => done());
          // From a timer, the sweep runs after the next poll phase (setImmediate), so a request that is
          // already in the socket's buffer is read, and its connection is busy, before the sweep looks.
          sweeper = setInterval(() => setImmediate(closeIdleConnections), DRAIN_SWEEP_MS);
          sweeper.unref();
        } else {
          server.close(() => done());
          secure?.closeIdleConnections();
        }
        const timer = setTimeout(() => {
          // Components first: a WebSocket session gets its 1001 close frame before its socket goes.
          done();
          closeAll();
        }, Math.max(graceMs, 0));
        timer.unref();
      });
    },
  };
}

/** Keys a reload in this process cannot apply: the listening socket and HTTP server are kept. */
function listenerChanges(before: ServiceConfig, after: ServiceConfig): string[] {
  const changed: string[] = [];
  if (before.port !== after.port) changed.push('port');
  if (before.listenIp !== after.listenIp) changed.push('listen_ip');
  if (JSON.stringify(before.tls) !== JSON.stringify(after.tls)) changed.push('tls');
  const { maxShutdownWaitMs: _a, ...serverBefore } = before.server;
  const { maxShutdownWaitMs: _b, ...serverAfter } = after.server;
  for (const key of Object.keys(serverBefore) as (keyof typeof serverBefore)[]) {
    if (serverBefore[key] !== serverAfter[key]) changed.push(SERVER_KEYS[key]);
  }
  return changed;
}

const SERVER_KEYS: Record<Exclude<keyof ServiceConfig['server'], 'maxShutdownWaitMs'>, string> = {
  readTimeoutMs: 'read_timeout',
  writeTimeoutMs: 'write_timeout',
  idleTimeoutMs: 'idle_timeout',
  readHeaderTimeoutMs: 'read_header_timeout',
  maxHeaderBytes: 'max_header_bytes',
};

function compileGateway(config: ServiceConfig, options: GatewayOptions): CompiledGateway {
  const logger = options.logger;
  const router = config.router;
  const versionHeader = router.hideVersionHeader ? 'Version undefined' : `Version ${PORTICO_VERSION}`;
  const backendTls = clientTlsOptions(config);
  const agent = new Agent({
    ...(backendTls ? { tls: backendTls } : {}),
    maxIdlePerHost: config.transport.maxIdleConnectionsPerHost,
    idleTimeoutMs: config.transport.idleConnectionTimeoutMs || 90_000,
    connectTimeoutMs: config.transport.dialerTimeoutMs,
    keepAliveProbeMs: config.transport.dialerKeepAliveMs || 15_000,
    responseHeaderTimeoutMs: config.transport.responseHeaderTimeoutMs,
    disableKeepAlives: config.transport.disableKeepAlives,
    responseHead: { maxBytes: config.transport.maxResponseHeaderBytes, maxFields: config.transport.maxResponseHeaders },
  });
  if (router.forwardedByClientIp && router.trustedProxies === undefined) {
    logger.warn('router.forwarded_by_client_ip is on without trusted_proxies: every peer may set the client address (KrakenD behaviour); list your proxies in trusted_proxies');
  }
  const settings = {
    userAgent: `${USER_AGENT_PRODUCT} Version ${PORTICO_VERSION}`,
    clientIp: createClientIpResolver(router),
    versionHeader,
    returnErrorMsg: router.returnErrorMsg,
    maxRequestBodyBytes: options.maxRequestBodyBytes ?? 10 << 20,
    disablePathDecoding: router.disablePathDecoding,
    logger,
  };

  const cleanups: (() => void | Promise<void>)[] = [];
  const instances = new Map<symbol, unknown>();
  const buildContext: BuildContext = {
    service: config,
    logger,
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
  const table = new RouteTable<EndpointHandler>(router);
  for (const endpoint of config.endpoints) {
    const { proxy, pathParams } = buildEndpointProxy(endpoint, config, { ...buildContext, maxBodyBytes: options.maxBackendBodyBytes ?? 64 << 20 });
    const render = options.components.rendererFor(endpoint.outputEncoding);
    const handler = createEndpointHandler(endpoint, { proxy, render, checkedParams: router.disablePathDecoding ? new Set() : pathParams }, settings, readCompressionSettings(config, endpoint));
    table.add(endpoint.method, endpoint.path, composeEndpoint(handler, endpoint, buildContext));
  }

  const agents = config.asyncAgents?.length ? startAsyncAgents(config.asyncAgents, (agent) => buildEndpointProxy(agent.endpoint, config, { ...buildContext, maxBodyBytes: options.maxBackendBodyBytes ?? 64 << 20 }).proxy, logger, goTime) : undefined;
  if (agents) cleanups.push(() => agents.close());

  const builtins = new Map<string, BuiltinHandler>();
  if (router.healthPath) builtins.set(router.healthPath, healthHandler(agents ? () => agents.pings() : () => ({})));
  const builtinPrefixes: [string, BuiltinHandler, readonly string[]][] = [];
  const anyMethod = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
  if (config.debugEndpoint || options.debug) builtinPrefixes.push(['/__debug/', debugHandler(logger), anyMethod]);
  if (config.echoEndpoint) builtinPrefixes.push(['/__echo/', echoHandler(), anyMethod]);

  // gin's c.JSON: sorted keys and HTML-escaped, like every other JSON body KrakenD writes.
  const notFoundBody = router.errorBody404 === undefined ? undefined : renderJson(router.errorBody404);
  const notAllowedBody = router.errorBody405 === undefined ? undefined : renderJson(router.errorBody405);

  function onRequest(request: IncomingMessage, response: ServerResponse): void {
    const url = request.url as string;
    if (url.charCodeAt(0) !== 47 /* / */) {
      // Asterisk or unparseable targets (absolute-form ones were made origin-form before the components).
      writeError(response, 400, 'invalid request target', versionHeader);
      return;
    }
    const queryIndex = url.indexOf('?');
    const path = queryIndex === -1 ? url : url.slice(0, queryIndex);
    const method = request.method as string;
    const match = table.find(method, path);
    if (match !== undefined && !(match.isWildcard && isBuiltinPath(path))) {
      match.handler(new RequestContext(request, response, match.params, path, queryIndex === -1 ? '' : url.slice(queryIndex + 1)));
      return;
    }
    const builtin = builtins.get(path);
    if (builtin) {
      if (method === 'GET') builtin(request, response);
      else if (router.handleMethodNotAllowed) writeNotAllowed(response, method, ['GET']);
      else writeNotFound(response, method);
      return;
    }
    for (const [prefix, handler, methods] of builtinPrefixes) {
      if ((path.startsWith(prefix) || path === prefix.slice(0, -1)) && methods.includes(method)) {
        handler(request, response);
        return;
      }
    }
    answerMiss(request, response, method, path, queryIndex === -1 ? '' : url.slice(queryIndex));
  }

  /** The gateway's own paths win over wildcard endpoints (`/*` must not hide `/__health`). */
  function isBuiltinPath(path: string): boolean {
    return builtins.has(path) || builtinPrefixes.some(([prefix]) => path.startsWith(prefix) || path === prefix.slice(0, -1));
  }

  function answerMiss(request: IncomingMessage, response: ServerResponse, method: string, path: string, search: string): void {
    if (path.includes('%') && !isDecodable(path)) {
      writeError(response, 400, 'invalid URL escape', versionHeader);
      return;
    }
    if (router.removeExtraSlash && path.includes('//')) {
      // gin's RemoveExtraSlash: route the request as if the path had single slashes.
      const collapsed = path.replace(/\/{2,}/g, '/');
      const match = table.find(method, collapsed);
      if (match !== undefined) {
        match.handler(new RequestContext(request, response, match.params, collapsed, search.slice(1)));
        return;
      }
    }
    if (method === 'OPTIONS' && router.autoOptions) {
      const allowed = table.allowedMethods(path);
      if (allowed.length > 0) {
        // router.auto_options: answer OPTIONS for every registered path with the methods it accepts.
        response.writeHead(200, ['Allow', [...allowed, 'OPTIONS'].join(', '), 'X-Krakend', versionHeader, 'Content-Length', '0']);
        response.end();
        return;
      }
    }
    const miss = table.miss(method, path);
    if (miss.kind === 'redirect') {
      const location = miss.location + search;
      // Go's http.Redirect: an HTML note for GET and HEAD, nothing for other methods; no X-Krakend headers.
      const body = method === 'GET' ? `<a href="${escapeHtml(location)}">Moved Permanently</a>.\n\n` : '';
      const headers = ['Location', location];
      if (method === 'GET' || method === 'HEAD') headers.push('Content-Type', 'text/html; charset=utf-8');
      headers.push('Content-Length', String(Buffer.byteLength(body)));
      response.writeHead(method === 'GET' ? 301 : 307, headers);
      response.end(body);
      return;
    }
    if (miss.kind === 'method-not-allowed') writeNotAllowed(response, method, miss.allowed);
    else writeNotFound(response, method);
  }

  function writeNotFound(response: ServerResponse, method: string): void {
    writeRouterError(response, method, 404, notFoundBody ?? '404 page not found', notFoundBody !== undefined, []);
  }

  function writeNotAllowed(response: ServerResponse, method: string, allowed: string[]): void {
    writeRouterError(response, method, 405, notAllowedBody ?? '405 method not allowed', notAllowedBody !== undefined, ['Allow', allowed.join(', ')]);
  }

  /** gin's 404/405: text/plain (no charset) or the configured JSON, with KrakenD's headers. */
  function writeRouterError(response: ServerResponse, method: string, status: number, body: string, isJson: boolean, extra: string[]): void {
    const headers = ['Content-Type', isJson ? 'application/json; charset=utf-8' : 'text/plain', 'X-Krakend', versionHeader, 'X-Krakend-Completed', 'false', ...extra];
    headers.push('Content-Length', String(Buffer.byteLength(body)));
    response.writeHead(status, headers);
    response.end(method === 'HEAD' ? undefined : body);
  }

  // Before any component: host checks must judge the host the gateway then acts on.
  const routed = originFormFirst(composeService(onRequest, buildContext));
  const listener = router.accessLog ? withAccessLog(routed, logger) : routed;
  let disposed: Promise<void> | undefined;
  return {
    listener: publishRequests(guard(rejectAmbiguousFraming(listener), logger, versionHeader)),
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

/** Nothing a handler throws may take the process down: answer 500 and log. */
function guard(listener: BuiltinHandler, logger: Logger, versionHeader: string): BuiltinHandler {
  return function guardedRequest(request, response) {
    try {
      listener(request, response);
    } catch (error) {
      logger.error(`unexpected error handling ${request.method ?? ''} ${request.url ?? ''}: ${(error as Error).stack ?? String(error)}`);
      writeError(response, 500, '', versionHeader);
    }
  };
}

function withAccessLog(listener: BuiltinHandler, logger: Logger): BuiltinHandler {
  return function loggedRequest(request, response) {
    const started = performance.now();
    response.once('finish', () => {
      const url = request.url ?? '';
      const queryIndex = url.indexOf('?');
      logger.access({
        method: request.method ?? '',
        path: queryIndex === -1 ? url : url.slice(0, queryIndex),
        status: response.statusCode,
        durationMs: performance.now() - started,
        clientIp: peerAddress(request),
      });
    });
    listener(request, response);
  };
}

/** Absolute-form targets become origin-form, their host the request's host, before anything reads them. */
function originFormFirst(listener: BuiltinHandler): BuiltinHandler {
  return function routeOriginForm(request, response) {
    const url = request.url as string;
    if (url.charCodeAt(0) !== 47 /* / */) toOriginForm(request, url);
    listener(request, response);
  };
}

/**
 * RFC 9112 §3.2.2: a server accepts absolute-form targets and uses their host instead of `Host`. Only the
 * path is routed, to the configured backends: the named host is never contacted (no open proxy).
 */
function toOriginForm(request: IncomingMessage, target: string): void {
  const match = /^https?:\/\/([^/?#]+)(\/[^#]*)?$/i.exec(target);
  if (match === null) return;
  const pathAndQuery = match[2] ?? '/';
  request.url = pathAndQuery.startsWith('?') ? `/${pathAndQuery}` : pathAndQuery;
  request.headers.host = match[1] as string;
}

function isDecodable(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
