/**
 * The OTLP/HTTP trace pipeline: each ended, sampled span is encoded at once into the filling batch
 * (otlp-proto-encoder.ts), so no span object outlives its request. A batch leaves every `intervalMs` or
 * when `batchSize` spans are in it, one post in flight at a time; while one is, the next batch fills,
 * up to `maxQueue` spans, and further spans are dropped and counted (`dropped`), never waited for.
 * Two buffers take turns, so steady traffic allocates none.
 */
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { SpanSink } from './lean-tracer.js';
import { ExportFraming, Writer, writeSpanEntry } from './otlp-proto-encoder.js';
import type { OtlpProtoSpanSender, PostResult } from './otlp-proto-exporter.js';
import { ExportFailures, settleWithin } from './span-queue.js';
import type { SpanQueueOptions } from './span-queue.js';

export class EncodedSpanQueue implements SpanSink {
  dropped = 0;
  exported = 0;
  failed = 0;
  private filling: Writer;
  private spare: Writer | undefined;
  private count = 0;
  private posting: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly failures: ExportFailures;

  constructor(
    private readonly sender: Promise<OtlpProtoSpanSender>,
    private readonly framing: ExportFraming,
    private readonly options: SpanQueueOptions,
  ) {
    this.failures = new ExportFailures(options.onError);
    this.filling = this.newBatch(undefined);
    this.timer = setInterval(() => this.flush(), options.intervalMs);
    this.timer.unref();
    sender.catch((error: Error) => options.onError(`cannot load the span exporter: ${error.message}`));
  }

  onEnd(span: ReadableSpan): void {
    if (this.count >= this.options.maxQueue) {
      this.dropped++;
      return;
    }
    const writer = this.filling;
    const at = writer.pos;
    try {
      writeSpanEntry(writer, span);
    } catch {
      // A value the encoder cannot write loses its span, never the request that ended it.
      writer.pos = at;
      this.dropped++;
      return;
    }
    this.count++;
    if (this.count >= this.options.batchSize) this.flush();
  }

  private newBatch(reused: Writer | undefined): Writer {
    const writer = reused ?? new Writer(256 * 1024);
    this.framing.startBatch(writer);
    return writer;
  }

  private flush(): void {
    if (this.posting !== undefined || this.count === 0) return;
    const writer = this.filling;
    const count = this.count;
    const body = this.framing.frame(writer);
    this.filling = this.newBatch(this.spare);
    this.spare = undefined;
    this.count = 0;
    this.posting = this.post(body, count).then((released) => {
      // A body still on its way (a post given up) keeps its buffer; the next batch gets a new one.
      if (released) this.spare = writer;
      this.posting = undefined;
      if (this.count >= this.options.batchSize) this.flush();
    });
  }

  private async post(body: Buffer, count: number): Promise<boolean> {
    let sender: OtlpProtoSpanSender;
    try {
      sender = await this.sender;
    } catch {
      this.failed += count;
      return true;
    }
    // A post given up or thrown keeps its buffer unless the sender says the body left whole.
    const outcome = await settleWithin<PostResult>((done) => sender.post(body, done), this.options.exportTimeoutMs, (error) => ({ ok: false, error, released: false }));
    if (outcome.ok) this.exported += count;
    else {
      this.failed += count;
      this.failures.report(count, outcome.error);
    }
    return outcome.released;
  }

  /** Sends every span ended so far, batch after batch. */
  async forceFlush(): Promise<void> {
    for (;;) {
      const posting = this.posting;
      if (posting !== undefined) await posting;
      else if (this.count === 0) return;
      else this.flush();
    }
  }

  async shutdown(): Promise<void> {
    clearInterval(this.timer);
    // Bounded: a collector that does not answer cannot hold up the gateway's shutdown.
    await Promise.race([this.forceFlush(), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
    try {
      (await this.sender).shutdown();
    } catch {
      // The sender never loaded: nothing to close.
    }
  }
}
