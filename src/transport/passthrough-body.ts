import { HttpClientError } from './errors.js';
import type { Exchange } from './http1-client.js';

/** Where a body goes: a client response, or a collector (readAll). */
export interface BodySink {
  write(chunk: Buffer): boolean;
  once(event: 'drain', listener: () => void): unknown;
  end(chunk?: Buffer): unknown;
  destroy(error?: Error): unknown;
}

/**
 * The body of a no-op backend response, streamed to the client as it arrives. Chunks that arrive
 * before `pipeTo` is called are held (at most what one socket read delivers while the head is handled);
 * backpressure from the client pauses the backend socket.
 */
export class PassthroughBody {
  private held: Buffer[] | undefined = [];
  private target: BodySink | undefined;
  private ended = false;
  private failure: Error | undefined;
  private onDone: ((error?: Error) => void) | undefined;
  exchange: Exchange | undefined;
  /** What a slow client pauses: the decoder when the gateway inflates the body, else the exchange. */
  source: { pause(): unknown; resume(): unknown } | undefined;
  private waiting = false;
  private readonly resume = (): void => {
    this.waiting = false;
    (this.source ?? this.exchange)?.resume();
  };

  /** True once the whole body (or its failure) has arrived. */
  get arrived(): boolean {
    return this.ended;
  }

  push(chunk: Buffer): void {
    const target = this.target;
    if (target === undefined) {
      this.held?.push(chunk);
      return;
    }
    // One drain listener at a time, however many chunks one socket read delivers.
    if (!target.write(chunk) && !this.waiting) {
      this.waiting = true;
      (this.source ?? this.exchange)?.pause();
      target.once('drain', this.resume);
    }
  }

  end(): void {
    this.ended = true;
    if (this.target) this.finish();
  }

  fail(error: Error): void {
    this.failure = error;
    this.ended = true;
    if (this.target) this.finish();
  }

  /** Streams the body into `response` (whose head must already be written); `done` fires once. */
  pipeTo(response: BodySink, done?: (error?: Error) => void): void {
    this.target = response;
    this.onDone = done;
    const held = this.held;
    this.held = undefined;
    // Small bodies usually arrive with the head: send head and body in one write.
    if (this.ended && this.failure === undefined && held !== undefined && held.length <= 1) {
      response.end(held[0]);
      this.onDone = undefined;
      done?.();
      return;
    }
    if (held) for (const chunk of held) this.push(chunk);
    if (this.ended) this.finish();
  }

  /** The whole body in memory (a sequential `respN` param reads a no-op answer so); fails past `maxBytes`. */
  readAll(maxBytes: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let failed = false;
      const sink: BodySink = {
        write: (chunk) => {
          size += chunk.length;
          if (size > maxBytes && !failed) {
            failed = true;
            const error = new HttpClientError('PRT_ERR_BACKEND_TOO_LARGE', `the backend response exceeds ${maxBytes} bytes`);
            this.discard(error);
            reject(error);
          } else if (!failed) chunks.push(chunk);
          return true;
        },
        once: () => undefined,
        end: (chunk) => {
          if (chunk) chunks.push(chunk);
        },
        destroy: () => undefined,
      };
      this.pipeTo(sink, (error) => {
        if (failed) return;
        if (error) reject(error);
        else resolve(Buffer.concat(chunks));
      });
    });
  }

  /** The client went away or nobody will read: stop the backend transfer. */
  discard(error: Error): void {
    this.held = undefined;
    this.exchange?.abort(error);
  }

  private finish(): void {
    const target = this.target as BodySink;
    if (this.failure) target.destroy(this.failure);
    else target.end();
    const done = this.onDone;
    this.onDone = undefined;
    done?.(this.failure);
  }
}
