/**
 * A bounded batching span processor: ended spans wait in a queue of at most `maxQueue`; a batch leaves
 * every `intervalMs` or when `batchSize` are waiting, one export in flight at a time, each bounded by the
 * exporter's own timeout. A slow, hanging or absent collector therefore costs a request nothing: once
 * the queue is full, new spans are dropped and counted (`dropped`), never waited for.
 */
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface SpanQueueOptions {
  maxQueue: number;
  batchSize: number;
  intervalMs: number;
  /** A stuck export is given up after this long (the exporter's own timeout should come first). */
  exportTimeoutMs: number;
  onError(message: string): void;
}

export class BoundedSpanQueue implements SpanProcessor {
  dropped = 0;
  exported = 0;
  failed = 0;
  private queue: ReadableSpan[] = [];
  private exporting = false;
  private readonly timer: NodeJS.Timeout;
  private lastError = 0;

  constructor(
    private readonly exporter: Promise<SpanExporter>,
    private readonly options: SpanQueueOptions,
  ) {
    this.timer = setInterval(() => this.flushSome(), options.intervalMs);
    this.timer.unref();
    exporter.catch((error: Error) => options.onError(`cannot load the span exporter: ${error.message}`));
  }

  onStart(_span: Span): void {}

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & 1) === 0) return;
    if (this.queue.length >= this.options.maxQueue) {
      this.dropped++;
      return;
    }
    this.queue.push(span);
    if (this.queue.length >= this.options.batchSize) this.flushSome();
  }

  private flushSome(): void {
    if (this.exporting || this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.options.batchSize);
    this.exporting = true;
    void this.exportBatch(batch).finally(() => {
      this.exporting = false;
      if (this.queue.length >= this.options.batchSize) this.flushSome();
    });
  }

  private async exportBatch(batch: ReadableSpan[]): Promise<void> {
    let exporter: SpanExporter;
    try {
      exporter = await this.exporter;
    } catch {
      this.failed += batch.length;
      return;
    }
    const outcome = await new Promise<{ code: number; error?: Error }>((resolve) => {
      const timer = setTimeout(() => resolve({ code: 1, error: new Error(`no answer within ${this.options.exportTimeoutMs} ms`) }), this.options.exportTimeoutMs);
      timer.unref();
      try {
        exporter.export(batch, (result) => {
          clearTimeout(timer);
          resolve(result);
        });
      } catch (error) {
        clearTimeout(timer);
        resolve({ code: 1, error: error as Error });
      }
    });
    if (outcome.code === 0) {
      this.exported += batch.length;
      return;
    }
    this.failed += batch.length;
    // One line per 30 s at most: a collector that is down must not flood the log.
    const now = Date.now();
    if (now - this.lastError > 30_000) {
      this.lastError = now;
      this.options.onError(`could not export ${batch.length} span(s): ${outcome.error?.message ?? 'failed'}`);
    }
  }

  async forceFlush(): Promise<void> {
    while (this.queue.length > 0 && !this.exporting) {
      const batch = this.queue.splice(0, this.options.batchSize);
      await this.exportBatch(batch);
    }
  }

  async shutdown(): Promise<void> {
    clearInterval(this.timer);
    const flushed = this.forceFlush();
    // Bounded: a collector that does not answer cannot hold up the gateway's shutdown.
    await Promise.race([flushed, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
    try {
      await Promise.race([(await this.exporter).shutdown(), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
    } catch {
      // The exporter never loaded: nothing to close.
    }
  }
}
