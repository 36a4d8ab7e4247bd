import type { IncomingMessage } from 'node:http';
import { GatewayError } from './errors.js';

/** Reads a request body into memory, refusing more than `maxBytes` with a 413. */
export function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const declared = Number(request.headers['content-length'] ?? -1);
    if (declared > maxBytes) {
      reject(Object.assign(new GatewayError('PRT_ERR_BODY_TOO_LARGE', `the request body exceeds ${maxBytes} bytes`), { statusCode: 413 }));
      request.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(Object.assign(new GatewayError('PRT_ERR_BODY_TOO_LARGE', `the request body exceeds ${maxBytes} bytes`), { statusCode: 413 }));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.once('end', () => resolve(Buffer.concat(chunks, size)));
    request.once('error', (error) => reject(Object.assign(new GatewayError('PRT_ERR_CLIENT_BODY', 'reading the request body failed', { cause: error }), { statusCode: 400 })));
  });
}
