/**
 * OTLP/HTTP trace sender: POST {url}/v1/traces with `Content-Type: application/x-protobuf`, what
 * krakend-otel sends with `use_http: true` (Go's otlptracehttp). The body is a batch framed by
 * `ExportFraming`. Each post is bounded by `timeoutMs`; a failed one is reported to the queue, which
 * counts its spans (no retry: the next batch is already filling, and a request never waits for either).
 */
import http from 'node:http';
import https from 'node:https';
import { PORTICO_VERSION } from '../../version.js';

export interface PostResult {
  ok: boolean;
  error?: Error;
  /** The whole body reached the socket: its buffer may be written again. */
  released: boolean;
}

export class OtlpProtoSpanSender {
  private readonly target: URL;
  private readonly agent: http.Agent;
  private readonly client: typeof http | typeof https;

  constructor(
    url: string,
    private readonly timeoutMs: number,
  ) {
    this.target = new URL(`${url}/v1/traces`);
    const secure = this.target.protocol === 'https:';
    this.client = secure ? https : http;
    // Two posts at most in flight, on kept-alive connections.
    this.agent = secure ? new https.Agent({ keepAlive: true, maxSockets: 2 }) : new http.Agent({ keepAlive: true, maxSockets: 2 });
  }

  post(body: Uint8Array, done: (result: PostResult) => void): void {
    let settled = false;
    let flushed = false;
    const finish = (ok: boolean, error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      done(error === undefined ? { ok, released: flushed } : { ok, error, released: flushed });
    };
    const request = this.client.request(this.target, {
      method: 'POST',
      agent: this.agent,
      headers: { 'Content-Type': 'application/x-protobuf', 'Content-Length': body.length, 'User-Agent': `Portico/${PORTICO_VERSION}` },
    });
    const timer = setTimeout(() => request.destroy(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    timer.unref();
    request.on('finish', () => (flushed = true));
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      response.on('error', (error) => finish(false, error));
      response.on('end', () => finish(status >= 200 && status < 300, status >= 200 && status < 300 ? undefined : new Error(`the collector answered ${status}`)));
      response.resume();
    });
    request.on('error', (error) => finish(false, error));
    request.end(body);
  }

  shutdown(): void {
    this.agent.destroy();
  }
}
