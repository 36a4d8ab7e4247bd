/**
 * The request and response Martian's modifiers edit: the shape of Go's `*http.Request` and
 * `*http.Response` as far as the modifiers see them (URL parts, `Host`, a header map keyed by canonical
 * name, body), built from Portico's raw exchange and turned back into one.
 */
import type { Readable } from 'node:stream';
import { canonicalHeaderName } from '../../config/headers.js';
import type { BackendReply } from '../../transport/backend-call.js';
import type { OutgoingRequest } from '../../transport/http1-client.js';
import { PassthroughBody } from '../../transport/passthrough-body.js';
import { atoi } from './go-url.js';

/** Go's `http.Header`: canonical name → values, in insertion order. */
export type HeaderMap = Map<string, string[]>;

/** Thrown by a modifier at request time (Go's modifier error); the backend call fails with it. */
export class ModifierError extends Error {}

export class MartianRequest {
  /** Go `req.ContentLength`: -1 when unknown. Read by modifiers only: framing uses the body itself. */
  contentLength: number;
  private readonly initialHost: string;
  private readonly initialBodyLength: number | undefined;

  constructor(
    readonly method: string,
    /** `http` or `https`. */
    public scheme: string,
    /** `req.URL.Host`: where the call goes. */
    public urlHost: string,
    /** `req.URL.EscapedPath()`. */
    public escapedPath: string,
    public rawQuery: string,
    /** `req.Host`: the `Host` header sent (the URL's host when empty). */
    public host: string,
    readonly headers: HeaderMap,
    public body: Buffer | Readable | null,
    bodyLength: number | undefined,
  ) {
    this.initialHost = host;
    this.initialBodyLength = bodyLength;
    this.contentLength = body === null ? 0 : Buffer.isBuffer(body) ? body.length : (bodyLength ?? -1);
  }

  static from(origin: string, request: OutgoingRequest): MartianRequest {
    const schemeEnd = origin.indexOf('://');
    const scheme = origin.slice(0, schemeEnd).toLowerCase();
    const urlHost = origin.slice(schemeEnd + 3);
    const question = request.target.indexOf('?');
    const path = question < 0 ? request.target : request.target.slice(0, question);
    const query = question < 0 ? '' : request.target.slice(question + 1);
    return new MartianRequest(request.method, scheme, urlHost, path, query, urlHost, parseHeaderLines(request.headerLines), request.body, request.bodyLength);
  }

  /** Go `req.URL.String()`. */
  url(): string {
    return `${this.scheme}://${this.urlHost}${this.escapedPath}${this.rawQuery === '' ? '' : `?${this.rawQuery}`}`;
  }

  origin(): string {
    return `${this.scheme}://${this.urlHost}`;
  }

  toOutgoing(): OutgoingRequest {
    const outgoing: OutgoingRequest = { method: this.method, target: `${this.escapedPath}${this.rawQuery === '' ? '' : `?${this.rawQuery}`}`, headerLines: serializeHeaderMap(this.headers), body: this.body };
    // A streamed body keeps the length it came with: a modifier's Content-Length never frames it.
    if (this.body !== null && !Buffer.isBuffer(this.body) && this.initialBodyLength !== undefined) outgoing.bodyLength = this.initialBodyLength;
    // Go sends `req.Host`, set from the URL when the request was built: a later URL change keeps it.
    if (this.host !== '' && (this.host !== this.initialHost || this.urlHost !== this.initialHost)) outgoing.host = this.host;
    return outgoing;
  }
}

export class MartianResponse {
  /** Set when a modifier replaced the body. */
  replacedBody: Buffer | undefined = undefined;

  constructor(
    public statusCode: number,
    readonly headers: HeaderMap,
    /** Go's `res.Request`: the request as the modifiers left it. */
    readonly request: MartianRequest,
  ) {}

  static from(reply: BackendReply, request: MartianRequest): MartianResponse {
    const headers: HeaderMap = new Map();
    const raw = reply.headers;
    for (let i = 0; i < raw.length; i += 2) addValue(headers, canonicalHeaderName(raw[i] as string), raw[i + 1] as string);
    return new MartianResponse(reply.statusCode, headers, request);
  }

  /** The reply handed on: streamed when the caller streams, buffered otherwise. */
  toReply(reply: BackendReply, streamed: boolean): BackendReply {
    const replaced = this.replacedBody;
    // Go updates `res.ContentLength` only; a stale header would cut the replaced body short on the wire.
    if (replaced !== undefined && this.headers.has('Content-Length')) this.headers.set('Content-Length', [String(replaced.length)]);
    const headers: string[] = [];
    for (const [name, values] of this.headers) for (const value of values) headers.push(name, value);
    if (replaced === undefined) return { ...reply, statusCode: this.statusCode, headers };
    if (!streamed) return { ...reply, statusCode: this.statusCode, headers, body: replaced, stream: null };
    reply.stream?.discard(new ModifierError('martian: the backend body was replaced by body.Modifier'));
    const stream = new PassthroughBody();
    if (replaced.length > 0) stream.push(replaced);
    stream.end();
    return { ...reply, statusCode: this.statusCode, headers, body: null, stream };
  }
}

export function addValue(headers: HeaderMap, name: string, value: string): void {
  const values = headers.get(name);
  if (values) values.push(value);
  else headers.set(name, [value]);
}

function parseHeaderLines(lines: string): HeaderMap {
  const headers: HeaderMap = new Map();
  for (const line of lines.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    addValue(headers, canonicalHeaderName(line.slice(0, colon)), line.slice(colon + 1).trim());
  }
  return headers;
}

/** Names Go's client writes itself or never takes from the header map. */
const NOT_FROM_MAP = new Set(['Host', 'Content-Length', 'Transfer-Encoding', 'Trailer', 'Connection']);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const UNSAFE_VALUES = /[\r\n\0]/g;

function serializeHeaderMap(headers: HeaderMap): string {
  let lines = '';
  for (const [name, values] of headers) {
    if (NOT_FROM_MAP.has(name)) continue;
    // Go's transport refuses the whole request for an invalid field name.
    if (!TOKEN.test(name)) throw new ModifierError(`net/http: invalid header field name ${JSON.stringify(name)}`);
    for (const value of values) lines += `${name}: ${value.replace(UNSAFE_VALUES, '')}\r\n`;
  }
  return lines;
}

/**
 * Go's `proxyutil.Header`: header access where `Host` and `Content-Length` are fields of the message, not
 * map entries (`Transfer-Encoding` is framing, which Portico's transport owns: set and read as a map entry).
 */
export class HeaderAccess {
  constructor(
    private readonly headers: HeaderMap,
    private readonly request: MartianRequest | undefined,
  ) {}

  set(rawName: string, value: string): void {
    const name = canonicalHeaderName(rawName);
    if (name === 'Host') {
      if (this.request) this.request.host = value;
    } else if (name === 'Content-Length') {
      if (!/^[+-]?\d+$/.test(value)) throw new ModifierError(`strconv.ParseInt: parsing ${JSON.stringify(value)}: invalid syntax`);
      if (this.request) this.request.contentLength = atoi(value);
    } else this.headers.set(name, [value]);
  }

  add(rawName: string, value: string): void {
    const name = canonicalHeaderName(rawName);
    if (name === 'Host' && this.request && this.request.host !== '') throw new ModifierError('proxyutil: illegal header multiple: Host');
    if (name === 'Content-Length' && this.request && this.request.contentLength > 0) throw new ModifierError('proxyutil: illegal header multiple: Content-Length');
    if (name === 'Host' || name === 'Content-Length') this.set(name, value);
    else addValue(this.headers, name, value);
  }

  get(rawName: string): string {
    const name = canonicalHeaderName(rawName);
    if (name === 'Host') return this.request?.host ?? '';
    if (name === 'Content-Length') return this.request && this.request.contentLength >= 0 ? String(this.request.contentLength) : '';
    return this.headers.get(name)?.[0] ?? '';
  }

  all(rawName: string): readonly string[] | undefined {
    const name = canonicalHeaderName(rawName);
    if (name === 'Host') return this.request && this.request.host !== '' ? [this.request.host] : undefined;
    if (name === 'Content-Length') return this.request && this.request.contentLength > 0 ? [String(this.request.contentLength)] : undefined;
    return this.headers.get(name);
  }

  del(rawName: string): void {
    const name = canonicalHeaderName(rawName);
    if (name === 'Host') {
      if (this.request) this.request.host = '';
    } else if (name === 'Content-Length') {
      if (this.request) this.request.contentLength = -1;
    } else this.headers.delete(name);
  }
}
