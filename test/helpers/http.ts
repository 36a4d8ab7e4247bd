/**
 * Small HTTP clients for tests: `request` (node:http, no pooling, no redirects followed, full raw
 * headers) and `rawExchange` (a plain TCP socket, for requests Node's client refuses to send).
 */
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';

export interface TestResponse {
  status: number;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
}

export interface RequestOptions {
  method?: string;
  headers?: OutgoingHttpHeaders;
  body?: string | Buffer;
  /** Gives up (and fails the test) after this long; default 5 s. */
  timeoutMs?: number;
}

/** One request on a fresh connection; resolves with status, headers and the whole body. */
export function request(url: string, options: RequestOptions = {}): Promise<TestResponse> {
  return new Promise<TestResponse>((resolve, reject) => {
    const headers: OutgoingHttpHeaders = { ...options.headers };
    // Node sends a DELETE/GET body without any framing unless told its length.
    if (options.body !== undefined && headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) {
      headers['content-length'] = Buffer.byteLength(options.body);
    }
    const req = httpRequest(url, { method: options.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    const timer = setTimeout(() => req.destroy(new Error(`request to ${url} timed out`)), options.timeoutMs ?? 5_000);
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(options.body);
  });
}

/** Header names as the peer wrote them, lower-cased and sorted (duplicates kept). */
export function headerNames(rawHeaders: string[]): string[] {
  const names: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) names.push((rawHeaders[i] as string).toLowerCase());
  return names.sort();
}

export interface RawResult {
  /** Everything the server wrote, as latin1 text. */
  text: string;
  /** True when the server closed (or reset) the connection before `waitMs` elapsed. */
  closed: boolean;
  /** Milliseconds from the first write until the close (or the wait ended). */
  elapsedMs: number;
}

/** True once `text` holds one whole response with a Content-Length (or none, for bodiless statuses). */
function hasWholeResponse(text: string): boolean {
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) return false;
  const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end));
  if (length) return Buffer.byteLength(text.slice(end + 4), 'latin1') >= Number(length[1]);
  return /\r\ntransfer-encoding: *chunked/i.test(text.slice(0, end)) ? text.endsWith('\r\n0\r\n\r\n') : /^HTTP\/1\.[01] (1\d\d|204|304)/.test(text);
}

/**
 * Writes `chunks` (with `gapMs` between them) on a raw TCP connection and collects what comes back until
 * the server closes the connection or `waitMs` passes (or, with `untilResponse`, a whole response is in).
 */
export async function rawExchange(port: number, chunks: (string | Buffer)[], options: { waitMs?: number; gapMs?: number; untilResponse?: boolean } = {}): Promise<RawResult> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const started = Date.now();
  const received: Buffer[] = [];
  let answered: (() => void) | undefined;
  const whole = new Promise<boolean>((resolve) => (answered = () => resolve(false)));
  socket.on('data', (chunk: Buffer) => {
    received.push(chunk);
    if (options.untilResponse && hasWholeResponse(Buffer.concat(received).toString('latin1'))) answered?.();
  });
  const closed = new Promise<boolean>((resolve) => {
    socket.once('close', () => resolve(true));
    socket.on('error', () => undefined);
  });
  const writing = (async () => {
    for (const [index, chunk] of chunks.entries()) {
      if (index > 0 && options.gapMs) await delay(options.gapMs);
      if (socket.destroyed || socket.writableEnded) return;
      socket.write(chunk);
    }
  })();
  const waitMs = options.waitMs ?? 2_000;
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), waitMs)));
  const outcome = await Promise.race([closed, whole, waited]);
  clearTimeout(timer);
  await writing.catch(() => undefined);
  const elapsedMs = Date.now() - started;
  socket.destroy();
  return { text: Buffer.concat(received).toString('latin1'), closed: outcome, elapsedMs };
}

/** Status code of the first response in a raw answer, or 0 when there is none. */
export function rawStatus(text: string): number {
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  return match ? Number(match[1]) : 0;
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Opens a socket that the test controls directly (for keep-alive and disconnect scenarios). */
export async function openSocket(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  return socket;
}

/** Waits until `predicate` holds, polling every 20 ms, for at most `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs = 3_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (predicate()) return true;
    await delay(20);
  }
  return predicate();
}

/** Polls `url` until it answers 200; throws (naming the URL) after `timeoutMs`. */
export async function waitUntilServing(url: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await request(url, { timeoutMs: 2_000 })).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} never answered`);
    await delay(100);
  }
}
