/**
 * KrakenD's `AbortWithStatus` answer for a rejected request (JWT, bot detector, API keys): the status,
 * no body, none of the gateway's `X-Krakend*` headers.
 */
import type { ServerResponse } from 'node:http';

const EMPTY = ['Content-Length', '0'];

export function rejectRequest(response: ServerResponse, statusCode: number, extraHeaders?: readonly string[]): void {
  if (response.headersSent || response.destroyed) return;
  response.writeHead(statusCode, extraHeaders ? [...extraHeaders, ...EMPTY] : EMPTY);
  response.end();
}
