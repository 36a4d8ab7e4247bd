/**
 * The plain HTTP/1.1 listener. It parses with Node's own llhttp parser (the one node:http runs, with the
 * same strict settings, so request smuggling, framing and header-size checks are llhttp's) on a `net`
 * socket, and hands the pipeline Node's own IncomingMessage and ServerResponse; what it leaves out is
 * node:http's per-request bookkeeping: a connection list updated at each message's start and end, socket
 * timers re-armed per request, and a drain of every unread (empty) request body. Deadlines (headers,
 * whole request, keep-alive idle) are checked by one sweep over the connections every
 * `checkIntervalMs`, as node:http's `connectionsCheckingInterval` does. The bench measured the difference
 * (README, *Performance*).
 *
 * The parser and a few ServerResponse members are Node internals; `createHttp1Server` returns undefined
 * when this Node lacks them, and the caller falls back to node:http.
 */
import net from 'node:net';
import type { Socket } from 'node:net';
import { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';

export interface Http1Limits {
  maxHeaderSize: number;
  headersTimeoutMs: number;
  /** 0: no bound on reading a whole request. */
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  checkIntervalMs: number;
}

export type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

type Callback = (...args: never[]) => unknown;
interface Parser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  consume(handle: unknown): void;
  unconsume(): void;
  finish(): number | ParseError | undefined;
  pause(): void;
  resume(): void;
  close(): void;
  /** Milliseconds since the message in progress began; 0 between messages. */
  duration(): number;
  headersCompleted(): boolean;
  getCurrentBuffer(): Buffer;
  [slot: number]: Callback | undefined;
}
interface ParserClass {
  new (): Parser;
  REQUEST: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
  kOnExecute: number;
}
type ParseError = Error & { code?: string };

/** The internal members this server drives, checked once. */
interface Internals {
  Parser: ParserClass;
  methods: readonly string[];
  needDrain: symbol;
}

/** Fields of IncomingMessage, ServerResponse and net.Socket that node:http sets and this server must too. */
type Request = IncomingMessage & { upgrade: boolean; _addHeaderLines(headers: string[], count: number): void; _dump(): void; _dumped: boolean; _consuming: boolean };
type Response = ServerResponse & {
  _keepAliveTimeout: number;
  _last: boolean;
  _closed: boolean;
  _expect_continue: boolean;
  assignSocket(socket: Socket): void;
  detachSocket(socket: Socket): void;
  [key: symbol]: unknown;
};
type ServedSocket = Socket & { _paused: boolean; _httpMessage: Response | null; _handle: { reading: boolean; readStart(): void; readStop(): void } | null };

let internals: Internals | null | undefined;

function loadInternals(): Internals | null {
  try {
    const common = createRequire(import.meta.url)('_http_common') as { HTTPParser?: ParserClass; methods?: string[] };
    const Parser = common.HTTPParser;
    const request = IncomingMessage.prototype as Partial<Request>;
    const response = ServerResponse.prototype as Partial<Response>;
    if (typeof Parser !== 'function' || !Array.isArray(common.methods)) return null;
    for (const method of ['consume', 'unconsume', 'duration', 'headersCompleted', 'getCurrentBuffer'] as const) {
      if (typeof Parser.prototype[method] !== 'function') return null;
    }
    if (typeof request._addHeaderLines !== 'function' || typeof request._dump !== 'function') return null;
    if (typeof response.assignSocket !== 'function' || typeof response.detachSocket !== 'function') return null;
    // OutgoingMessage marks a write that filled the socket with this symbol; the server clears it and
    // emits the response's 'drain' (node:http does so in its socket's drain handler).
    const probe = new ServerResponse(new IncomingMessage(new net.Socket()));
    const needDrain = Object.getOwnPropertySymbols(probe).find((symbol) => symbol.description === 'kNeedDrain');
    if (needDrain === undefined) return null;
    return { Parser, methods: common.methods, needDrain };
  } catch {
    return null;
  }
}

// Node's canned answers for a request that cannot be parsed or came too slowly (node:http's own).
const BAD_REQUEST = Buffer.from('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n', 'latin1');
const HEADERS_TOO_LARGE = Buffer.from('HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n', 'latin1');
const CHUNK_EXTENSIONS_TOO_LARGE = Buffer.from('HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\n\r\n', 'latin1');
const REQUEST_TIMEOUT = Buffer.from('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n', 'latin1');
const CONTINUE_EXPECTATION = /(?:^|\W)100-continue(?:$|\W)/i;
/** node:http's default cap on header lines (maxHeadersCount 2000), as name/value entries. */
const MAX_HEADER_ENTRIES = 4000;
/**
 * A keep-alive connection is closed this long after the `Keep-Alive: timeout` it was promised, so a client
 * reusing it right at that limit does not meet a closing socket (node:http's keepAliveTimeoutBuffer).
 */
const KEEP_ALIVE_GRACE_MS = 1_000;
/** Pipelined requests served at once on one connection; reading pauses beyond this. */
const MAX_PIPELINED = 16;
// Returned from the headers callback: llhttp treats the message as an upgrade, without a body.
const SKIP_BODY_AS_UPGRADE = 2;

/**
 * An HTTP/1.1 server with node:http's events and methods the gateway uses ('connection', 'upgrade',
 * `closeAllConnections`); undefined when this Node lacks the internals it drives.
 */
export function createHttp1Server(limits: Http1Limits, listener: RequestListener): Http1Server | undefined {
  if (internals === undefined) internals = loadInternals();
  return internals === null ? undefined : new Http1Server(internals, limits, listener);
}

export class Http1Server extends net.Server {
  private readonly clients = new Set<Connection>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    readonly internals: Internals,
    readonly limits: Http1Limits,
    readonly listener: RequestListener,
  ) {
    super({ noDelay: true });
    this.on('connection', (socket: Socket) => {
      const connection = new Connection(this, socket as ServedSocket);
      this.clients.add(connection);
      socket.once('close', () => this.clients.delete(connection));
    });
    this.on('listening', () => {
      this.sweeper = setInterval(() => this.sweep(), limits.checkIntervalMs);
      this.sweeper.unref();
    });
    this.on('close', () => clearInterval(this.sweeper));
  }

  forget(connection: Connection): void {
    this.clients.delete(connection);
  }

  closeAllConnections(): void {
    for (const connection of this.clients) connection.socket.destroy();
  }

  private sweep(): void {
    const now = performance.now();
    for (const connection of this.clients) connection.checkDeadlines(now);
  }
}

/** One client connection: its parser, the requests it has sent, and their answers in order. */
class Connection {
  private readonly parser: Parser;
  /** Requests whose answers have not finished, oldest first (pipelining answers in order). */
  private readonly pending: Request[] = [];
  /** Answers waiting for the socket while an earlier one is still being written. */
  private readonly queued: Response[] = [];
  /** The request whose head or body the parser is reading. */
  private reading: Request | undefined;
  private headerPairs: string[] = [];
  private url = '';
  /** An upgrade or CONNECT request, handed over with its socket once the parser has read its head. */
  private upgrading: Request | undefined;
  private readonly connectedAt = performance.now();
  /** When the last answer finished with none left to write. */
  private idleSince = this.connectedAt;
  /** When the socket last delivered bytes. */
  private lastReadAt = this.connectedAt;
  /** The parser's clock is meaningless until its first message begins. */
  private hasRead = false;
  private released = false;

  constructor(
    private readonly server: Http1Server,
    readonly socket: ServedSocket,
  ) {
    const connection = this;
    this.onFinish = function (this: Response) {
      connection.finished(this);
    };
    const { Parser } = server.internals;
    const parser = new Parser();
    this.parser = parser;
    parser.initialize(Parser.REQUEST, { type: 'HTTPINCOMINGMESSAGE', socket }, server.limits.maxHeaderSize, 0);
    parser[Parser.kOnHeaders] = this.onHeaders as Callback;
    parser[Parser.kOnHeadersComplete] = this.onHeadersComplete as Callback;
    parser[Parser.kOnBody] = this.onBody as Callback;
    parser[Parser.kOnMessageComplete] = this.onMessageComplete as Callback;
    parser[Parser.kOnExecute] = this.onExecute as Callback;
    socket._paused = false;
    socket.on('error', this.onSocketError);
    socket.on('end', this.onEnd);
    socket.on('close', this.onClose);
    socket.on('drain', this.onDrain);
    // The parser reads the socket's handle directly (no 'data' events); pausing the socket must stop the
    // handle itself.
    socket.on('pause', onSocketPause);
    socket.on('resume', onSocketResume);
    parser.consume(socket._handle);
  }

  /**
   * node:http's deadlines. The head and the whole request are timed from the message's first byte (from the
   * connection's start for its first message: a client that connects and says nothing gets 408 at the
   * head's deadline). With no answer left to write, a connection that delivers nothing for the keep-alive
   * timeout closes, whether it sits between requests or stalls inside a body the gateway already answered.
   */
  checkDeadlines(now: number): void {
    if (this.socket.destroyed || this.upgrading !== undefined) return;
    const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs } = this.server.limits;
    const elapsed = this.hasRead ? this.parser.duration() : now - this.connectedAt;
    if (elapsed > 0 && ((!this.parser.headersCompleted() && elapsed > headersTimeoutMs) || (requestTimeoutMs > 0 && elapsed > requestTimeoutMs))) {
      this.fail(REQUEST_TIMEOUT);
      return;
    }
    if (this.hasRead && this.pending.length === 0 && keepAliveTimeoutMs > 0 && now - Math.max(this.idleSince, this.lastReadAt) > keepAliveTimeoutMs + KEEP_ALIVE_GRACE_MS) {
      this.socket.destroy();
    }
  }

  private readonly onHeaders = (headers: string[], url: string): void => {
    // llhttp hands over long heads in parts of 32 header lines.
    for (const entry of headers) this.headerPairs.push(entry);
    this.url += url;
  };

  private readonly onHeadersComplete = (
    major: number,
    minor: number,
    headers: string[] | undefined,
    method: number,
    url: string | undefined,
    _statusCode: unknown,
    _statusMessage: unknown,
    upgrade: boolean,
    keepAlive: boolean,
  ): number => {
    if (headers === undefined) {
      headers = this.headerPairs;
      this.headerPairs = [];
    }
    if (!url) {
      url = this.url;
      this.url = '';
    }
    const socket = this.socket;
    const request = new IncomingMessage(socket) as Request;
    request.httpVersionMajor = major;
    request.httpVersionMinor = minor;
    request.httpVersion = `${major}.${minor}`;
    request.url = url;
    request.method = this.server.internals.methods[method] as string;
    request._addHeaderLines(headers, Math.min(headers.length, MAX_HEADER_ENTRIES));
    this.reading = request;

    if (upgrade && (request.method === 'CONNECT' || this.server.listenerCount('upgrade') > 0)) {
      request.upgrade = true;
      this.upgrading = request;
      return SKIP_BODY_AS_UPGRADE;
    }

    this.pending.push(request);
    // A client pipelining faster than its answers are read waits: reading stops until they drain.
    if (!socket._paused && (socket.writableNeedDrain || this.pending.length > MAX_PIPELINED)) {
      socket._paused = true;
      socket.pause();
    }

    const response = new ServerResponse(request) as unknown as Response;
    response.shouldKeepAlive = keepAlive;
    response._keepAliveTimeout = this.server.limits.keepAliveTimeoutMs;
    if (socket._httpMessage) this.queued.push(response);
    else response.assignSocket(socket);
    response.on('finish', this.onFinish);

    if (major === 1 && minor === 1) {
      // RFC 9112 §3.2: a request without Host gets 400 (node:http's requireHostHeader).
      if (request.headers.host === undefined) {
        response.writeHead(400, ['Connection', 'close']);
        response.end();
        return 0;
      }
      const expect = request.headers.expect;
      if (expect !== undefined) {
        if (!CONTINUE_EXPECTATION.test(expect)) {
          response.writeHead(417);
          response.end();
          return 0;
        }
        response._expect_continue = true;
        response.writeContinue();
      }
    }
    this.server.listener(request, response);
    return 0;
  };

  private readonly onBody = (chunk: Buffer): void => {
    const request = this.reading;
    if (request === undefined || request._dumped) return;
    if (!request.push(chunk)) this.socket.pause();
  };

  private readonly onMessageComplete = (): void => {
    const request = this.reading;
    if (request !== undefined) {
      request.complete = true;
      // Trailers.
      if (this.headerPairs.length > 0) {
        request._addHeaderLines(this.headerPairs, this.headerPairs.length);
        this.headerPairs = [];
        this.url = '';
      }
      request.push(null);
      this.reading = undefined;
    }
    const socket = this.socket;
    if (!socket._paused && socket.readable) socket.resume();
  };

  private readonly onExecute = (result: number | ParseError): void => {
    this.hasRead = true;
    this.lastReadAt = performance.now();
    if (typeof result !== 'number') {
      this.fail(result.code === 'HPE_HEADER_OVERFLOW' ? HEADERS_TOO_LARGE : result.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW' ? CHUNK_EXTENSIONS_TOO_LARGE : BAD_REQUEST);
      return;
    }
    if (this.upgrading !== undefined) this.handOver(this.upgrading, result);
    else if (this.socket._paused) this.parser.pause();
  };

  /** Gives the socket, and the bytes after the head, to the server's 'upgrade' or 'connect' listener. */
  private handOver(request: Request, parsed: number): void {
    const socket = this.socket;
    const buffer = this.parser.getCurrentBuffer();
    this.detach();
    // node:http stops tracking an upgraded socket: closing the server's connections leaves it alone.
    this.server.forget(this);
    const event = request.method === 'CONNECT' ? 'connect' : 'upgrade';
    if (this.server.listenerCount(event) === 0) {
      socket.destroy();
      return;
    }
    (socket as { readableFlowing: boolean | null }).readableFlowing = null;
    this.server.emit(event, request, socket, buffer.subarray(parsed));
  }

  /** Answers a broken or too slow request as node:http does, unless an answer has started, and closes. */
  private fail(answer: Buffer): void {
    const socket = this.socket;
    if (socket.writable && !socket._httpMessage?.headersSent) socket.write(answer);
    socket.destroy();
  }

  /** A response's 'finish' listener (one per connection: the response is `this`). */
  private readonly onFinish: (this: Response) => void;

  /**
   * Hands the socket over (an upgrade): the parser lets go of it. Its 'close' listener stays, so requests
   * pipelined before the upgrade and still being answered are aborted if the socket goes.
   */
  private detach(): void {
    const socket = this.socket;
    socket.removeListener('error', this.onSocketError);
    socket.removeListener('end', this.onEnd);
    socket.removeListener('drain', this.onDrain);
    socket.removeListener('pause', onSocketPause);
    socket.removeListener('resume', onSocketResume);
    this.release();
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    const parser = this.parser;
    parser.unconsume();
    parser.finish();
    // Not from inside one of its own callbacks.
    setImmediate(() => parser.close());
  }

  private readonly onSocketError = (): void => {
    this.socket.destroy();
  };

  private readonly onEnd = (): void => {
    const result = this.parser.finish();
    // Otherwise the socket ends its side too (no half-open connections) and closes: the requests in
    // progress are aborted then, as node:http aborts them and Go cancels their context.
    if (result instanceof Error) this.fail(BAD_REQUEST);
  };

  private readonly onDrain = (): void => {
    const socket = this.socket;
    this.resumeReading();
    const response = socket._httpMessage;
    const needDrain = this.server.internals.needDrain;
    if (response && !response.writableEnded && response[needDrain] === true) {
      response[needDrain] = false;
      response.emit('drain');
    }
  };

  private readonly onClose = (): void => {
    const aborted = new Error('aborted') as ParseError;
    aborted.code = 'ECONNRESET';
    for (const request of this.pending.splice(0)) request.destroy(aborted);
    // Answers still waiting for the socket close with it (the one being written closes through the socket).
    for (const response of this.queued.splice(0)) closeResponse(response);
    this.release();
  };

  /** Called by each response when its last byte is handed to the socket. */
  private finished(response: Response): void {
    const socket = this.socket;
    const request = this.pending.shift();
    // Bytes of an unread body still on the wire are read and dropped, so the next request can follow.
    if (request !== undefined && (!request.complete || request.readableLength > 0) && !request._consuming && !request.readableFlowing) request._dump();
    response.detachSocket(socket);
    process.nextTick(closeResponse, response);
    if (response._last) {
      socket.destroySoon();
      return;
    }
    const next = this.queued.shift();
    if (next !== undefined) next.assignSocket(socket);
    // An upgrade pipelined behind these answers takes the socket once they are written (router/upgrade.ts).
    if (this.upgrading !== undefined) return;
    if (next === undefined) this.idleSince = performance.now();
    if (!socket.writableNeedDrain) this.resumeReading();
  }

  /** Reading resumes once the pipelined requests paused for are few enough again. */
  private resumeReading(): void {
    const socket = this.socket;
    if (!socket._paused || this.pending.length > MAX_PIPELINED) return;
    socket._paused = false;
    this.parser.resume();
    socket.resume();
  }
}

function closeResponse(response: Response): void {
  if (response._closed) return;
  response.destroyed = true;
  response._closed = true;
  response.emit('close');
}

function onSocketPause(this: ServedSocket): void {
  const handle = this._handle;
  if (handle !== null && handle.reading) {
    handle.reading = false;
    handle.readStop();
  }
}

function onSocketResume(this: ServedSocket): void {
  // 'resume' comes a tick late and may follow a pause made since: the pause wins.
  if (this._paused) {
    this.pause();
    return;
  }
  const handle = this._handle;
  if (handle !== null && !handle.reading) {
    handle.reading = true;
    handle.readStart();
  }
}
