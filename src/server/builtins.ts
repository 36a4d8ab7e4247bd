/** The gateway's own endpoints: `/__health`, `/__debug/*`, `/__echo/*`. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { canonicalHeaderName } from '../config/headers.js';
import { renderJson } from '../render/json.js';
import type { Logger } from '../core/logger.js';

const JSON_TYPE = 'application/json; charset=utf-8';

function writeJson(response: ServerResponse, body: string, extraHeaders: string[] = []): void {
  response.writeHead(200, ['Content-Type', JSON_TYPE, ...extraHeaders, 'Content-Length', String(Buffer.byteLength(body))]);
  response.end(body);
}

/** Go's `time.Time.String()` shape, which KrakenD's health endpoint prints. */
export function goTime(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000000 +0000 UTC`;
}

export function healthHandler(agents: () => Record<string, string>) {
  return function health(_request: IncomingMessage, response: ServerResponse): void {
    writeJson(response, renderJson({ agents: agents(), now: goTime(new Date()), status: 'ok' }));
  };
}

export function debugHandler(logger: Logger) {
  return function debug(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.length < 64 && chunks.push(chunk));
    request.once('end', () => {
      if (logger.level === 'debug') {
        logger.debug(`[ENDPOINT: /__debug/*] Method: ${request.method ?? ''}`);
        logger.debug(`[ENDPOINT: /__debug/*] URL: ${request.url ?? ''}`);
        logger.debug(`[ENDPOINT: /__debug/*] Headers: ${JSON.stringify(request.headers)}`);
        logger.debug(`[ENDPOINT: /__debug/*] Body: ${Buffer.concat(chunks).toString('utf8')}`);
      }
      writeJson(response, '{"message":"pong"}');
    });
  };
}

export function echoHandler() {
  return function echo(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= 1 << 20) chunks.push(chunk);
    });
    request.once('end', () => {
      const url = new URL(request.url ?? '/', 'http://gateway');
      const query: Record<string, string[]> = {};
      for (const [key, value] of url.searchParams) (query[key] ??= []).push(value);
      const headers: Record<string, string[]> = {};
      for (let i = 0; i < request.rawHeaders.length; i += 2) {
        const name = canonicalHeaderName(request.rawHeaders[i] as string);
        if (name === 'Host') continue;
        (headers[name] ??= []).push(request.rawHeaders[i + 1] as string);
      }
      writeJson(
        response,
        renderJson({
          req_body: Buffer.concat(chunks).toString('utf8'),
          req_headers: headers,
          req_method: request.method,
          req_querystring: query,
          req_uri: request.url,
          req_uri_details: { fragment: '', host: request.headers.host ?? '', path: url.pathname, query: url.searchParams.toString(), scheme: '', user: '' },
        }),
      );
    });
  };
}
