/**
 * A mock backend that behaves like the one KrakenD CE's integration suite starts (tests/integration.go):
 * same routes, same payloads, and Go's conventions (canonical header names, sorted keys, HTML-escaped
 * JSON with a trailing newline, Go's 404 text). Written for Portico; it lets KrakenD's own specs run
 * against Portico unchanged.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { canonicalHeaderName } from '../../src/config/headers.js';
import { renderJson } from '../../src/render/json.js';

export interface MockBackendOptions {
  /** Delay of `/delayed/` (KrakenD's default: 200 ms). */
  delayMs?: number;
}

/** Go's `json.Encoder.Encode`: sorted keys, HTML escaping, trailing newline. */
function goJson(value: unknown): string {
  return `${renderJson(value)}\n`;
}

/** Go's `http.Error`. */
function goError(response: ServerResponse, message: string, status: number): void {
  const body = `${message}\n`;
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}

function goHeaders(request: IncomingMessage): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    const name = canonicalHeaderName(request.rawHeaders[i] as string);
    // Go's server moves these out of Request.Header.
    if (name === 'Host' || name === 'Transfer-Encoding') continue;
    (headers[name] ??= []).push(request.rawHeaders[i + 1] as string);
  }
  return headers;
}

function goQuery(url: URL): Record<string, string[]> {
  const query: Record<string, string[]> = {};
  for (const [key, value] of url.searchParams) (query[key] ??= []).push(value);
  return query;
}

function isLoopback(address: string | undefined): boolean {
  if (!address || isIP(address) === 0) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function echo(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
  const headers = goHeaders(request);
  delete headers['X-Forwarded-For'];
  const payload: Record<string, unknown> = { foo: 42, headers, path: url.pathname, query: goQuery(url) };
  if (url.searchParams.get('dump_body') === '1') payload['body'] = await readBody(request);
  const body = goJson(payload);
  response.writeHead(200, [
    'Content-Type', 'application/json',
    'Set-Cookie', 'test1=test1',
    'Set-Cookie', 'test2=test2',
    'Content-Length', String(Buffer.byteLength(body)),
  ]);
  response.end(body);
}

function collection(response: ServerResponse, url: URL): void {
  const items = Array.from({ length: 10 }, (_, i) => ({ i, path: url.pathname }));
  const body = goJson(items);
  response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}

const XML_BODY = `<?xml version="1.0" encoding="UTF-8"?>
<user type="admin">
  <name>Elliot</name>
  <social>
    <facebook>https://facebook.com</facebook>
    <twitter>https://twitter.com</twitter>
    <youtube>https://youtube.com</youtube>
  </social>
</user>`;

/** The symmetric key KrakenD's published JWT specs are signed with (kid sim2); a test vector, served as their mock does. */
const SYMMETRIC_JWK = `{
  "keys": [
    {
      "kty": "oct",
      "alg": "A128KW",
      "k": "GawgguFyGrWKav7AX4VKUg",
      "kid": "sim1"
    },
    {
      "kty": "oct",
      "k": "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow",
      "kid": "sim2",
      "alg": "HS256"
    }
  ]
}`;

/** Go's `http.Redirect` to a relative URL: 3xx, Location, and a short HTML body for GET. */
function redirect(request: IncomingMessage, response: ServerResponse, url: URL): void {
  const status = url.searchParams.get('status');
  const code = status === null ? 301 : Number.parseInt(status, 10);
  if (Number.isNaN(code)) {
    goError(response, `strconv.Atoi: parsing ${JSON.stringify(status)}: invalid syntax`, 400);
    return;
  }
  const location = `/param_forwarding/${url.search}`;
  const headers: Record<string, string | number> = { Location: location };
  let body = '';
  if (request.method === 'GET' || request.method === 'HEAD') {
    headers['Content-Type'] = 'text/html; charset=utf-8';
    body = `<a href="${location.replace(/&/g, '&amp;')}">${statusText(code)}</a>.\n\n`;
  }
  headers['Content-Length'] = Buffer.byteLength(body);
  response.writeHead(code, headers);
  response.end(request.method === 'HEAD' ? undefined : body);
}

function statusText(code: number): string {
  return { 301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 307: 'Temporary Redirect', 308: 'Permanent Redirect' }[code] ?? '';
}

export function createMockBackend(options: MockBackendOptions = {}): Server {
  const delayMs = options.delayMs ?? 200;
  return createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://mock');
    const path = url.pathname;
    // Every route but the JWK one checks that the gateway sent the caller's loopback address (integration.go).
    const needsForwardedFor = !path.startsWith('/jwk/');
    // Go's ServeMux: a subtree pattern ("/x/") answers its bare path ("/x") with a redirect to it.
    if (['/param_forwarding', '/collection', '/delayed', '/redirect'].includes(path)) {
      const location = `${path}/${url.search}`;
      const body = request.method === 'GET' ? `<a href="${location}">Moved Permanently</a>.\n\n` : '';
      response.writeHead(301, { Location: location, ...(request.method === 'GET' || request.method === 'HEAD' ? { 'Content-Type': 'text/html; charset=utf-8' } : {}), 'Content-Length': Buffer.byteLength(body) });
      response.end(body);
      return;
    }
    const known = path.startsWith('/param_forwarding/') || path === '/xml' || path.startsWith('/collection/') || path.startsWith('/delayed/') || path.startsWith('/redirect/') || path === '/jwk/symmetric';
    if (!known) {
      goError(response, '404 page not found', 404);
      return;
    }
    if (needsForwardedFor && !isLoopback(request.headers['x-forwarded-for'] as string | undefined)) {
      goError(response, 'invalid X-Forwarded-For', 400);
      return;
    }
    if (path.startsWith('/param_forwarding/')) void echo(request, response, url);
    else if (path === '/xml') {
      response.writeHead(200, { 'Content-Type': 'application/xml; charset=utf-8', 'Content-Length': Buffer.byteLength(XML_BODY) });
      response.end(XML_BODY);
    } else if (path.startsWith('/collection/')) collection(response, url);
    else if (path.startsWith('/delayed/')) setTimeout(() => void echo(request, response, url), delayMs);
    else if (path.startsWith('/redirect/')) redirect(request, response, url);
    else {
      response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(SYMMETRIC_JWK) });
      response.end(SYMMETRIC_JWK);
    }
  });
}
