/**
 * Request framing Node's parser lets through but RFC 9112 §6.1 calls faulty: a `Transfer-Encoding` on an
 * HTTP/1.0 request (an HTTP/1.0 peer or proxy cannot frame it, the classic request-smuggling vector).
 * Such a request gets a bare 400 and a closed connection, before any middleware or backend sees it.
 * Node itself already refuses `Content-Length` together with `Transfer-Encoding`, repeated lengths and
 * malformed chunk sizes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

type Listener = (request: IncomingMessage, response: ServerResponse) => void;

export function rejectAmbiguousFraming(next: Listener): Listener {
  return function checkFraming(request, response) {
    if (request.httpVersionMinor === 0 && request.httpVersionMajor === 1 && request.headers['transfer-encoding'] !== undefined) {
      response.shouldKeepAlive = false;
      response.writeHead(400, ['Connection', 'close', 'Content-Length', '0']);
      response.end();
      // The body's framing cannot be trusted: do not read it, drop the connection once the answer is out.
      response.once('finish', () => request.socket.destroySoon());
      return;
    }
    next(request, response);
  };
}
