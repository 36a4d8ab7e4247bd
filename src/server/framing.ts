/**
 * Request framing the gateway refuses before any middleware or backend sees the request, with a bare 400
 * and a closed connection:
 * - a `Transfer-Encoding` on an HTTP/1.0 request (RFC 9112 §6.1: faulty framing; Node accepts it);
 * - a `Transfer-Encoding` other than plain `chunked` (Node refuses it too, but only after the request was
 *   dispatched, so the backend call would already have started).
 * Node itself refuses `Content-Length` together with `Transfer-Encoding` and repeated lengths before
 * dispatching; malformed chunk sizes are found while the body streams.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

type Listener = (request: IncomingMessage, response: ServerResponse) => void;

export function rejectAmbiguousFraming(next: Listener): Listener {
  return function checkFraming(request, response) {
    const transferEncoding = request.headers['transfer-encoding'];
    if (transferEncoding !== undefined && (request.httpVersionMinor === 0 || transferEncoding.toLowerCase() !== 'chunked')) {
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
