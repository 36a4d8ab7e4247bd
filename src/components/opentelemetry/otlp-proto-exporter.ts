/**
 * OTLP/HTTP span exporter: POST {url}/v1/traces with `Content-Type: application/x-protobuf`, what
 * krakend-otel sends with `use_http: true` (Go's otlptracehttp). The body comes from
 * `encodeTraceExport` (the official serializer's bytes, cheaper). Each export is bounded by
 * `timeoutMs`; a failed one is reported to the bounded queue, which drops and counts its spans (no
 * retry: the next batch is already waiting, and a request never waits for either).
 */
import http from 'node:http';
import https from 'node:https';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { PORTICO_VERSION } from '../../version.js';
import { encodeTraceExport } from './otlp-proto-encoder.js';

interface ExportResult {
  code: number;
  error?: Error;
}

export class OtlpProtoSpanExporter implements SpanExporter {
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
    // Two exports at most in flight, on kept-alive connections.
    this.agent = secure ? new https.Agent({ keepAlive: true, maxSockets: 2 }) : new http.Agent({ keepAlive: true, maxSockets: 2 });
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    let settled = false;
    const finish = (result: ExportResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      done(result);
    };
    let body: Buffer;
    try {
      body = encodeTraceExport(spans);
    } catch (error) {
      settled = true;
      done({ code: 1, error: error as Error });
      return;
    }
    const request = this.client.request(this.target, {
      method: 'POST',
      agent: this.agent,
      headers: { 'Content-Type': 'application/x-protobuf', 'Content-Length': body.length, 'User-Agent': `Portico/${PORTICO_VERSION}` },
    });
    const timer = setTimeout(() => request.destroy(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    timer.unref();
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      response.on('error', (error) => finish({ code: 1, error }));
      response.on('end', () => finish(status >= 200 && status < 300 ? { code: 0 } : { code: 1, error: new Error(`the collector answered ${status}`) }));
      response.resume();
    });
    request.on('error', (error) => finish({ code: 1, error }));
    request.end(body);
  }

  shutdown(): Promise<void> {
    this.agent.destroy();
    return Promise.resolve();
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
}
