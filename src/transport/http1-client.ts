/**
 * Keep-alive HTTP/1.1 client for backend calls, one pool per origin.
 *
 * Why not undici: it always writes a `connection` header and spends more CPU per request than the rest of
 * the gateway; KrakenD's backends see exactly the headers the gateway chooses, nothing more. The pool
 * follows Go's transport, which KrakenD uses: unlimited connections per host, at most
 * `maxIdlePerHost` kept idle, idle ones closed after `idleTimeoutMs`, requests on a reused
 * connection retried once (idempotent methods only) when the backend had closed it before answering.
 */
import { connect as connectTcp } from 'node:net';
import type { Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { Readable } from 'node:stream';
import { HttpClientError } from './errors.js';
import { DEFAULT_PEER, DEFAULT_RESPONSE_HEAD_LIMITS, ResponseParser } from './response-parser.js';
import type { ResponseHeadLimits } from './response-parser.js';
import type { ParserSink } from './response-parser.js';

export interface PoolOptions {
  maxIdlePerHost: number;
  idleTimeoutMs: number;
  connectTimeoutMs: number;
  keepAliveProbeMs: number;
  responseHeaderTimeoutMs: number;
  disableKeepAlives: boolean;
  /** Bounds on a response head (bytes, header fields); a larger one fails the call. */
  responseHead: ResponseHeadLimits;
  tls?: TlsOptions;
  /** How errors name the other end: "the backend" unless set (the OTLP sender's is "the collector"). */
  peer?: string;
}

export const DEFAULT_POOL_OPTIONS: PoolOptions = {
  maxIdlePerHost: 250,
  idleTimeoutMs: 90_000,
  connectTimeoutMs: 30_000,
  keepAliveProbeMs: 15_000,
  responseHeaderTimeoutMs: 0,
  disableKeepAlives: false,
  responseHead: DEFAULT_RESPONSE_HEAD_LIMITS,
};

export interface ResponseHandler {
  onHead(statusCode: number, statusText: string, rawHeaders: string[]): void;
  onBody(chunk: Buffer): void;
  onComplete(): void;
  onError(error: Error): void;
}

export interface OutgoingRequest {
  method: string;
  /** Path and query, already encoded: written as the request target. */
  target: string;
  /** Header lines, each `Name: value\r\n`, without Host, Content-Length and Connection. */
  headerLines: string;
  body: Buffer | Readable | null;
  /** Length of a streamed body when known; chunked otherwise. */
  bodyLength?: number | undefined;
  /** `Host` header value when it is not the origin's host (Martian's `header.Modifier` on `Host`). */
  host?: string;
  /** Opaque trace context of the calling layer (`telemetry/opentelemetry`); never written to the wire. */
  telemetry?: unknown;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** Connections and idle list for one `scheme://host:port`. */
export class OriginPool {
  readonly hostHeader: string;
  private readonly idle: Connection[] = [];
  private closed = false;
  readonly hostname: string;
  readonly port: number;
  readonly isTls: boolean;

  constructor(
    readonly origin: string,
    readonly options: PoolOptions = DEFAULT_POOL_OPTIONS,
  ) {
    const url = new URL(origin);
    this.isTls = url.protocol === 'https:';
    this.hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    this.port = url.port === '' ? (this.isTls ? 443 : 80) : Number(url.port);
    this.hostHeader = `Host: ${url.host}\r\n`;
  }

  /** Sends one request; the handler receives exactly one of onComplete or onError. */
  request(request: OutgoingRequest, handler: ResponseHandler): Exchange {
    const exchange = new Exchange(this, request, handler);
    if (this.closed) {
      exchange.fail(new HttpClientError('PRT_ERR_BACKEND_CLOSED', 'the client is closed'));
      return exchange;
    }
    this.assign(exchange, true);
    return exchange;
  }

  /** @internal */
  assign(exchange: Exchange, allowReuse: boolean): void {
    let connection: Connection | undefined;
    while (allowReuse && (connection = this.idle.pop()) !== undefined) {
      if (!connection.isDead) {
        connection.start(exchange, true);
        return;
      }
    }
    connection = new Connection(this);
    connection.start(exchange, false);
  }

  /** @internal Called when a connection finished a response and may serve another. */
  release(connection: Connection): void {
    if (this.closed || this.options.disableKeepAlives || this.idle.length >= this.options.maxIdlePerHost) {
      connection.destroy();
      return;
    }
    connection.markIdle();
    this.idle.push(connection);
  }

  /** @internal */
  forget(connection: Connection): void {
    const index = this.idle.indexOf(connection);
    if (index !== -1) this.idle.splice(index, 1);
  }

  get idleCount(): number {
    return this.idle.length;
  }

  close(): void {
    this.closed = true;
    for (const connection of this.idle.splice(0)) connection.destroy();
  }
}

/** One request/response on a connection; also the handle callers use to abort or pause it. */
export class Exchange implements ParserSink {
  connection: Connection | undefined;
  private settled = false;
  private started = false;
  private retried = false;
  private headerTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly pool: OriginPool,
    readonly request: OutgoingRequest,
    readonly handler: ResponseHandler,
  ) {}

  get isSettled(): boolean {
    return this.settled;
  }

  abort(reason: Error): void {
    if (this.settled) return;
    const connection = this.connection;
    this.fail(reason);
    connection?.destroy();
  }

  /** Backpressure from the client; only while this exchange still owns the connection. */
  pause(): void {
    if (!this.settled) this.connection?.socket.pause();
  }

  resume(): void {
    if (!this.settled) this.connection?.socket.resume();
  }

  /** @internal */
  armHeaderTimeout(): void {
    const timeoutMs = this.pool.options.responseHeaderTimeoutMs;
    if (timeoutMs > 0) {
      this.headerTimer = setTimeout(() => {
        this.abort(new HttpClientError('PRT_ERR_BACKEND_TIMEOUT', `no response headers within ${timeoutMs} ms`));
      }, timeoutMs);
    }
  }

  onHead(statusCode: number, statusText: string, rawHeaders: string[]): void {
    this.started = true;
    if (this.headerTimer) clearTimeout(this.headerTimer);
    this.handler.onHead(statusCode, statusText, rawHeaders);
  }

  onBody(chunk: Buffer): void {
    if (this.settled) return;
    // A view of the shared read buffer lives only until the next read: the handler gets its own copy.
    this.handler.onBody(copyOf(chunk));
  }

  onComplete(): void {
    if (this.settled) return;
    this.settled = true;
    // Hand the connection back first, so work started by the handler can reuse it at once.
    this.connection?.responseDone(this);
    this.handler.onComplete();
  }

  /** @internal A transport failure; retried once on a fresh connection when that is safe. */
  transportFailed(error: Error, wasReused: boolean): void {
    if (this.settled) return;
    if (this.headerTimer) clearTimeout(this.headerTimer);
    const body = this.request.body;
    const replayable = body === null || Buffer.isBuffer(body);
    // Like Go's transport: only idempotent methods are replayed. A clean close after our request was
    // written cannot tell "closed while idle" from "did the work, then closed", so a POST is never resent.
    if (wasReused && !this.started && !this.retried && replayable && IDEMPOTENT.has(this.request.method)) {
      this.retried = true;
      this.connection = undefined;
      this.pool.assign(this, false);
      return;
    }
    this.fail(error);
  }

  fail(error: Error): void {
    if (this.settled) return;
    this.settled = true;
    if (this.headerTimer) clearTimeout(this.headerTimer);
    this.handler.onError(error);
  }
}

/**
 * Backend sockets, TCP and TLS, read into this one buffer (`onread`) and the parser runs on it at once:
 * no 64 KiB allocation per read, no zero-filled exact-size copy by Node, no Readable stream machinery per
 * chunk. Nothing may keep a view of it past the read: heads become strings, body chunks are copied out
 * (`Exchange.onBody`), a partial head or trailer is copied into the parser's own buffer.
 */
const SHARED_READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** A copy in memory that is not zero-filled first (it is overwritten at once). */
function copyOf(chunk: Buffer): Buffer {
  const copy = Buffer.allocUnsafe(chunk.length);
  chunk.copy(copy);
  return copy;
}

class Connection {
  readonly socket: Socket;
  private readonly parser: ResponseParser;
  private exchange: Exchange | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private reused = false;
  /** Set while a streamed request body is still being copied to the socket. */
  private stopBody: (() => void) | undefined;
  isDead = false;

  constructor(private readonly pool: OriginPool) {
    const options = pool.options;
    this.parser = new ResponseParser(options.responseHead, options.peer);
    const common = { host: pool.hostname, port: pool.port };
    const onread = { buffer: SHARED_READ_BUFFER, callback: (length: number) => this.onSharedRead(length) };
    this.socket = pool.isTls
      ? // tls.connect hands `onread` on to its TLSSocket (Node 20, lib/_tls_wrap.js); @types/node omits it.
        connectTls({ ...common, servername: isIp(pool.hostname) ? '' : pool.hostname, ALPNProtocols: ['http/1.1'], ...options.tls, onread } as TlsOptions)
      : connectTcp({ ...common, onread });
    this.socket.setNoDelay(true);
    if (options.keepAliveProbeMs > 0) this.socket.setKeepAlive(true, options.keepAliveProbeMs);
    if (options.connectTimeoutMs > 0) this.socket.setTimeout(options.connectTimeoutMs);
    this.socket.once(pool.isTls ? 'secureConnect' : 'connect', () => this.socket.setTimeout(0));
    this.socket.on('end', () => this.onEnd());
    this.socket.on('error', (error: Error) => this.onClose(wrapSocketError(error, options.peer ?? DEFAULT_PEER)));
    this.socket.on('close', () => this.onClose(new HttpClientError('PRT_ERR_BACKEND_CLOSED', `${options.peer ?? DEFAULT_PEER} closed the connection`)));
    this.socket.on('timeout', () => this.onTimeout());
  }

  start(exchange: Exchange, reused: boolean): void {
    if (this.idleTimer) {
      clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
    }
    this.reused = reused;
    this.exchange = exchange;
    exchange.connection = this;
    this.parser.reset(exchange, exchange.request.method === 'HEAD');
    this.write(exchange.request);
    exchange.armHeaderTimeout();
  }

  markIdle(): void {
    this.exchange = undefined;
    // A paused socket (backpressure on the last chunk) must not be handed to the next request.
    this.socket.resume();
    const timeoutMs = this.pool.options.idleTimeoutMs;
    if (timeoutMs > 0) this.idleTimer = setTimeout(() => this.destroy(), timeoutMs);
  }

  destroy(): void {
    if (this.isDead) return;
    this.isDead = true;
    this.stopBody?.();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.pool.forget(this);
    this.socket.destroy();
  }

  private write(request: OutgoingRequest): void {
    const socket = this.socket;
    const hostLine = request.host === undefined ? this.pool.hostHeader : `Host: ${request.host.replace(/[\r\n\0]/g, '')}\r\n`;
    let head = `${request.method} ${request.target} HTTP/1.1\r\n${hostLine}${request.headerLines}`;
    if (this.pool.options.disableKeepAlives) head += 'Connection: close\r\n';
    const body = request.body;
    if (body === null) {
      socket.write(needsEmptyLength(request.method) ? `${head}Content-Length: 0\r\n\r\n` : `${head}\r\n`, 'latin1');
    } else if (Buffer.isBuffer(body)) {
      socket.cork();
      socket.write(`${head}Content-Length: ${body.length}\r\n\r\n`, 'latin1');
      if (body.length > 0) socket.write(body);
      socket.uncork();
    } else {
      this.pipeBody(head, body, request.bodyLength);
    }
  }

  private pipeBody(head: string, body: Readable, length: number | undefined): void {
    const socket = this.socket;
    const chunked = length === undefined;
    socket.write(chunked ? `${head}Transfer-Encoding: chunked\r\n\r\n` : `${head}Content-Length: ${length}\r\n\r\n`, 'latin1');
    let active = true;
    const onDrain = (): void => {
      if (active) body.resume();
    };
    const onData = (chunk: Buffer): void => {
      if (chunk.length === 0) return;
      let ok: boolean;
      if (chunked) {
        // Size line, data and CRLF always go out together: a full buffer must not drop part of a chunk.
        socket.cork();
        socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
        socket.write(chunk);
        ok = socket.write('\r\n', 'latin1');
        socket.uncork();
      } else ok = socket.write(chunk);
      if (!ok) {
        body.pause();
        socket.once('drain', onDrain);
      }
    };
    const stop = (): void => {
      active = false;
      this.stopBody = undefined;
      body.off('data', onData);
      socket.off('drain', onDrain);
    };
    const onEnd = (): void => {
      if (!active) return;
      stop();
      if (chunked) socket.write('0\r\n\r\n', 'latin1');
    };
    const onError = (error: Error): void => {
      if (!active) return;
      const exchange = this.exchange;
      stop();
      exchange?.abort(new HttpClientError('PRT_ERR_CLIENT_BODY', 'the client request body failed', { cause: error }));
    };
    // The backend answered (or the exchange ended) before the body was sent: stop copying and let the
    // rest of the client's body drain, as Node does for bodies nobody reads.
    this.stopBody = () => {
      stop();
      body.resume();
    };
    body.on('data', onData);
    body.once('end', onEnd);
    body.once('error', onError);
    body.once('aborted', () => onError(new Error('client aborted')));
  }

  /** net's `onread` callback: true keeps reading (backpressure pauses the socket itself). */
  private onSharedRead(length: number): boolean {
    this.onData(SHARED_READ_BUFFER.subarray(0, length));
    return true;
  }

  private onData(data: Buffer): void {
    const exchange = this.exchange;
    if (exchange === undefined) {
      // Bytes on an idle connection: the backend broke the protocol; never reuse it.
      this.destroy();
      return;
    }
    try {
      this.parser.execute(data);
    } catch (error) {
      this.exchange = undefined;
      this.destroy();
      exchange.fail(error as Error);
      return;
    }
  }

  responseDone(exchange: Exchange): void {
    if (this.exchange !== exchange) return;
    this.exchange = undefined;
    // A request body still being written would interleave with the next request on this connection.
    if (this.parser.keepAlive && this.stopBody === undefined) this.pool.release(this);
    else this.destroy();
  }

  private onEnd(): void {
    const exchange = this.exchange;
    if (exchange === undefined) {
      this.destroy();
      return;
    }
    try {
      this.parser.end();
    } catch (error) {
      this.exchange = undefined;
      this.destroy();
      exchange.transportFailed(error as Error, this.reused);
    }
  }

  private onClose(error: Error): void {
    const exchange = this.exchange;
    this.exchange = undefined;
    this.destroy();
    if (exchange !== undefined) {
      // Only a clean close ends a close-delimited body (that path is `onEnd`); a reset cuts it.
      if (this.parser.isCloseDelimited && (error as HttpClientError).code !== 'PRT_ERR_BACKEND_CLOSED') {
        exchange.transportFailed(error, this.reused);
        return;
      }
      try {
        this.parser.end();
      } catch (parseError) {
        exchange.transportFailed((error as HttpClientError).code === 'PRT_ERR_BACKEND_CLOSED' ? (parseError as Error) : error, this.reused);
        return;
      }
      if (!this.parser.isDone) exchange.transportFailed(error, this.reused);
    }
  }

  private onTimeout(): void {
    const exchange = this.exchange;
    this.exchange = undefined;
    this.destroy();
    exchange?.fail(new HttpClientError('PRT_ERR_BACKEND_CONNECT', `could not connect to ${this.pool.origin} within ${this.pool.options.connectTimeoutMs} ms`));
  }
}

function needsEmptyLength(method: string): boolean {
  return method === 'POST' || method === 'PUT' || method === 'PATCH';
}

function isIp(hostname: string): boolean {
  return /^[\d.]+$/.test(hostname) || hostname.includes(':');
}

function wrapSocketError(error: Error, peer: string): HttpClientError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    return new HttpClientError('PRT_ERR_BACKEND_CONNECT', `cannot connect to ${peer}: ${code}`, { cause: error });
  }
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    return new HttpClientError('PRT_ERR_BACKEND_RESET', `${peer} reset the connection`, { cause: error });
  }
  return new HttpClientError('PRT_ERR_BACKEND_IO', error.message, { cause: error });
}
