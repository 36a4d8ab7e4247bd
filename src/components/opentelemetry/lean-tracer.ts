/**
 * The spans of the request path, without the SDK tracer: a span records its name, kind, ids, start and
 * end, attributes and status, and nothing else (no context manager, no attribute sanitising, no span
 * limits, no processors chain). Each ended, sampled span is a `ReadableSpan` the official OTLP
 * serializers and exporters accept. The SDK tracer cost ~2.6 µs per span on the bench machine; this
 * one a fraction of it (see the bench notes of issue #12).
 *
 * Sampling follows krakend-otel: every trace unless 0 < rate < 1; then a root is kept by its trace id
 * (Go's `TraceIDRatioBased`, so Portico and KrakenD keep the same traces) and a child follows its
 * parent's sampled flag (`ParentBased`), the client's `traceparent` included.
 */
import { randomFillSync } from 'node:crypto';
import type { Attributes, AttributeValue, HrTime, Link, SpanContext, SpanStatus } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import type { FixedAttributes, SplitAttributesSpan } from './otlp-proto-encoder.js';

/** OpenTelemetry API `SpanKind` values. */
export const SPAN_KIND_INTERNAL = 0;
export const SPAN_KIND_SERVER = 1;
export const SPAN_KIND_CLIENT = 2;
/** OpenTelemetry API `SpanStatusCode` values. */
export const STATUS_OK = 1;
export const STATUS_ERROR = 2;

const TRACE_FLAG_SAMPLED = 1;
const UNSET: SpanStatus = { code: 0 };
const ZERO_TIME: HrTime = [0, 0];
const NO_LINKS: Link[] = [];
const NO_EVENTS: TimedEvent[] = [];
/** The attributes of every span the sampler dropped: nothing may be written to them. */
const UNRECORDED: Attributes = Object.freeze({});

/** Where ended, sampled spans go: the bounded export queues. */
export interface SpanSink {
  onEnd(span: ReadableSpan): void;
}

/**
 * A span context with its ids also as bytes (the trace id's 16 at `traceAt` of `traceBytes`, the span
 * id's 8 at `spanAt` of `spanBytes`): the encoder copies them instead of parsing the hex again for
 * every span that names them.
 */
export interface LeanSpanContext extends SpanContext {
  readonly traceBytes: Uint8Array;
  readonly traceAt: number;
  readonly spanBytes: Uint8Array;
  readonly spanAt: number;
}

// Ids come from a pool of random bytes filled 8 KiB at a time (one syscall per ~340 spans) and turned
// into hex once: an id is then a slice of that string and a place in the bytes. Each fill takes a new
// buffer, so the contexts still holding the previous one keep their bytes.
const POOL_SIZE = 8192;
let poolBytes = Buffer.alloc(0);
let poolHex = '';
let poolAt = POOL_SIZE;

/** Reserves `length` random bytes of the pool that are not all zero (an invalid id); returns their offset. */
function reserveId(length: number): number {
  for (;;) {
    if (poolAt + length > POOL_SIZE) {
      poolBytes = randomFillSync(Buffer.allocUnsafeSlow(POOL_SIZE));
      poolHex = poolBytes.toString('hex');
      poolAt = 0;
    }
    const at = poolAt;
    poolAt += length;
    for (let i = at; i < at + length; i++) if (poolBytes[i] !== 0) return at;
  }
}

function hexOf(at: number, length: number): string {
  return poolHex.slice(2 * at, 2 * (at + length));
}

const INVALID_TRACE_ID = '0'.repeat(32);
const INVALID_SPAN_ID = '0'.repeat(16);

/** `context` with its ids as bytes: itself when the lean tracer made or parsed it. */
function leanContextOf(context: SpanContext): LeanSpanContext {
  if ((context as Partial<LeanSpanContext>).spanBytes !== undefined) return context as LeanSpanContext;
  const bytes = Buffer.from(context.traceId + context.spanId, 'hex');
  return { ...context, traceBytes: bytes, traceAt: 0, spanBytes: bytes, spanAt: 16 };
}

// performance.now() counts from timeOrigin; whole seconds kept apart so nanoseconds stay exact.
const ORIGIN_SECONDS = Math.trunc(performance.timeOrigin / 1000);
const ORIGIN_REST_MS = performance.timeOrigin - ORIGIN_SECONDS * 1000;

/** Wall-clock `HrTime` of a `performance.now()` reading, into `time` when given (no allocation). */
export function hrTimeOf(now: number, time: HrTime = [0, 0]): HrTime {
  const ms = ORIGIN_REST_MS + now;
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.round((ms - seconds * 1000) * 1e6);
  const carry = nanos >= 1e9 ? 1 : 0;
  time[0] = ORIGIN_SECONDS + seconds + carry;
  time[1] = nanos - carry * 1e9;
  return time;
}

const TRACEPARENT = /^([\da-f]{2})-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})(-.*)?$/;

/**
 * W3C Trace Context `traceparent` → the client's span context, or undefined when invalid: version
 * `ff`, all-zero ids, or a version-00 header with anything after the flags.
 */
export function parseTraceparent(header: string): LeanSpanContext | undefined {
  const match = TRACEPARENT.exec(header.trim());
  if (match === null) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === INVALID_TRACE_ID || spanId === INVALID_SPAN_ID) return undefined;
  return leanContextOf({ traceId, spanId, traceFlags: parseInt(flags, 16), isRemote: true });
}

/** The W3C `traceparent` of a span context. */
export function formatTraceparent(context: SpanContext): string {
  const flags = context.traceFlags & 0xff;
  return `00-${context.traceId}-${context.spanId}-${flags < 16 ? '0' : ''}${flags.toString(16)}`;
}

/**
 * Go's `TraceIDRatioBased` (go.opentelemetry.io/otel/sdk/trace/sampling.go): kept when the last 8 bytes
 * of the trace id, shifted right once, are below `uint64(rate * 2^63)`. Compared exactly, as two 32-bit
 * halves, so the same trace ids are kept as by KrakenD.
 */
export function ratioBound(rate: number): readonly [number, number] {
  const bound = Math.trunc(rate * 2 ** 63);
  const high = Math.floor(bound / 2 ** 32);
  return [high, bound - high * 2 ** 32];
}

/** The decision for the trace id whose 16 bytes start at `traceAt` (read as bytes: no hex parsing a request). */
export function sampledByRatio(traceBytes: Uint8Array, traceAt: number, bound: readonly [number, number]): boolean {
  const high = (((traceBytes[traceAt + 8] as number) << 24) | ((traceBytes[traceAt + 9] as number) << 16) | ((traceBytes[traceAt + 10] as number) << 8) | (traceBytes[traceAt + 11] as number)) >>> 0;
  const low = (((traceBytes[traceAt + 12] as number) << 24) | ((traceBytes[traceAt + 13] as number) << 16) | ((traceBytes[traceAt + 14] as number) << 8) | (traceBytes[traceAt + 15] as number)) >>> 0;
  const shiftedHigh = high >>> 1;
  const shiftedLow = (((high & 1) << 31) | (low >>> 1)) >>> 0;
  return shiftedHigh < bound[0] || (shiftedHigh === bound[0] && shiftedLow < bound[1]);
}

export interface LeanTracerOptions {
  resource: Resource;
  scope: InstrumentationScope;
  /** `trace_sample_rate`: every trace unless 0 < rate < 1. */
  sampleRate: number;
  sinks: readonly SpanSink[];
}

export class LeanTracer {
  readonly resource: Resource;
  readonly scope: InstrumentationScope;
  /** `ratioBound(rate)` when sampling by ratio, else undefined (every trace). */
  private readonly ratio: readonly [number, number] | undefined;
  private readonly sinks: readonly SpanSink[];

  constructor(options: LeanTracerOptions) {
    this.resource = options.resource;
    this.scope = options.scope;
    this.ratio = options.sampleRate > 0 && options.sampleRate < 1 ? ratioBound(options.sampleRate) : undefined;
    this.sinks = options.sinks;
  }

  /**
   * A span whose own attributes (`ownAttributes`) the caller fills only if it records (`recording`): one
   * the sampler dropped gets a frozen empty set, so a request that is not traced builds no attribute.
   * `attributes`, when given, becomes a recorded span's own set (the caller hands over a fresh object);
   * `fixed` are the opening layer's static attributes, encoded once for all its spans.
   */
  open(name: string, kind: number, parent: SpanContext | undefined, attributes: Attributes = {}, fixed?: FixedAttributes): LeanSpan {
    const trace = parent === undefined ? undefined : leanContextOf(parent);
    let traceBytes: Uint8Array;
    let traceAt: number;
    let traceId: string;
    if (trace === undefined) {
      traceAt = reserveId(16);
      traceBytes = poolBytes;
      traceId = hexOf(traceAt, 16);
    } else ({ traceBytes, traceAt, traceId } = trace);
    const spanAt = reserveId(8);
    const sampled = this.sampled(traceBytes, traceAt, parent);
    const context: LeanSpanContext = { traceId, spanId: hexOf(spanAt, 8), traceFlags: sampled ? TRACE_FLAG_SAMPLED : 0, traceBytes, traceAt, spanBytes: poolBytes, spanAt };
    return new LeanSpan(this, name, kind, context, trace, sampled ? attributes : UNRECORDED, sampled ? fixed : undefined);
  }

  /**
   * True when every span opened under `parent` would be dropped (sampling by ratio, and `parent` not
   * sampled): a layer then opens none and hands `parent` down as it is, so a request the sampler left
   * out costs one context for the whole trace, not one per layer. Its backends receive the `traceparent`
   * of the nearest span opened (with the sampled flag clear), not of a per-call one that nothing records.
   */
  dropsChildrenOf(parent: SpanContext): boolean {
    return this.ratio !== undefined && (parent.traceFlags & TRACE_FLAG_SAMPLED) === 0;
  }

  private sampled(traceBytes: Uint8Array, traceAt: number, parent: SpanContext | undefined): boolean {
    if (this.ratio === undefined) return true;
    if (parent !== undefined) return (parent.traceFlags & TRACE_FLAG_SAMPLED) !== 0;
    return sampledByRatio(traceBytes, traceAt, this.ratio);
  }

  /** @internal called by `LeanSpan.end` for recorded (sampled) spans only. */
  ended(span: LeanSpan): void {
    for (const sink of this.sinks) sink.onEnd(span);
  }
}

export class LeanSpan implements SplitAttributesSpan {
  status: SpanStatus = UNSET;
  ended = false;
  events: TimedEvent[] = NO_EVENTS;
  readonly links: Link[] = NO_LINKS;
  readonly droppedAttributesCount = 0;
  readonly droppedEventsCount = 0;
  readonly droppedLinksCount = 0;
  readonly parentSpanContext?: LeanSpanContext;
  /**
   * `performance.now()` at start and end: the `HrTime`s below are made only for whoever reads them. A span
   * the sampler dropped is never exported and reads no clock.
   */
  readonly startedAt: number;
  endedAt = 0;

  constructor(
    private readonly tracer: LeanTracer,
    readonly name: string,
    readonly kind: number,
    private readonly context: LeanSpanContext,
    parent: LeanSpanContext | undefined,
    readonly ownAttributes: Attributes,
    readonly fixedAttributes: FixedAttributes | undefined,
  ) {
    // Always set, undefined for a root: one object shape for every span.
    (this as { parentSpanContext: LeanSpanContext | undefined }).parentSpanContext = parent;
    this.startedAt = (context.traceFlags & TRACE_FLAG_SAMPLED) !== 0 ? performance.now() : 0;
  }

  spanContext(): LeanSpanContext {
    return this.context;
  }

  get startTime(): HrTime {
    return hrTimeOf(this.startedAt);
  }

  get endTime(): HrTime {
    return this.ended ? hrTimeOf(this.endedAt) : ZERO_TIME;
  }

  get duration(): HrTime {
    if (!this.ended) return ZERO_TIME;
    const nanos = Math.round((this.endedAt - this.startedAt) * 1e6);
    return [Math.floor(nanos / 1e9), nanos % 1e9];
  }

  /** The fixed attributes with the span's own (an own value wins): built for whoever reads them. */
  get attributes(): Attributes {
    return this.fixedAttributes === undefined ? this.ownAttributes : { ...this.fixedAttributes.values, ...this.ownAttributes };
  }

  get resource(): Resource {
    return this.tracer.resource;
  }

  get instrumentationScope(): InstrumentationScope {
    return this.tracer.scope;
  }

  /** False for a span the sampler dropped: it still carries ids to propagate, and is never exported. */
  get recording(): boolean {
    return (this.context.traceFlags & TRACE_FLAG_SAMPLED) !== 0;
  }

  setAttribute(key: string, value: AttributeValue): void {
    if (this.recording) this.ownAttributes[key] = value;
  }

  setStatus(code: number, message?: string): void {
    this.status = message === undefined ? { code } : { code, message };
  }

  /** The SDK's `recordException`: an `exception` event with type, message and stack. */
  recordException(error: unknown): void {
    const failure = (error ?? {}) as { code?: unknown; name?: string; message?: string; stack?: string };
    const attributes: Attributes = {};
    if (failure.code !== undefined && failure.code !== null) attributes['exception.type'] = String(failure.code);
    else if (failure.name) attributes['exception.type'] = failure.name;
    if (failure.message) attributes['exception.message'] = failure.message;
    if (failure.stack) attributes['exception.stacktrace'] = failure.stack;
    this.events = [{ name: 'exception', time: hrTimeOf(performance.now()), attributes, droppedAttributesCount: 0 }];
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (!this.recording) return;
    this.endedAt = performance.now();
    this.tracer.ended(this);
  }
}
