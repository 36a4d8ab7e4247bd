/**
 * The HTTPS listener: HTTP/2 with HTTP/1.1 fallback on one port (ALPN), as KrakenD's TLS server offers
 * both. Node's compatibility API gives handlers the same request/response shape as node:http; the two
 * differences the gateway cares about are smoothed here: HTTP/2 carries the host as `:authority`, and
 * connections are tracked so the gateway can drain and close them.
 */
import { createRequire } from 'node:module';
import type { Http2SecureServer, Http2Session } from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TlsOptions } from 'node:tls';

export interface SecureGatewayServer {
  server: Http2SecureServer;
  /** Asks every HTTP/2 session to finish its streams and go away (GOAWAY). */
  closeIdleConnections(): void;
  /** Destroys every connection still open. */
  closeAllConnections(): void;
}

type Listener = (request: IncomingMessage, response: ServerResponse) => void;

export interface SecureServerLimits {
  maxHeaderSize: number;
  keepAliveTimeout: number;
  headersTimeout: number;
  requestTimeout: number;
  connectionsCheckingInterval: number;
}

/** Fields node:http reads from its server object; an HTTP/2 server serving HTTP/1.1 reads the same ones. */
interface Http1Limits {
  maxHeaderSize: number;
  keepAliveTimeout: number;
  headersTimeout: number;
  requestTimeout: number;
  connectionsCheckingInterval: number;
}

export function createSecureGatewayServer(tls: TlsOptions, listener: Listener, limits: SecureServerLimits): SecureGatewayServer {
  const sockets = new Set<Socket>();
  const sessions = new Set<Http2Session>();
  // Loaded here, for TLS listeners only: node:http2 is about 5 ms of every start otherwise.
  const { createSecureServer } = createRequire(import.meta.url)('node:http2') as typeof import('node:http2');
  const server = createSecureServer(
    { ...tls, allowHTTP1: true, maxSessionMemory: 10, settings: { maxHeaderListSize: limits.maxHeaderSize } },
    function onSecureRequest(request, response) {
      // HTTP/2 names the host in :authority, which wins over any host header (RFC 9113 §8.3.1, as in Go);
      // the rest of the gateway reads `host` for X-Forwarded-Host and host checks.
      if (request.httpVersionMajor === 2 && request.authority) request.headers.host = request.authority;
      listener(request as unknown as IncomingMessage, response as unknown as ServerResponse);
    },
  );
  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  // HTTP/1.1 over TLS is served by node:http's connection handling, which takes its limits from these
  // server fields; http2.createSecureServer does not accept them as options, so they are set here
  // (before listen: the slow-client check is armed when the server starts listening).
  Object.assign(server as unknown as Http1Limits, {
    maxHeaderSize: limits.maxHeaderSize,
    keepAliveTimeout: limits.keepAliveTimeout,
    headersTimeout: limits.headersTimeout,
    requestTimeout: limits.requestTimeout,
    connectionsCheckingInterval: limits.connectionsCheckingInterval,
  } satisfies Http1Limits);
  server.setTimeout(limits.keepAliveTimeout);
  // A TLS handshake that fails (wrong client certificate, plain HTTP on the TLS port) only closes that socket.
  server.on('tlsClientError', (_error, socket) => socket.destroy());
  return {
    server,
    closeIdleConnections() {
      for (const session of sessions) session.close();
    },
    closeAllConnections() {
      for (const socket of sockets) socket.destroy();
    },
  };
}
