/**
 * WebSocket test servers and clients on 127.0.0.1 (the `ws` library): a backend whose behaviour each test
 * chooses per path, and small awaitable helpers for the client side.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import type { ClientOptions, RawData } from 'ws';

export interface WebSocketBackend {
  port: number;
  /** `ws://127.0.0.1:<port>` */
  url: string;
  /** Upgrade requests that reached the backend, in order. */
  readonly handshakes: IncomingMessage[];
  close(): Promise<void>;
}

export type SessionHandler = (socket: WebSocket, request: IncomingMessage) => void;

/** `handler` gets each accepted connection; `protocols` are accepted in the backend's preference order. */
export async function startWebSocketBackend(handler: SessionHandler, options: { protocols?: string[]; maxPayload?: number } = {}): Promise<WebSocketBackend> {
  const server = createServer((_request, response) => {
    response.writeHead(404, { 'Content-Length': '0' });
    response.end();
  });
  const handshakes: IncomingMessage[] = [];
  const wss = new WebSocketServer({
    server,
    perMessageDeflate: false,
    maxPayload: options.maxPayload ?? 100 << 20,
    handleProtocols: (offered) => options.protocols?.find((name) => offered.has(name)) ?? false,
  });
  wss.on('headers', (_headers, request) => handshakes.push(request));
  wss.on('connection', (socket, request) => {
    socket.on('error', () => undefined);
    handler(socket, request);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `ws://127.0.0.1:${port}`,
    handshakes,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Echoes every message with its type. */
export const echo: SessionHandler = (socket) => socket.on('message', (data: RawData, isBinary: boolean) => socket.send(data as Buffer, { binary: isBinary }));

/** Opens a client; resolves once open, rejects with the HTTP status when the upgrade is refused. */
export function connect(url: string, options: ClientOptions & { protocols?: string[]; queue?: boolean } = {}): Promise<WebSocket> {
  const { protocols, queue, ...rest } = options;
  const socket = new WebSocket(url, protocols ?? [], { perMessageDeflate: false, ...rest });
  // `queue: false` for floods: the test counts messages itself and nothing keeps them.
  if (queue !== false) queueMessages(socket);
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_request, response) => {
      response.resume();
      reject(Object.assign(new Error(`upgrade refused: ${response.statusCode ?? 0}`), { statusCode: response.statusCode, headers: response.headers }));
    });
    socket.once('error', reject);
  });
}

interface Received {
  data: Buffer;
  isBinary: boolean;
}
const queues = new WeakMap<WebSocket, { messages: Received[]; waiting: ((message: Received) => void)[] }>();

/** Keeps messages from the first one on (one may arrive with the handshake, before anyone awaits it). */
function queueMessages(socket: WebSocket): void {
  const queue = { messages: [] as Received[], waiting: [] as ((message: Received) => void)[] };
  queues.set(socket, queue);
  socket.on('message', (data: RawData, isBinary: boolean) => {
    const message = { data: data as Buffer, isBinary };
    const waiter = queue.waiting.shift();
    if (waiter) waiter(message);
    else queue.messages.push(message);
  });
}

/** The next message of a socket opened with `connect`. */
export function nextMessage(socket: WebSocket): Promise<Received> {
  const queue = queues.get(socket);
  if (queue === undefined) throw new Error('nextMessage needs a socket opened with connect()');
  const ready = queue.messages.shift();
  if (ready) return Promise.resolve(ready);
  return new Promise((resolve) => queue.waiting.push(resolve));
}

export function closed(socket: WebSocket): Promise<{ code: number; reason: string }> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve({ code: -1, reason: 'already closed' });
  return new Promise((resolve) => socket.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })));
}
