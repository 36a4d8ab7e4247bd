/**
 * OTLP/HTTP trace sender: POST {url}/v1/traces with `Content-Type: application/x-protobuf`, what
 * krakend-otel sends with `use_http: true` (Go's otlptracehttp). The body is a batch framed by
 * `ExportFraming`. Each post is bounded by `timeoutMs`; a failed one is reported to the queue, which
 * counts its spans (no retry: the next batch is already filling, and a request never waits for either).
 *
 * Posts go through the backend client (transport/http1-client.ts), not node:http: a post leaves a few
 * times a second, so node:http's client code ran cold and unoptimised every time (about 1.4 ms of CPU a
 * post, measured), while the backend client's code is kept hot by the gateway's own traffic.
 */
import { DEFAULT_POOL_OPTIONS, OriginPool } from '../../transport/http1-client.js';
import type { ResponseHandler } from '../../transport/http1-client.js';
import { PORTICO_VERSION } from '../../version.js';

export interface PostResult {
  ok: boolean;
  error?: Error;
  /** The whole body reached the collector: its buffer may be written again. */
  released: boolean;
}

export class OtlpProtoSpanSender {
  private readonly pool: OriginPool;
  private readonly target: string;
  private readonly headerLines = `Content-Type: application/x-protobuf\r\nUser-Agent: Portico/${PORTICO_VERSION}\r\n`;

  constructor(
    url: string,
    private readonly timeoutMs: number,
  ) {
    const target = new URL(`${url}/v1/traces`);
    this.target = `${target.pathname}${target.search}`;
    // One post in flight at a time (the queue's rule): one kept-alive connection is enough.
    this.pool = new OriginPool(target.origin, { ...DEFAULT_POOL_OPTIONS, maxIdlePerHost: 1, idleTimeoutMs: 60_000, connectTimeoutMs: timeoutMs, peer: 'the collector' });
  }

  post(body: Buffer, done: (result: PostResult) => void): void {
    const handler = new PostHandler(done);
    const exchange = this.pool.request({ method: 'POST', target: this.target, headerLines: this.headerLines, body }, handler);
    if (exchange.isSettled) return;
    handler.timer = setTimeout(() => exchange.abort(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    handler.timer.unref();
  }

  shutdown(): void {
    this.pool.close();
  }
}

class PostHandler implements ResponseHandler {
  timer: NodeJS.Timeout | undefined;
  private status = 0;

  constructor(private readonly done: (result: PostResult) => void) {}

  onHead(statusCode: number): void {
    this.status = statusCode;
  }

  onBody(): void {
    // The answer's body (an ExportTraceServiceResponse) says nothing the status does not.
  }

  onComplete(): void {
    clearTimeout(this.timer);
    // A 2xx comes after the collector read the whole request, so its buffer may be written again; any
    // other answer may come early, with part of the body still queued on the socket.
    if (this.status >= 200 && this.status < 300) this.done({ ok: true, released: true });
    else this.done({ ok: false, error: new Error(`the collector answered ${this.status}`), released: false });
  }

  onError(error: Error): void {
    clearTimeout(this.timer);
    this.done({ ok: false, error, released: false });
  }
}
