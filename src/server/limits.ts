/**
 * Server timeouts and limits from the config. Node checks `headersTimeout` and `requestTimeout` only
 * every `connectionsCheckingInterval` (30 s by default); it is lowered to 500 ms so a slow client is cut
 * within about a second of its deadline.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerOptions, ServerResponse } from 'node:http';
import type { Server } from 'node:net';
import type { ServerSettings } from '../config/types.js';
import { createHttp1Server } from './http1-server.js';

/** Used when the config leaves `read_header_timeout` and `read_timeout` unset. */
const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
const CHECK_INTERVAL_MS = 500;

/** node:http's options, with every limit Portico sets present (its own listener reads the same ones). */
export type PlainServerOptions = ServerOptions & { maxHeaderSize: number; headersTimeout: number; requestTimeout: number; keepAliveTimeout: number; connectionsCheckingInterval: number };

export function serverOptions(settings: ServerSettings): PlainServerOptions {
  const headersTimeout = Math.max(1, Math.ceil(settings.readHeaderTimeoutMs || settings.readTimeoutMs || DEFAULT_HEADERS_TIMEOUT_MS));
  // read_timeout bounds reading the whole request; write_timeout the whole exchange.
  const whole = Math.max(settings.readTimeoutMs, settings.writeTimeoutMs);
  return {
    maxHeaderSize: settings.maxHeaderBytes,
    headersTimeout,
    requestTimeout: whole > 0 ? Math.max(Math.ceil(whole), headersTimeout) : 0,
    // Go's IdleTimeout between keep-alive requests; Node's 5 s when unset.
    keepAliveTimeout: settings.idleTimeoutMs > 0 ? Math.ceil(settings.idleTimeoutMs) : 5_000,
    connectionsCheckingInterval: CHECK_INTERVAL_MS,
    requireHostHeader: true,
    noDelay: true,
  };
}

/** Which plain HTTP/1.1 server listens: Portico's (http1-server.ts) or node:http's. */
export type HttpServerKind = 'portico' | 'node';

/**
 * The plain HTTP/1.1 listener: Portico's own unless `kind` asks for node:http's, or this Node lacks what
 * Portico's drives. Both take the same limits.
 */
export function createPlainServer(options: PlainServerOptions, listener: (request: IncomingMessage, response: ServerResponse) => void, kind: HttpServerKind): Server {
  if (kind === 'portico') {
    const server = createHttp1Server(
      {
        maxHeaderSize: options.maxHeaderSize,
        headersTimeoutMs: options.headersTimeout,
        requestTimeoutMs: options.requestTimeout,
        keepAliveTimeoutMs: options.keepAliveTimeout,
        checkIntervalMs: options.connectionsCheckingInterval,
      },
      listener,
    );
    if (server !== undefined) return server;
  }
  return createServer(options, listener);
}
