/**
 * Request framing the gateway refuses before any middleware or backend sees the request, with a bare 400
 * and a closed connection:
 * - a `Transfer-Encoding` on an HTTP/1.0 request (RFC 9112 §6.1: faulty framing; Node accepts it);
 * - more than one `Host` header;
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
    const badFraming = transferEncoding !== undefined && (request.httpVersionMinor === 0 || transferEncoding.toLowerCase() !== 'chunked');
    // RFC 9112 §3.2: more than one Host is a 400 (Go refuses it too); proxies and caches could disagree on which one counts.
    if (badFraming || hasRepeatedHost(request.rawHeaders)) {
      response.shouldKeepAlive = false;
      response.writeHead(400, ['Connection', 'close', 'Content-Length', '0']);
      response.end();
      // The request cannot be trusted: do not read its body, drop the connection once the answer is out.
      response.once('finish', () => request.socket.destroySoon());
      return;
    }
    next(request, response);
  };
}

function hasRepeatedHost(rawHeaders: string[]): boolean {
  let seen = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    if (name.length === 4 && name.toLowerCase() === 'host') {
      if (seen) return true;
      seen = true;
    }
  }
  return false;
}
