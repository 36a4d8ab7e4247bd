/**
 * HTTP upgrade requests (`Connection: Upgrade`) reach the same pipeline as every other request. Node hands
 * them to the server's `upgrade` event with the raw socket, and no longer to the request listener, once any
 * `upgrade` listener exists (Node 20 cannot choose per request). So the gateway listens only while some
 * endpoint accepts WebSockets, and then serves each upgrade request as an ordinary request on a response
 * bound to its socket: service and endpoint middlewares (CORS, bot detector, JWT, rate limits) run as for
 * any request, and an endpoint without the `websocket` namespace answers it as before (without switching
 * protocols), on a connection closed afterwards. The `websocket` endpoint handler takes the socket over.
 */
import { ServerResponse } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

export interface PendingUpgrade {
  socket: Duplex;
  /** Bytes the client sent after the request head. */
  head: Buffer;
}

const pending = new WeakMap<IncomingMessage, PendingUpgrade>();

/** The raw socket of an upgrade request, taken once by the handler that switches protocols. */
export function takeUpgrade(request: IncomingMessage): PendingUpgrade | undefined {
  const upgrade = pending.get(request);
  if (upgrade !== undefined) pending.delete(request);
  return upgrade;
}

/**
 * Serves an upgrade request through `listener` as an ordinary request. The response is bound to the raw
 * socket and asks for `Connection: close`: after an answer that is not a protocol switch, the socket ends.
 */
export function serveUpgradeAsRequest(request: IncomingMessage, socket: Duplex, head: Buffer, listener: (request: IncomingMessage, response: ServerResponse) => void): void {
  socket.on('error', () => socket.destroy());
  afterEarlierAnswers(socket, () => serveQueuedUpgrade(request, socket, head, listener));
}

/**
 * Runs `then` once no answer to a request pipelined before the upgrade is being written on the socket:
 * answers go in order (Go's server reads the next request only after answering the current one).
 */
function afterEarlierAnswers(socket: Duplex, then: () => void): void {
  const earlier = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (earlier) earlier.once('finish', () => afterEarlierAnswers(socket, then));
  else then();
}

function serveQueuedUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, listener: (request: IncomingMessage, response: ServerResponse) => void): void {
  if (socket.destroyed) return;
  pending.set(request, { socket, head });
  const response = new ServerResponse(request);
  response.shouldKeepAlive = false;
  response.assignSocket(socket as never);
  response.once('finish', () => socket.end());
  if (request.headers['transfer-encoding'] !== undefined) {
    // A chunked body after an upgrade head is not parsed here: refused rather than forwarded empty.
    response.writeHead(400, ['Content-Length', '0']);
    response.end();
    return;
  }
  feedBody(request, socket, head);
  listener(request, response);
}

/**
 * Node's parser stops reading at the head of an upgrade request: its body (a `Content-Length` one; an
 * HTTP/1.1 upgrade such as h2c may carry one) is fed to the request from the socket here, so an endpoint
 * that answers it as an ordinary request reads it as usual. The handler that switches protocols refuses
 * a request with a body before it takes the socket.
 */
function feedBody(request: IncomingMessage, socket: Duplex, head: Buffer): void {
  let remaining = Number(request.headers['content-length'] ?? 0);
  if (!Number.isSafeInteger(remaining) || remaining <= 0) {
    request.push(null);
    return;
  }
  const feed = (chunk: Buffer): void => {
    const part = chunk.length > remaining ? chunk.subarray(0, remaining) : chunk;
    remaining -= part.length;
    if (part.length > 0) request.push(part);
    if (remaining === 0) {
      socket.off('data', feed);
      request.push(null);
    }
  };
  if (head.length > 0) feed(head);
  if (remaining > 0) socket.on('data', feed);
}
