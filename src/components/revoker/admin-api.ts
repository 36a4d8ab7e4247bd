/**
 * The listener that feeds the revocation filter. KrakenD CE serves Go `net/rpc` (gob) on `port`, on every
 * interface and without authentication (`BloomfilterRPC.Add`, `BloomfilterRPC.Check`); Portico serves the
 * same two operations as JSON over HTTP, on 127.0.0.1 unless `listen_ip` says otherwise:
 *
 *   POST /add    {"elems": ["jti-3f2a…", "sub-alice"]}  →  {"count": 2}
 *   POST /check  {"elems": ["jti-3f2a…"]}               →  {"checks": [true]}
 *
 * An element is `<claim>-<value>`, as KrakenD's RPC client builds it. Bodies are bounded; anything else
 * gets 404/405/400/413.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

export const MAX_ADMIN_BODY_BYTES = 1 << 20;

export interface RevocationStore {
  add(elements: string[]): void;
  check(elements: string[]): boolean[];
}

export function createAdminServer(store: RevocationStore): Server {
  const server = createServer((request, response) => {
    const operation = request.url === '/add' ? 'add' : request.url === '/check' ? 'check' : undefined;
    if (operation === undefined) {
      answer(response, 404, { error: 'not found: POST /add or /check' });
      request.resume();
      return;
    }
    if (request.method !== 'POST') {
      response.setHeader('Allow', 'POST');
      answer(response, 405, { error: 'method not allowed' });
      request.resume();
      return;
    }
    readElements(request).then(
      (elements) => {
        if (operation === 'add') {
          store.add(elements);
          answer(response, 200, { count: elements.length });
        } else answer(response, 200, { checks: store.check(elements) });
      },
      (error: AdminError) => answer(response, error.statusCode, { error: error.message }),
    );
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  return server;
}

class AdminError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

function answer(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

function readElements(request: IncomingMessage): Promise<string[]> {
  return new Promise<string[]>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the bound the rest is read and dropped (memory stays bounded; the server's timeouts bound time).
      if (size <= MAX_ADMIN_BODY_BYTES) chunks.push(chunk);
    });
    request.on('error', () => reject(new AdminError(400, 'the body could not be read')));
    request.on('end', () => {
      if (size > MAX_ADMIN_BODY_BYTES) {
        reject(new AdminError(413, `the body exceeds ${MAX_ADMIN_BODY_BYTES} bytes`));
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        reject(new AdminError(400, 'the body is not JSON'));
        return;
      }
      // KrakenD's RPC input is `{Elems [][]byte}`: accept either spelling of the key.
      const record = parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
      const elements = record['elems'] ?? record['Elems'];
      if (!Array.isArray(elements) || !elements.every((element) => typeof element === 'string' && element !== '')) {
        reject(new AdminError(400, 'expected {"elems": ["<claim>-<value>", …]}'));
        return;
      }
      resolve(elements as string[]);
    });
  });
}
