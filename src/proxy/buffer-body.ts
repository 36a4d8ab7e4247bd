/**
 * Components that read the client's body (JSON Schema validation, Lua's `request:body()`) need it in
 * memory. Endpoints with several backends already buffer it; single-backend endpoints hand the client's
 * stream down. This reads such a stream once, bounded, and leaves the buffer on the request so the
 * layers below (and the backend call) use it instead of the spent stream.
 */
import type { IncomingMessage } from 'node:http';
import { readBody } from '../core/request-body.js';
import type { Cancellation } from '../core/cancellation.js';
import type { ProxyRequest } from './types.js';

/** Bound on a client body a component buffers, the same as the endpoint handler's default. */
export const MAX_BUFFERED_BODY_BYTES = 10 << 20;

/**
 * The request body as a Buffer (`null` when the client sent none). A streamed body is read here and
 * replaces `request.body`. Rejects with a 413 when the body is too large, and with the cancellation's
 * reason when the request is cancelled (timeout, client gone) while the body is still arriving.
 */
export function bufferRequestBody(request: ProxyRequest, cancel: Cancellation, maxBytes = MAX_BUFFERED_BODY_BYTES): Promise<Buffer | null> {
  const body = request.body;
  if (body === null || Buffer.isBuffer(body)) return Promise.resolve(body);
  return new Promise<Buffer | null>((resolve, reject) => {
    const ticket = cancel.on(reject);
    readBody(body as IncomingMessage, maxBytes).then(
      (buffer) => {
        cancel.off(ticket);
        request.body = buffer;
        // The length is now known; it travels only where the endpoint forwards one (see endpoint-handler).
        if (request.bodyLength !== undefined) request.bodyLength = buffer.length;
        resolve(buffer);
      },
      (error: Error) => {
        cancel.off(ticket);
        reject(error);
      },
    );
  });
}
