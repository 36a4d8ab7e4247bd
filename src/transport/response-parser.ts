/**
 * Incremental HTTP/1.1 response parser for the gateway's own client.
 *
 * Node's HTTP clients add headers we must not send (KrakenD's backends see an exact header set) and
 * cost more per request than the gateway itself, so Portico speaks HTTP/1.1 to backends directly.
 * This parser is strict where framing is concerned (RFC 9112 §6): conflicting or malformed lengths
 * are errors, never guesses.
 */
import { HttpClientError } from './errors.js';
import { DEFAULT_RESPONSE_HEAD_LIMITS } from '../config/types.js';

const CR = 13;
const LF = 10;
const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * Bounds on a backend's response head (status line and headers, interim 1xx responses included, as
 * Go counts them), so one backend cannot make the gateway hold or forward an unbounded head:
 * - 256 KiB: Chromium refuses response heads beyond that (`ERR_RESPONSE_HEADERS_TOO_BIG`), so nothing
 *   larger is usable by a browser anyway; Envoy's default is 60 KiB, nginx's `proxy_buffer_size` 4–8 KiB,
 *   Node's 16 KiB; Go's transport (KrakenD) allows 10 MiB;
 * - 500 header fields: Envoy and HAProxy stop at about 100, Node at 2 000; each field is copied through
 *   the pipeline several times, so the count bounds that work whatever the bytes.
 * Root config keys `max_response_header_bytes` and `max_response_headers` change them.
 */
export interface ResponseHeadLimits {
  maxBytes: number;
  maxFields: number;
}

export { DEFAULT_RESPONSE_HEAD_LIMITS };

/** How the client's errors name the server it talks to, unless told otherwise. */
export const DEFAULT_PEER = 'the backend';

/** A head arriving in pieces: appended in amortised constant time and searched about once per byte. */
class PendingHead {
  private bytes = Buffer.allocUnsafe(4096);
  length = 0;
  private searched = 0;

  append(data: Buffer): void {
    if (this.length + data.length > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.length + data.length));
      this.bytes.copy(grown, 0, 0, this.length);
      this.bytes = grown;
    }
    data.copy(this.bytes, this.length);
    this.length += data.length;
  }

  /** Where the blank line ending the head starts, or -1. */
  findEnd(): number {
    const at = this.bytes.subarray(0, this.length).indexOf(HEADER_END, Math.max(0, this.searched - 3));
    this.searched = this.length;
    return at;
  }

  text(end: number): string {
    return this.bytes.toString('latin1', 0, end);
  }
}

/** RFC 9110 §5.1 field names; anything else (spaces, obs-fold) cannot be forwarded and is refused, as Go does. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/**
 * Control bytes other than HTAB (a bare CR or LF included) are never valid in a field value. Tested per
 * value: faster than one pattern over all the header lines (0.33 vs 0.8 µs a typical head, measured).
 */
const INVALID_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;

export interface ParserSink {
  /** Status and raw header pairs `[name, value, name, value, …]` as received. */
  onHead(statusCode: number, statusText: string, rawHeaders: string[]): void;
  onBody(chunk: Buffer): void;
  onComplete(): void;
}

const enum State {
  Head,
  FixedBody,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  UntilClose,
  Done,
}

/** Outcome flags the connection needs once a response is complete. */
export interface ParsedFraming {
  keepAlive: boolean;
  closeDelimited: boolean;
}

export class ResponseParser {
  private state = State.Head;
  private head: PendingHead | undefined;
  /** Bytes of interim (1xx) heads already read for this response: they count toward the bound. */
  private interimBytes = 0;
  private remaining = 0;
  private sink: ParserSink | undefined;
  private noBody = false;
  keepAlive = true;
  private trailerBuffer: Buffer | undefined;

  constructor(
    private readonly limits: ResponseHeadLimits = DEFAULT_RESPONSE_HEAD_LIMITS,
    /** How errors name the server answering (see `PoolOptions.peer`). */
    private readonly peer = DEFAULT_PEER,
  ) {}

  /** Prepares for the response to one request. `isHead` responses carry no body. */
  reset(sink: ParserSink, isHeadRequest: boolean): void {
    this.state = State.Head;
    this.head = undefined;
    this.interimBytes = 0;
    this.remaining = 0;
    this.sink = sink;
    this.noBody = isHeadRequest;
    this.keepAlive = true;
    this.trailerBuffer = undefined;
  }

  get isDone(): boolean {
    return this.state === State.Done;
  }

  get isCloseDelimited(): boolean {
    return this.state === State.UntilClose;
  }

  /** True once the head has been parsed: bytes of this response have arrived. */
  get hasStarted(): boolean {
    return this.state !== State.Head || this.head !== undefined;
  }

  /** Feeds bytes; returns leftover bytes after a complete response (a protocol error if non-empty). */
  execute(data: Buffer): void {
    let offset = 0;
    while (offset < data.length) {
      switch (this.state) {
        case State.Head: {
          offset = this.readHead(data, offset);
          break;
        }
        case State.FixedBody: {
          const take = Math.min(this.remaining, data.length - offset);
          const chunk = offset === 0 && take === data.length ? data : data.subarray(offset, offset + take);
          this.remaining -= take;
          offset += take;
          if (this.remaining === 0) this.state = State.Done;
          this.sink?.onBody(chunk);
          if (this.state === State.Done) this.finish();
          break;
        }
        case State.ChunkSize: {
          offset = this.readChunkSize(data, offset);
          break;
        }
        case State.ChunkData: {
          const take = Math.min(this.remaining, data.length - offset);
          const chunk = data.subarray(offset, offset + take);
          this.remaining -= take;
          offset += take;
          if (this.remaining === 0) {
            this.state = State.ChunkDataEnd;
            this.remaining = 2;
          }
          this.sink?.onBody(chunk);
          break;
        }
        case State.ChunkDataEnd: {
          const byte = data[offset++];
          const expected = this.remaining === 2 ? CR : LF;
          if (byte !== expected) throw new HttpClientError('PRT_ERR_BACKEND_PROTOCOL', 'invalid chunk terminator');
          if (--this.remaining === 0) this.state = State.ChunkSize;
          break;
        }
        case State.Trailers: {
          offset = this.readTrailers(data, offset);
          break;
        }
        case State.UntilClose: {
          this.sink?.onBody(offset === 0 ? data : data.subarray(offset));
          offset = data.length;
          break;
        }
        case State.Done:
          throw new HttpClientError('PRT_ERR_BACKEND_PROTOCOL', 'unexpected bytes after the response');
      }
    }
  }

  /** The connection closed: completes a close-delimited body, or reports truncation. */
  end(): void {
    if (this.state === State.UntilClose) {
      this.state = State.Done;
      this.keepAlive = false;
      this.finish();
      return;
    }
    if (this.state !== State.Done) {
      throw new HttpClientError(
        this.hasStarted ? 'PRT_ERR_BACKEND_TRUNCATED' : 'PRT_ERR_BACKEND_CLOSED',
        this.hasStarted ? `${this.peer} closed the connection before the response ended` : `${this.peer} closed the connection without answering`,
      );
    }
  }

  private finish(): void {
    const sink = this.sink;
    this.sink = undefined;
    sink?.onComplete();
  }

  private readHead(data: Buffer, offset: number): number {
    const pending = this.head;
    if (pending === undefined) {
      const end = data.indexOf(HEADER_END, offset);
      if (end === -1) {
        this.checkHeadBytes(data.length - offset);
        this.head = new PendingHead();
        this.head.append(data.subarray(offset));
        this.head.findEnd();
        return data.length;
      }
      this.checkHeadBytes(end + 4 - offset);
      return this.completeHead(data.toString('latin1', offset, end), end + 4);
    }
    const before = pending.length;
    pending.append(data.subarray(offset));
    const end = pending.findEnd();
    if (end === -1) {
      this.checkHeadBytes(pending.length);
      return data.length;
    }
    this.checkHeadBytes(end + 4);
    this.head = undefined;
    return this.completeHead(pending.text(end), offset + end + 4 - before);
  }

  private checkHeadBytes(bytes: number): void {
    if (this.interimBytes + bytes > this.limits.maxBytes) {
      throw new HttpClientError('PRT_ERR_BACKEND_HEADERS_TOO_LARGE', `the response head is larger than ${this.limits.maxBytes} bytes`);
    }
  }

  /** Parses a whole head; `consumed` is where the data after it starts. */
  private completeHead(text: string, consumed: number): number {
    const interim = this.parseHead(text);
    if (interim) {
      // 1xx: the real response follows.
      this.interimBytes += text.length + 4;
      this.state = State.Head;
      return consumed;
    }
    if (this.state === State.Done) this.finish();
    return consumed;
  }

  /** Returns true for an interim (1xx) response that must be skipped. */
  private parseHead(text: string): boolean {
    const firstLineEnd = text.indexOf('\r\n');
    const statusLine = firstLineEnd === -1 ? text : text.slice(0, firstLineEnd);
    if (!statusLine.startsWith('HTTP/1.') || statusLine.length < 12 || statusLine.charCodeAt(12) !== 32 && statusLine.length > 12) {
      throw new HttpClientError('PRT_ERR_BACKEND_PROTOCOL', 'malformed status line');
    }
    const isHttp10 = statusLine.charCodeAt(7) === 48; // '0'
    const statusCode = Number(statusLine.slice(9, 12));
    if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 999) {
      throw new HttpClientError('PRT_ERR_BACKEND_PROTOCOL', 'malformed status code');
    }
    if (statusCode >= 100 && statusCode < 200 && statusCode !== 101) return true;

    const rawHeaders: string[] = [];
    let contentLength = -1;
    let chunked = false;
    let connectionClose = isHttp10;
    let position = firstLineEnd === -1 ? text.length : firstLineEnd + 2;
    while (position < text.length) {
      let lineEnd = text.indexOf('\r\n', position);
      if (lineEnd === -1) lineEnd = text.length;
      const colon = text.indexOf(':', position);
      if (colon === -1 || colon > lineEnd || colon === position) {
        throw new HttpClientError('PRT_ERR_BACKEND_PROTOCOL', 'malformed response header line');
      }
      const name = text.slice(position, colon);
      const value = sliceWithoutOws(text, colon + 1, lineEnd);
      if (!TOKEN.test(name) || INVALID_VALUE.test(value)) {
        throw new HttpClientError('PRT_ERR_BACKEND_PROTOCOL', 'malformed response header line');
      }
      position = lineEnd + 2;
      rawHeaders.push(name, value);
      if (rawHeaders.length > 2 * this.limits.maxFields) {
        throw new HttpClientError('PRT_ERR_BACKEND_HEADERS_TOO_LARGE', `the response has more than ${this.limits.maxFields} header fields`);
      }
      switch (name.length) {
        case 10:
          if (name === 'Connection' || name.toLowerCase() === 'connection') {
            const lower = value.toLowerCase();
            if (lower.includes('close')) connectionClose = true;
            else if (isHttp10 && lower.includes('keep-alive')) connectionClose = false;
          }
          break;
        case 14:
          if (name === 'Content-Length' || name.toLowerCase() === 'content-length') {
            if (!/^\d+$/.test(value)) throw new HttpClientError('PRT_ERR_BACKEND_PROTOCOL', 'invalid Content-Length');
            const length = Number(value);
            if (contentLength !== -1 && contentLength !== length) {
              throw new HttpClientError('PRT_ERR_BACKEND_PROTOCOL', 'conflicting Content-Length values');
            }
            contentLength = length;
          }
          break;
        case 17:
          if (name === 'Transfer-Encoding' || name.toLowerCase() === 'transfer-encoding') {
            const codings = value.toLowerCase().split(',');
            const last = codings[codings.length - 1] as string;
            chunked = sliceWithoutOws(last, 0, last.length) === 'chunked';
            if (!chunked) connectionClose = true; // body runs to the close (RFC 9112 §6.3)
          }
          break;
      }
    }
    // RFC 9112 §6.3: chunked overrides a Content-Length, but such a response may be a splitting attempt;
    // read it by chunks and never reuse the connection.
    this.keepAlive = !connectionClose && !(chunked && contentLength !== -1);
    const statusText = statusLine.length > 13 ? statusLine.slice(13) : '';
    this.sink?.onHead(statusCode, statusText, rawHeaders);

    if (this.noBody || statusCode === 204 || statusCode === 304) {
      this.state = State.Done;
    } else if (chunked) {
      this.state = State.ChunkSize;
      this.remaining = 0;
    } else if (contentLength !== -1) {
      if (contentLength === 0) this.state = State.Done;
      else {
        this.state = State.FixedBody;
        this.remaining = contentLength;
      }
    } else {
      this.state = State.UntilClose;
      this.keepAlive = false;
    }
    return false;
  }

  private chunkLine = '';

  private readChunkSize(data: Buffer, offset: number): number {
    const lineEnd = data.indexOf(LF, offset);
    if (lineEnd === -1) {
      this.chunkLine += data.toString('latin1', offset, data.length);
      if (this.chunkLine.length > 1024) throw new HttpClientError('PRT_ERR_BACKEND_PROTOCOL', 'chunk size line too long');
      return data.length;
    }
    let line = this.chunkLine + data.toString('latin1', offset, lineEnd);
    this.chunkLine = '';
    if (!line.endsWith('\r')) throw new HttpClientError('PRT_ERR_BACKEND_PROTOCOL', 'invalid chunk size line');
    line = line.slice(0, -1);
    const extension = line.indexOf(';');
    const sizeText = (extension === -1 ? line : line.slice(0, extension)).trim();
    if (!/^[0-9a-fA-F]{1,12}$/.test(sizeText)) throw new HttpClientError('PRT_ERR_BACKEND_PROTOCOL', 'invalid chunk size');
    const size = parseInt(sizeText, 16);
    if (size === 0) {
      this.state = State.Trailers;
      this.trailerBuffer = undefined;
    } else {
      this.state = State.ChunkData;
      this.remaining = size;
    }
    return lineEnd + 1;
  }

  private readTrailers(data: Buffer, offset: number): number {
    // Trailers are read and dropped: the gateway never forwards them.
    const buffer = this.trailerBuffer ? Buffer.concat([this.trailerBuffer, data.subarray(offset)]) : data.subarray(offset);
    const consumedBefore = this.trailerBuffer ? this.trailerBuffer.length : 0;
    if (buffer.length >= 2 && buffer[0] === CR && buffer[1] === LF) {
      this.trailerBuffer = undefined;
      this.state = State.Done;
      this.finish();
      return offset + 2 - consumedBefore;
    }
    const end = buffer.indexOf(HEADER_END);
    if (end === -1) {
      if (buffer.length > this.limits.maxBytes) throw new HttpClientError('PRT_ERR_BACKEND_HEADERS_TOO_LARGE', `the response trailers are larger than ${this.limits.maxBytes} bytes`);
      this.trailerBuffer = Buffer.from(buffer);
      return data.length;
    }
    this.trailerBuffer = undefined;
    this.state = State.Done;
    this.finish();
    return offset + end + 4 - consumedBefore;
  }
}

function isOws(code: number): boolean {
  return code === 32 || code === 9;
}

/**
 * `text` from `start` to `end` without the spaces and tabs around it, in one slice. Optional whitespace is
 * SP and HTAB only (RFC 9112 §5.1, as Go's textproto): `trim` would also take NBSP and VT.
 */
function sliceWithoutOws(text: string, start: number, end: number): string {
  let from = start;
  let to = end;
  while (from < to && isOws(text.charCodeAt(from))) from++;
  while (to > from && isOws(text.charCodeAt(to - 1))) to--;
  return from === 0 && to === text.length ? text : text.slice(from, to);
}
