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
  private readonly failures: ExportFailures;

  constructor(
    private readonly exporter: Promise<SpanExporter>,
    private readonly options: SpanQueueOptions,
  ) {
    this.failures = new ExportFailures(options.onError);
    this.timer = setInterval(() => this.flushSome(), options.intervalMs);
    this.timer.unref();
    exporter.catch((error: Error) => options.onError(`cannot load the span exporter: ${error.message}`));
  }

  onStart(_span: Span): void {}

  onEnd(span: ReadableSpan): void {
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
    const outcome = await settleWithin<{ code: number; error?: Error }>(
      (done) => exporter.export(batch, done),
      this.options.exportTimeoutMs,
      (error) => ({ code: 1, error }),
    );
    if (outcome.code === 0) {
      this.exported += batch.length;
      return;
    }
    this.failed += batch.length;
    this.failures.report(batch.length, outcome.error);
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

/**
 * One export's outcome: what `start` reports, or `failed(error)` when it throws or `timeoutMs` passes
 * first (the exporter's own timeout should come first; this one bounds a stuck exporter).
 */
export function settleWithin<R>(start: (done: (result: R) => void) => void, timeoutMs: number, failed: (error: Error) => R): Promise<R> {
  return new Promise<R>((resolve) => {
    const timer = setTimeout(() => resolve(failed(new Error(`no answer within ${timeoutMs} ms`))), timeoutMs);
    timer.unref();
    try {
      start((result) => {
        clearTimeout(timer);
        resolve(result);
      });
    } catch (error) {
      clearTimeout(timer);
      resolve(failed(error as Error));
    }
  });
}

/** Failed exports, logged one line per 30 s at most: a collector that is down must not flood the log. */
export class ExportFailures {
  private last = 0;

  constructor(private readonly onError: (message: string) => void) {}

  report(spans: number, error: Error | undefined): void {
    const now = Date.now();
    if (now - this.last <= 30_000) return;
    this.last = now;
    this.onError(`could not export ${spans} span(s): ${error?.message ?? 'failed'}`);
  }
}
