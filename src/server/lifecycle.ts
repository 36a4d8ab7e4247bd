/**
 * The server's lifecycle: the HTTP (or HTTPS + HTTP/2) server, its connections, graceful drain on close,
 * and the swap to a newly compiled gateway on reload. What a request meets is compiled elsewhere
 * (gateway.ts); this module only decides which compiled gateway serves it and when old ones retire.
 */
import type { Duplex } from 'node:stream';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2SecureServer } from 'node:http2';
import * as net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import type { ServiceConfig } from '../config/types.js';
import { serverTlsOptions } from '../config/tls-settings.js';
import { createPlainServer, serverOptions } from './limits.js';
import type { HttpServerKind } from './limits.js';
import { createSecureGatewayServer } from './secure-server.js';
import { serveUpgradeAsRequest } from '../router/upgrade.js';

export interface Gateway {
  /** Plain HTTP/1.1 (Portico's listener or node:http's), or HTTPS with HTTP/2 when the root `tls` is set. */
  server: net.Server | Http2SecureServer;
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

export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

/** The pipeline compiled from one config: a request listener and what to close with it. */
export interface CompiledGateway {
  listener: RequestHandler;
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

/** Serves what `compile` makes of `config`, and of each config `replace` is given later. */
export function serveGateway(config: ServiceConfig, compile: (config: ServiceConfig) => CompiledGateway, httpServer: HttpServerKind = 'portico'): Gateway {
  let current = compile(config);
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
    // A response closes once: `on` spares the once-wrapper and its removal on every request.
    response.on('close', () => {
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
        maxHeaderSize: httpOptions.maxHeaderSize,
        keepAliveTimeout: httpOptions.keepAliveTimeout,
        headersTimeout: httpOptions.headersTimeout,
        requestTimeout: httpOptions.requestTimeout,
        connectionsCheckingInterval: httpOptions.connectionsCheckingInterval,
      })
    : undefined;
  const plain = secure ? undefined : (createPlainServer(httpOptions, serve, httpServer) as net.Server & { closeAllConnections(): void });
  const server: net.Server | Http2SecureServer = secure?.server ?? (plain as net.Server);
  plain?.on('connection', (socket: TrackedSocket) => {
    socket[BUSY] = 0;
    socket[IDLE_SINCE] = performance.now();
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  // Upgrade requests reach the pipeline only while some endpoint accepts WebSockets (router/upgrade.ts).
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
      const compiled = compile(next);
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
