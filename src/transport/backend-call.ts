import { gunzip, createGunzip, inflate, createInflate } from 'node:zlib';
import type { Cancellation } from '../core/cancellation.js';
import type { Agent } from './agent.js';
import { HttpClientError } from './errors.js';
import type { Exchange, OutgoingRequest, ResponseHandler } from './http1-client.js';
import { PassthroughBody } from './passthrough-body.js';
import { publishBackendCalls } from './diagnostics.js';

export interface CallOptions {
  /** no-op: resolve at the head and stream the body; otherwise buffer it. */
  stream: boolean;
  /** The gateway asked for gzip itself, so it decodes it (Go's transport does the same). */
  decompress: boolean;
  /** Bound on a buffered body, so one backend cannot exhaust memory. */
  maxBodyBytes: number;
  /** `backend/http/client.send_body_on_redirect`: replay the body on 307/308. */
  resendBodyOnRedirect: boolean;
}

export interface BackendReply {
  statusCode: number;
  /** Raw header pairs `[name, value, …]`. */
  headers: string[];
  body: Buffer | null;
  stream: PassthroughBody | null;
  /** The URL that finally answered, after redirects. */
  url: string;
}

/**
 * One raw exchange with a backend (URL and headers built, before KrakenD's status policy and decoding).
 * Client-layer components (HTTP cache, retry) wrap it; `createDirectCall` is the plain network call.
 */
export type BackendCall = (origin: string, request: OutgoingRequest, options: CallOptions, cancel: Cancellation) => Promise<BackendReply>;

export function createDirectCall(agent: Agent): BackendCall {
  return publishBackendCalls(function callDirectly(origin, request, options, cancel) {
    return callBackend(agent, origin, request, options, cancel);
  });
}

const MAX_REDIRECTS = 10;
const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);
const SENSITIVE_ON_REDIRECT = /^(authorization|www-authenticate|cookie|cookie2):/i;

/** Calls a backend, following redirects as Go's client does, aborting with `cancel`. */
export async function callBackend(agent: Agent, origin: string, request: OutgoingRequest, options: CallOptions, cancel: Cancellation): Promise<BackendReply> {
  let currentOrigin = origin;
  let current = request;
  for (let hop = 0; ; hop++) {
    const mayRedirect = hop < MAX_REDIRECTS;
    const reply = await exchangeOnce(agent, currentOrigin, current, options, cancel, mayRedirect);
    if (!mayRedirect || !REDIRECT_CODES.has(reply.statusCode)) return reply;
    const location = headerValue(reply.headers, 'location');
    if (location === undefined) return reply;
    const from = new URL(current.target, currentOrigin);
    let next: URL;
    try {
      next = new URL(location, from);
    } catch {
      return reply;
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') return reply;
    const keepsMethod = reply.statusCode === 307 || reply.statusCode === 308;
    const hasBody = current.body !== null && !(Buffer.isBuffer(current.body) && current.body.length === 0);
    if (keepsMethod && hasBody && !(options.resendBodyOnRedirect && Buffer.isBuffer(current.body))) return reply;
    let headerLines = current.headerLines.replace(/^Referer:.*\r\n/gim, '');
    if (next.host !== from.host) headerLines = headerLines.split(/(?<=\r\n)/).filter((line) => !SENSITIVE_ON_REDIRECT.test(line)).join('');
    if (from.protocol === next.protocol || next.protocol === 'https:') headerLines += `Referer: ${stripCredentials(from)}\r\n`;
    const method = keepsMethod ? current.method : current.method === 'HEAD' ? 'HEAD' : 'GET';
    const keepsHost = current.host !== undefined && next.origin === currentOrigin;
    current = {
      method,
      target: next.pathname + next.search,
      headerLines: method === current.method ? headerLines : headerLines.replace(/^Content-Type:.*\r\n/gim, ''),
      body: method === current.method ? current.body : null,
      ...(keepsHost ? { host: current.host } : {}),
    };
    currentOrigin = next.origin;
  }
}

function stripCredentials(url: URL): string {
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  copy.hash = '';
  return copy.href;
}

/** Every field of `lowerName` as one comma-separated list (a `Connection` list may span several fields). */
export function joinedHeaderValue(rawHeaders: string[], lowerName: string): string | undefined {
  let joined: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (isNamed(rawHeaders[i] as string, lowerName, undefined)) joined = joined === undefined ? rawHeaders[i + 1] : `${joined}, ${rawHeaders[i + 1] as string}`;
  }
  return joined;
}

/**
 * The first value of `lowerName`. Given its usual spelling (`canonical`), a name written that way matches
 * without a lower-cased copy: hot paths pass it.
 */
export function headerValue(rawHeaders: string[], lowerName: string, canonical?: string): string | undefined {
  for (let i = 0; i < rawHeaders.length; i += 2) if (isNamed(rawHeaders[i] as string, lowerName, canonical)) return rawHeaders[i + 1];
  return undefined;
}

function isNamed(name: string, lowerName: string, canonical: string | undefined): boolean {
  return name.length === lowerName.length && (name === canonical || name.toLowerCase() === lowerName);
}

function exchangeOnce(
  agent: Agent,
  origin: string,
  request: OutgoingRequest,
  options: CallOptions,
  cancel: Cancellation,
  mayRedirect: boolean,
): Promise<BackendReply> {
  return new Promise<BackendReply>((resolve, reject) => {
    const handler = new ReplyHandler(options, cancel, `${origin}${request.target}`, mayRedirect, resolve, reject);
    handler.exchange = agent.poolFor(origin).request(request, handler);
    if (!handler.exchange.isSettled) handler.ticket = cancel.on(handler.onAbort);
  });
}

class ReplyHandler implements ResponseHandler {
  exchange: Exchange | undefined;
  ticket = -1;
  private statusCode = 0;
  private headers: string[] = [];
  private chunks: Buffer[] = [];
  private size = 0;
  private stream: PassthroughBody | undefined;
  private resolved = false;

  readonly onAbort = (reason: Error): void => {
    this.exchange?.abort(reason);
  };

  constructor(
    private readonly options: CallOptions,
    private readonly cancel: Cancellation,
    private readonly url: string,
    private readonly mayRedirect: boolean,
    private readonly resolve: (reply: BackendReply) => void,
    private readonly reject: (error: Error) => void,
  ) {}

  onHead(statusCode: number, _statusText: string, rawHeaders: string[]): void {
    this.statusCode = statusCode;
    this.headers = rawHeaders;
    const redirecting = this.mayRedirect && REDIRECT_CODES.has(statusCode);
    if (this.options.stream && !redirecting) {
      const stream = new PassthroughBody();
      stream.exchange = this.exchange;
      const encoding = this.options.decompress ? contentCoding(rawHeaders) : undefined;
      this.stream = stream;
      if (encoding !== undefined) {
        this.headers = withoutHeaders(rawHeaders, ['content-encoding', 'content-length']);
        this.decodeStream(encoding, stream);
      }
      this.resolved = true;
      this.resolve({ statusCode, headers: this.headers, body: null, stream, url: this.url });
    }
  }

  private decoder: ReturnType<typeof createGunzip> | undefined;

  private decodeStream(encoding: string, stream: PassthroughBody): void {
    const decoder = encoding === 'gzip' ? createGunzip() : createInflate();
    decoder.on('data', (chunk: Buffer) => stream.push(chunk));
    decoder.on('end', () => stream.end());
    decoder.on('error', (error: Error) => stream.fail(error));
    // A slow client pauses the decoder; a full decoder pauses the backend socket. Without both, a small
    // compressed body could be inflated into memory far ahead of the client.
    stream.source = decoder;
    decoder.on('drain', this.resumeExchange);
    this.decoder = decoder;
  }

  private readonly resumeExchange = (): void => this.exchange?.resume();

  onBody(chunk: Buffer): void {
    if (this.decoder) {
      if (!this.decoder.write(chunk)) this.exchange?.pause();
      return;
    }
    if (this.stream) {
      this.stream.push(chunk);
      return;
    }
    this.size += chunk.length;
    if (this.size > this.options.maxBodyBytes) {
      this.exchange?.abort(new HttpClientError('PRT_ERR_BACKEND_TOO_LARGE', `the backend response exceeds ${this.options.maxBodyBytes} bytes`));
      return;
    }
    this.chunks.push(chunk);
  }

  onComplete(): void {
    this.cancel.off(this.ticket);
    if (this.decoder) {
      this.decoder.end();
      return;
    }
    if (this.stream) {
      this.stream.end();
      return;
    }
    const body = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.size);
    const encoding = this.options.decompress ? contentCoding(this.headers) : undefined;
    if (encoding === undefined) {
      this.finish(body);
      return;
    }
    const headers = withoutHeaders(this.headers, ['content-encoding', 'content-length']);
    const decode = encoding === 'gzip' ? gunzip : inflate;
    decode(body, { maxOutputLength: this.options.maxBodyBytes }, (error, result) => {
      if (error) {
        this.fail(new HttpClientError('PRT_ERR_BACKEND_DECODE', `cannot decompress the ${encoding} response: ${error.message}`, { cause: error }));
        return;
      }
      this.headers = headers;
      this.finish(result);
    });
  }

  private finish(body: Buffer): void {
    if (this.resolved) return;
    this.resolved = true;
    this.resolve({ statusCode: this.statusCode, headers: this.headers, body, stream: null, url: this.url });
  }

  onError(error: Error): void {
    this.cancel.off(this.ticket);
    if (this.stream) {
      this.stream.fail(error);
      return;
    }
    this.fail(error);
  }

  private fail(error: Error): void {
    if (this.resolved) return;
    this.resolved = true;
    this.reject(error);
  }
}

function contentCoding(rawHeaders: string[]): string | undefined {
  const value = headerValue(rawHeaders, 'content-encoding')?.trim().toLowerCase();
  return value === 'gzip' || value === 'x-gzip' ? 'gzip' : value === 'deflate' ? 'deflate' : undefined;
}

function withoutHeaders(rawHeaders: string[], lowerNames: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (!lowerNames.includes((rawHeaders[i] as string).toLowerCase())) out.push(rawHeaders[i] as string, rawHeaders[i + 1] as string);
  }
  return out;
}
