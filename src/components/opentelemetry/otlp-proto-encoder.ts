/**
 * `ExportTraceServiceRequest` in protobuf, the same bytes as the official `ProtobufTraceSerializer` of
 * @opentelemetry/otlp-transformer (a unit test compares them), written as the spans end: each span is
 * appended to a reused buffer at once, and the request's framing (resource, scope, lengths) is written
 * around them when the batch leaves. The official serializer sizes the message in a first pass over
 * every span and writes it in a second, so spans must wait for it as objects; kept for a batch, they
 * survived the young generation and cost a copy into the old one (the bench's largest tracing cost).
 * Field numbers: opentelemetry-proto `collector/trace/v1`, `trace/v1/trace.proto`, `common/v1`.
 */
import type { AttributeValue, Attributes, HrTime, SpanContext } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { hrTimeOf } from './lean-tracer.js';
import type { LeanSpanContext } from './lean-tracer.js';

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH = 2;
const WIRE_FIXED32 = 5;
const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

/** Hex digit → value, by char code (0 for anything else, as the official hexToBinary does). */
const HEX = new Uint8Array(128);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[97 + i] = 10 + i;
  HEX[65 + i] = 10 + i;
}

/** Scratch for a double's bytes: Node's `writeDoubleLE` takes the value as a call argument, boxed each time. */
const DOUBLE = new Float64Array(1);
const DOUBLE_BYTES = new Uint8Array(DOUBLE.buffer);

/** Little-endian, byte by byte: `writeUInt32LE` checks and boxes its arguments on every call. */
function writeUint32At(buffer: Uint8Array, at: number, value: number): void {
  buffer[at] = value & 0xff;
  buffer[at + 1] = (value >>> 8) & 0xff;
  buffer[at + 2] = (value >>> 16) & 0xff;
  buffer[at + 3] = value >>> 24;
}

function writeDoubleAt(buffer: Uint8Array, at: number, value: number): void {
  DOUBLE[0] = value;
  for (let i = 0; i < 8; i++) buffer[at + i] = DOUBLE_BYTES[i] as number;
}

/** The official serializer's HrTime → nanoseconds split, exact beyond 2^53, as a fixed64 at `at`. */
function writeHrTimeAt(buffer: Uint8Array, at: number, time: HrTime): void {
  const seconds = time[0];
  const nanos = time[1];
  const lowerNanos = (seconds & 0xffff) * 1e9;
  const upperNanos = ((seconds / 0x10000) >>> 0) * 1e9;
  const lowWithCarry = (lowerNanos >>> 0) + ((((upperNanos & 0xffff) * 0x10000) >>> 0) >>> 0) + nanos;
  const high = (Math.floor(lowerNanos / 0x100000000) + ((upperNanos / 0x10000) >>> 0) + Math.floor(lowWithCarry / 0x100000000)) >>> 0;
  writeUint32At(buffer, at, lowWithCarry >>> 0);
  writeUint32At(buffer, at + 4, high);
}

export class Writer {
  buffer: Buffer;
  pos = 0;

  constructor(size = 64 * 1024) {
    // Slow (unpooled) and kept: a fresh large buffer per export page-faults on every touch.
    this.buffer = Buffer.allocUnsafeSlow(size);
  }

  ensure(size: number): void {
    if (this.pos + size <= this.buffer.length) return;
    let length = this.buffer.length * 2;
    while (length < this.pos + size) length *= 2;
    const grown = Buffer.allocUnsafeSlow(length);
    this.buffer.copy(grown, 0, 0, this.pos);
    this.buffer = grown;
  }

  tag(field: number, wire: number): void {
    this.varint32((field << 3) | wire);
  }

  varint32(value: number): void {
    this.ensure(5);
    this.pos = writeVarintAt(this.buffer, this.pos, value >>> 0);
  }

  /** An int64 varint: negative numbers as their 64-bit two's complement (10 bytes). */
  varint64(value: number): void {
    if (value >= 0 && value <= 0xffffffff) return this.varint32(value);
    this.ensure(10);
    const abs = Math.abs(value);
    let low = abs >>> 0;
    let high = (abs / 0x100000000) >>> 0;
    if (value < 0) {
      low = ~low >>> 0;
      high = ~high >>> 0;
      low = (low + 1) >>> 0;
      if (low === 0) high = (high + 1) >>> 0;
    }
    while (high > 0 || low > 0x7f) {
      this.buffer[this.pos++] = (low & 0x7f) | 0x80;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    this.buffer[this.pos++] = low & 0x7f;
  }

  /** Reserves one length byte; `finish` moves the content when the length needs more. */
  start(): number {
    this.ensure(1);
    return this.pos++;
  }

  finish(at: number): void {
    const length = this.pos - at - 1;
    if (length < 0x80) {
      this.buffer[at] = length;
      return;
    }
    const size = varintSize(length);
    this.ensure(size - 1);
    this.buffer.copyWithin(at + size, at + 1, this.pos);
    this.pos += size - 1;
    writeVarintAt(this.buffer, at, length);
  }

  string(value: string): void {
    const count = value.length;
    // Short ASCII (most keys and values): copied in JS, cheaper than a call into C++ per string.
    if (count < 0x80) {
      this.ensure(1 + count * 3);
      const buffer = this.buffer;
      const at = this.pos;
      let i = 0;
      for (; i < count; i++) {
        const code = value.charCodeAt(i);
        if (code >= 0x80) break;
        buffer[at + 1 + i] = code;
      }
      if (i === count) {
        buffer[at] = count;
        this.pos = at + 1 + count;
        return;
      }
      // Up to 42 UTF-16 units are at most 126 UTF-8 bytes: still one length byte.
      if (count <= 42) {
        const written = buffer.write(value, at + 1);
        buffer[at] = written;
        this.pos = at + 1 + written;
        return;
      }
    }
    const length = Buffer.byteLength(value, 'utf8');
    this.varint32(length);
    this.ensure(length);
    this.pos += this.buffer.write(value, this.pos);
  }

  /** Bytes already encoded, copied as they are. */
  raw(value: Uint8Array): void {
    const length = value.length;
    this.ensure(length);
    const buffer = this.buffer;
    const at = this.pos;
    // A few dozen bytes at most (a key, a layer's fixed attributes): a loop beats a call into C++.
    if (length <= 64) for (let i = 0; i < length; i++) buffer[at + i] = value[i] as number;
    else buffer.set(value, at);
    this.pos = at + length;
  }

  bytes(value: Uint8Array): void {
    this.varint32(value.length);
    this.raw(value);
  }

  /** `length` bytes of `source` from `at`, as a bytes field's value. */
  idBytes(source: Uint8Array, at: number, length: number): void {
    this.ensure(length + 1);
    this.pos = writeIdAt(this.buffer, this.pos, source, at, length);
  }

  /** A lowercase hex id (as the tracer makes and `parseTraceparent` accepts) as bytes. */
  hexId(hex: string): void {
    const length = hex.length >>> 1;
    this.varint32(length);
    this.ensure(length);
    const buffer = this.buffer;
    for (let i = 0; i < length; i++) buffer[this.pos++] = (HEX[hex.charCodeAt(2 * i)] as number) * 16 + (HEX[hex.charCodeAt(2 * i + 1)] as number);
  }

  fixed32(value: number): void {
    this.ensure(4);
    writeUint32At(this.buffer, this.pos, value >>> 0);
    this.pos += 4;
  }

  hrTime(time: HrTime): void {
    this.ensure(8);
    writeHrTimeAt(this.buffer, this.pos, time);
    this.pos += 8;
  }

  double(value: number): void {
    this.ensure(8);
    writeDoubleAt(this.buffer, this.pos, value);
    this.pos += 8;
  }
}

function anyValue(writer: Writer, value: unknown): void {
  switch (typeof value) {
    case 'string':
      writer.tag(1, WIRE_LENGTH);
      writer.string(value);
      return;
    case 'boolean':
      writer.tag(2, WIRE_VARINT);
      writer.varint32(value ? 1 : 0);
      return;
    case 'number':
      if (Number.isInteger(value) && value >= -(2 ** 63) && value < 2 ** 63) {
        writer.tag(3, WIRE_VARINT);
        writer.varint64(value);
      } else {
        writer.tag(4, WIRE_FIXED64);
        writer.double(value);
      }
      return;
  }
  if (value instanceof Uint8Array) {
    writer.tag(7, WIRE_LENGTH);
    writer.bytes(value);
  } else if (Array.isArray(value)) {
    writer.tag(5, WIRE_LENGTH);
    const array = writer.start();
    for (const item of value as unknown[]) {
      writer.tag(1, WIRE_LENGTH);
      const at = writer.start();
      anyValue(writer, item);
      writer.finish(at);
    }
    writer.finish(array);
  } else if (typeof value === 'object' && value !== null) {
    writer.tag(6, WIRE_LENGTH);
    const list = writer.start();
    attributes(writer, value as Attributes, 1);
    writer.finish(list);
  }
}

/**
 * Each attribute key's `KeyValue.key` field, encoded on first use: the keys of a gateway's spans are a
 * few dozen names, written on every span. Bounded, so keys made of client input (reported headers)
 * cannot grow it without end; past the bound they are encoded each time.
 */
const KEY_FIELDS = new Map<string, Buffer>();
const KEY_FIELDS_MAX = 4096;

function keyField(key: string): Buffer {
  return KEY_FIELDS.get(key) ?? newKeyField(key);
}

// Apart from keyField: a closure over `key` there would give every call a context to allocate.
function newKeyField(key: string): Buffer {
  const field = bytesOf((writer) => {
    writer.tag(1, WIRE_LENGTH);
    writer.string(key);
  });
  if (KEY_FIELDS.size < KEY_FIELDS_MAX) KEY_FIELDS.set(key, field);
  return field;
}

/** Writes `values`; false (stopping there) at a key that `fixed` has too, when given. */
function attributes(writer: Writer, values: Attributes, field: number, fixed?: Readonly<Attributes>): boolean {
  for (const key in values) {
    if (!Object.prototype.hasOwnProperty.call(values, key)) continue;
    if (fixed !== undefined && Object.hasOwn(fixed, key)) return false;
    const name = keyField(key);
    const value = values[key] as AttributeValue;
    if (shortAttribute(writer, field, name, value)) continue;
    writer.tag(field, WIRE_LENGTH);
    const pair = writer.start();
    writer.raw(name);
    writer.tag(2, WIRE_LENGTH);
    const at = writer.start();
    anyValue(writer, value);
    writer.finish(at);
    writer.finish(pair);
  }
  return true;
}

/**
 * A `KeyValue` whose every length fits one byte (a short ASCII string, a small non-negative integer, a
 * boolean, a double: most of a gateway's attributes), written in one pass with its lengths known up
 * front instead of reserved and patched per nested message. False, with nothing written, for any other.
 */
function shortAttribute(writer: Writer, field: number, name: Buffer, value: unknown): boolean {
  const keyLength = name.length;
  if (field > 15 || keyLength > 60) return false;
  let valueLength: number;
  if (typeof value === 'string') {
    valueLength = 2 + value.length;
    if (value.length > 60) return false;
  } else if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0 && value <= 0xffffffff) valueLength = 1 + varintSize(value);
    else if (!Number.isInteger(value)) valueLength = 9;
    else return false;
  } else if (typeof value === 'boolean') valueLength = 2;
  else return false;
  const pairLength = keyLength + 2 + valueLength;
  writer.ensure(2 + pairLength);
  const buffer = writer.buffer;
  const start = writer.pos;
  let pos = start;
  buffer[pos++] = (field << 3) | WIRE_LENGTH;
  buffer[pos++] = pairLength;
  for (let i = 0; i < keyLength; i++) buffer[pos++] = name[i] as number;
  buffer[pos++] = (2 << 3) | WIRE_LENGTH;
  buffer[pos++] = valueLength;
  if (typeof value === 'string') {
    buffer[pos++] = (1 << 3) | WIRE_LENGTH;
    buffer[pos++] = value.length;
    for (let i = 0; i < value.length; i++) {
      const code = value.charCodeAt(i);
      // Not ASCII: its UTF-8 is longer than the lengths written. Nothing is kept; the general path writes it.
      if (code >= 0x80) return false;
      buffer[pos++] = code;
    }
  } else if (typeof value === 'boolean') {
    buffer[pos++] = (2 << 3) | WIRE_VARINT;
    buffer[pos++] = value ? 1 : 0;
  } else if (valueLength === 9) {
    buffer[pos++] = (4 << 3) | WIRE_FIXED64;
    writeDoubleAt(buffer, pos, value as number);
    pos += 8;
  } else {
    buffer[pos++] = (3 << 3) | WIRE_VARINT;
    pos = writeVarintAt(buffer, pos, value as number);
  }
  writer.pos = pos;
  return true;
}

/**
 * A layer's static span attributes, encoded once when the layer is built: every span the layer opens
 * copies these bytes instead of encoding the same keys and values again.
 */
export class FixedAttributes {
  readonly encoded: Buffer;

  constructor(readonly values: Readonly<Attributes>) {
    Object.freeze(values);
    this.encoded = bytesOf((writer) => attributes(writer, values, 9));
  }
}

/**
 * A span whose attributes are a layer's fixed set plus its own, and whose times are `performance.now()`
 * readings (the lean tracer's): encoded without building its merged attributes or `HrTime`s.
 */
export interface SplitAttributesSpan extends ReadableSpan {
  readonly fixedAttributes: FixedAttributes | undefined;
  readonly ownAttributes: Attributes;
  readonly startedAt: number;
  readonly endedAt: number;
}

function isSplit(record: ReadableSpan): record is SplitAttributesSpan {
  return (record as Partial<SplitAttributesSpan>).ownAttributes !== undefined;
}

/**
 * Field 9. A split span's bytes are the fixed set's, then its own attributes: the same as encoding its
 * merged `attributes` (fixed keys first, own keys after) unless an own key overrides a fixed one; that
 * rare span is encoded from the merged set.
 */
function spanAttributes(writer: Writer, record: ReadableSpan): void {
  if (!isSplit(record)) {
    attributes(writer, record.attributes, 9);
    return;
  }
  const fixed = record.fixedAttributes;
  if (fixed === undefined) {
    attributes(writer, record.ownAttributes, 9);
    return;
  }
  const at = writer.pos;
  writer.raw(fixed.encoded);
  if (attributes(writer, record.ownAttributes, 9, fixed.values)) return;
  writer.pos = at;
  attributes(writer, record.attributes, 9);
}

function spanFlags(traceFlags: number, isRemote: boolean | undefined): number {
  return (traceFlags & 0xff) | HAS_IS_REMOTE | (isRemote === true ? IS_REMOTE : 0);
}

function isLean(context: SpanContext): context is LeanSpanContext {
  return (context as Partial<LeanSpanContext>).spanBytes !== undefined;
}

/** Scratch for a lean span's times: they are written at once, never kept. */
const TIME: HrTime = [0, 0];

function spanTime(writer: Writer, record: ReadableSpan, end: boolean): void {
  if (isSplit(record)) writer.hrTime(hrTimeOf(end ? record.endedAt : record.startedAt, TIME));
  else writer.hrTime(end ? record.endTime : record.startTime);
}

function span(writer: Writer, record: ReadableSpan): void {
  const context = record.spanContext();
  const parent = record.parentSpanContext;
  writer.tag(1, WIRE_LENGTH);
  if (isLean(context)) {
    writer.idBytes(context.traceBytes, context.traceAt, 16);
    writer.tag(2, WIRE_LENGTH);
    writer.idBytes(context.spanBytes, context.spanAt, 8);
  } else {
    writer.hexId(context.traceId);
    writer.tag(2, WIRE_LENGTH);
    writer.hexId(context.spanId);
  }
  const traceState = context.traceState?.serialize();
  if (traceState) {
    writer.tag(3, WIRE_LENGTH);
    writer.string(traceState);
  }
  if (parent?.spanId) {
    writer.tag(4, WIRE_LENGTH);
    if (isLean(parent)) writer.idBytes(parent.spanBytes, parent.spanAt, 8);
    else writer.hexId(parent.spanId);
  }
  writer.tag(5, WIRE_LENGTH);
  writer.string(record.name);
  // The API's kinds start at INTERNAL = 0, OTLP's at UNSPECIFIED = 0.
  const kind = record.kind === undefined || record.kind === null ? 0 : record.kind + 1;
  if (kind !== 0) {
    writer.tag(6, WIRE_VARINT);
    writer.varint32(kind);
  }
  writer.tag(7, WIRE_FIXED64);
  spanTime(writer, record, false);
  writer.tag(8, WIRE_FIXED64);
  spanTime(writer, record, true);
  spanAttributes(writer, record);
  writer.tag(10, WIRE_VARINT);
  writer.varint32(record.droppedAttributesCount);
  // Indexed loops: a for-of allocates its iterator on every span where the compiler does not remove it.
  const events = record.events;
  for (let i = 0; i < events.length; i++) {
    const event = events[i] as (typeof events)[number];
    writer.tag(11, WIRE_LENGTH);
    const at = writer.start();
    writer.tag(1, WIRE_FIXED64);
    writer.hrTime(event.time);
    writer.tag(2, WIRE_LENGTH);
    writer.string(event.name);
    if (event.attributes) attributes(writer, event.attributes, 3);
    writer.tag(4, WIRE_VARINT);
    writer.varint32(event.droppedAttributesCount ?? 0);
    writer.finish(at);
  }
  writer.tag(12, WIRE_VARINT);
  writer.varint32(record.droppedEventsCount);
  const links = record.links;
  for (let i = 0; i < links.length; i++) {
    const link = links[i] as (typeof links)[number];
    writer.tag(13, WIRE_LENGTH);
    const at = writer.start();
    writer.tag(1, WIRE_LENGTH);
    writer.hexId(link.context.traceId);
    writer.tag(2, WIRE_LENGTH);
    writer.hexId(link.context.spanId);
    const linkState = link.context.traceState?.serialize();
    if (linkState) {
      writer.tag(3, WIRE_LENGTH);
      writer.string(linkState);
    }
    if (link.attributes) attributes(writer, link.attributes, 4);
    writer.tag(5, WIRE_VARINT);
    writer.varint32(link.droppedAttributesCount ?? 0);
    writer.tag(6, WIRE_FIXED32);
    writer.fixed32(spanFlags(link.context.traceFlags, link.context.isRemote));
    writer.finish(at);
  }
  writer.tag(14, WIRE_VARINT);
  writer.varint32(record.droppedLinksCount);
  spanStatus(writer, record.status);
  writer.tag(16, WIRE_FIXED32);
  writer.fixed32(spanFlags(context.traceFlags, parent?.isRemote));
}

/** Field 15. */
function spanStatus(writer: Writer, status: ReadableSpan['status']): void {
  writer.tag(15, WIRE_LENGTH);
  const at = writer.start();
  if (status.message) {
    writer.tag(2, WIRE_LENGTH);
    writer.string(status.message);
  }
  writer.tag(3, WIRE_VARINT);
  writer.varint32(status.code);
  writer.finish(at);
}

/** One `spans` entry (field 2 of ScopeSpans): a span appended to a batch. */
export function writeSpanEntry(writer: Writer, record: ReadableSpan): void {
  if (isSplit(record) && record.events.length === 0 && record.links.length === 0) {
    const context = record.spanContext();
    const parent = record.parentSpanContext;
    if (isLean(context) && context.traceState === undefined && (parent === undefined || isLean(parent))) return leanSpanEntry(writer, record, context, parent);
  }
  writer.tag(2, WIRE_LENGTH);
  const at = writer.start();
  span(writer, record);
  writer.finish(at);
}

/** The bytes of a lean span's entry besides its name, attributes and status message, at most. */
const LEAN_FRAME_MAX = 96;

/**
 * `writeSpanEntry` for the lean tracer's spans without events, links or trace state (every span of a
 * request that did not fail): the same bytes, written field after field into the buffer with a size
 * check per stretch rather than per field, and the entry's length given two bytes up front, so a span of 128 bytes to 16 KB
 * (nearly all) is not moved to make room for it.
 */
function leanSpanEntry(writer: Writer, record: SplitAttributesSpan, context: LeanSpanContext, parent: LeanSpanContext | undefined): void {
  const name = record.name;
  const fixed = record.fixedAttributes;
  writer.ensure(LEAN_FRAME_MAX + name.length * 3 + (fixed === undefined ? 0 : fixed.encoded.length));
  let buffer = writer.buffer;
  let pos = writer.pos;
  buffer[pos++] = (2 << 3) | WIRE_LENGTH;
  const lengthAt = pos;
  pos += 2;
  const start = pos;
  buffer[pos++] = (1 << 3) | WIRE_LENGTH;
  pos = writeIdAt(buffer, pos, context.traceBytes, context.traceAt, 16);
  buffer[pos++] = (2 << 3) | WIRE_LENGTH;
  pos = writeIdAt(buffer, pos, context.spanBytes, context.spanAt, 8);
  if (parent !== undefined) {
    buffer[pos++] = (4 << 3) | WIRE_LENGTH;
    pos = writeIdAt(buffer, pos, parent.spanBytes, parent.spanAt, 8);
  }
  buffer[pos++] = (5 << 3) | WIRE_LENGTH;
  writer.pos = pos;
  writer.string(name);
  buffer = writer.buffer;
  pos = writer.pos;
  // The API's kinds start at INTERNAL = 0, OTLP's at UNSPECIFIED = 0.
  buffer[pos++] = (6 << 3) | WIRE_VARINT;
  buffer[pos++] = record.kind + 1;
  buffer[pos++] = (7 << 3) | WIRE_FIXED64;
  writeHrTimeAt(buffer, pos, hrTimeOf(record.startedAt, TIME));
  pos += 8;
  buffer[pos++] = (8 << 3) | WIRE_FIXED64;
  writeHrTimeAt(buffer, pos, hrTimeOf(record.endedAt, TIME));
  pos += 8;
  writer.pos = pos;
  spanAttributes(writer, record);
  writer.ensure(LEAN_FRAME_MAX);
  buffer = writer.buffer;
  pos = writer.pos;
  // The dropped counts, all 0 for a lean span without events or links.
  buffer[pos++] = (10 << 3) | WIRE_VARINT;
  buffer[pos++] = 0;
  buffer[pos++] = (12 << 3) | WIRE_VARINT;
  buffer[pos++] = 0;
  buffer[pos++] = (14 << 3) | WIRE_VARINT;
  buffer[pos++] = 0;
  writer.pos = pos;
  spanStatus(writer, record.status);
  writer.ensure(LEAN_FRAME_MAX);
  buffer = writer.buffer;
  pos = writer.pos;
  buffer[pos++] = (((16 << 3) | WIRE_FIXED32) & 0x7f) | 0x80;
  buffer[pos++] = 1;
  writeUint32At(buffer, pos, spanFlags(context.traceFlags, parent?.isRemote));
  pos += 4;
  const length = pos - start;
  if (length < 0x80) {
    buffer[lengthAt] = length;
    buffer.copyWithin(lengthAt + 1, start, pos);
    pos--;
  } else if (length < 0x4000) {
    buffer[lengthAt] = (length & 0x7f) | 0x80;
    buffer[lengthAt + 1] = length >>> 7;
  } else {
    const size = varintSize(length);
    writer.pos = pos;
    writer.ensure(size - 2);
    buffer = writer.buffer;
    buffer.copyWithin(lengthAt + size, start, pos);
    writeVarintAt(buffer, lengthAt, length);
    pos += size - 2;
  }
  writer.pos = pos;
}

/** A bytes field's length and `length` bytes of `source` from `from`, at `at`; returns the position after them. */
function writeIdAt(buffer: Uint8Array, at: number, source: Uint8Array, from: number, length: number): number {
  buffer[at] = length;
  for (let i = 0; i < length; i++) buffer[at + 1 + i] = source[from + i] as number;
  return at + 1 + length;
}

function varintSize(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;
}

/** Writes an unsigned 32-bit varint at `at`; returns the position after it. */
function writeVarintAt(buffer: Buffer, at: number, value: number): number {
  let v = value;
  let p = at;
  while (v > 0x7f) {
    buffer[p++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buffer[p++] = v;
  return p;
}

function bytesOf(write: (writer: Writer) => void): Buffer {
  const writer = new Writer(1024);
  write(writer);
  return Buffer.from(writer.buffer.subarray(0, writer.pos));
}

/**
 * The request around the spans of one resource and one instrumentation scope (a gateway's tracer has
 * one of each). Its fixed parts are encoded once; a batch's spans are written from `reserve` on, and
 * `frame` writes the lengths and fixed parts around them, in place.
 */
export class ExportFraming {
  private readonly resource: Buffer;
  private readonly scope: Buffer;
  private readonly scopeSuffix: Buffer;
  private readonly resourceSuffix: Buffer;
  /** Where a batch's first span starts: room for the longest framing before it. */
  readonly reserve: number;

  constructor(resource: ReadableSpan['resource'], scope: ReadableSpan['instrumentationScope']) {
    this.resource = bytesOf((writer) => {
      writer.tag(1, WIRE_LENGTH);
      const at = writer.start();
      if (resource.attributes) attributes(writer, resource.attributes, 1);
      writer.tag(2, WIRE_VARINT);
      writer.varint32(0);
      writer.finish(at);
    });
    this.scope = bytesOf((writer) => {
      writer.tag(1, WIRE_LENGTH);
      const at = writer.start();
      writer.tag(1, WIRE_LENGTH);
      writer.string(scope.name);
      if (scope.version) {
        writer.tag(2, WIRE_LENGTH);
        writer.string(scope.version);
      }
      writer.finish(at);
    });
    this.scopeSuffix = bytesOf((writer) => {
      if (!scope.schemaUrl) return;
      writer.tag(3, WIRE_LENGTH);
      writer.string(scope.schemaUrl);
    });
    this.resourceSuffix = bytesOf((writer) => {
      if (!resource.schemaUrl) return;
      writer.tag(3, WIRE_LENGTH);
      writer.string(resource.schemaUrl);
    });
    this.reserve = 1 + 5 + this.resource.length + 1 + 5 + this.scope.length;
  }

  /** A writer for a new batch: its spans start at `reserve`. */
  startBatch(writer: Writer): void {
    writer.pos = this.reserve;
  }

  /** The request body: a view of `writer`'s buffer, valid until the writer starts another batch. */
  frame(writer: Writer): Buffer {
    const spansLength = writer.pos - this.reserve;
    writer.ensure(this.scopeSuffix.length + this.resourceSuffix.length);
    const buffer = writer.buffer;
    let end = writer.pos;
    end += this.scopeSuffix.copy(buffer, end);
    end += this.resourceSuffix.copy(buffer, end);
    const scopeSpansLength = this.scope.length + spansLength + this.scopeSuffix.length;
    const resourceSpansLength = this.resource.length + 1 + varintSize(scopeSpansLength) + scopeSpansLength + this.resourceSuffix.length;
    let at = this.reserve - this.scope.length;
    this.scope.copy(buffer, at);
    at -= varintSize(scopeSpansLength);
    writeVarintAt(buffer, at, scopeSpansLength);
    buffer[--at] = (2 << 3) | WIRE_LENGTH;
    at -= this.resource.length;
    this.resource.copy(buffer, at);
    at -= varintSize(resourceSpansLength);
    writeVarintAt(buffer, at, resourceSpansLength);
    buffer[--at] = (1 << 3) | WIRE_LENGTH;
    return buffer.subarray(at, end);
  }
}
