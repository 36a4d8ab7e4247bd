/**
 * `ExportTraceServiceRequest` in protobuf, one pass into a reused buffer: the same bytes as the official
 * `ProtobufTraceSerializer` of @opentelemetry/otlp-transformer (a unit test compares them), at a third
 * of its cost. The official one sizes the message with a first pass over every span, then writes it
 * in a second; each span id is converted from hex to bytes twice, each string measured and encoded
 * twice. At 4 spans per request that was ~16 µs of every traced response on the bench machine.
 * Field numbers: opentelemetry-proto `collector/trace/v1`, `trace/v1/trace.proto`, `common/v1`.
 */
import type { AttributeValue, Attributes, HrTime } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

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

class Writer {
  buffer = Buffer.allocUnsafe(64 * 1024);
  pos = 0;

  ensure(size: number): void {
    if (this.pos + size <= this.buffer.length) return;
    let length = this.buffer.length * 2;
    while (length < this.pos + size) length *= 2;
    const grown = Buffer.allocUnsafe(length);
    this.buffer.copy(grown, 0, 0, this.pos);
    this.buffer = grown;
  }

  tag(field: number, wire: number): void {
    this.varint32((field << 3) | wire);
  }

  varint32(value: number): void {
    this.ensure(5);
    let v = value >>> 0;
    while (v > 0x7f) {
      this.buffer[this.pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buffer[this.pos++] = v;
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
    const size = length < 0x4000 ? 2 : length < 0x200000 ? 3 : length < 0x10000000 ? 4 : 5;
    this.ensure(size - 1);
    this.buffer.copyWithin(at + size, at + 1, this.pos);
    this.pos += size - 1;
    let v = length;
    let p = at;
    while (v > 0x7f) {
      this.buffer[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buffer[p] = v;
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

  bytes(value: Uint8Array): void {
    this.varint32(value.length);
    this.ensure(value.length);
    this.buffer.set(value, this.pos);
    this.pos += value.length;
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
    this.buffer.writeUInt32LE(value >>> 0, this.pos);
    this.pos += 4;
  }

  /** The official serializer's HrTime → nanoseconds split, exact beyond 2^53. */
  hrTime(time: HrTime): void {
    const seconds = time[0];
    const nanos = time[1];
    const lowerNanos = (seconds & 0xffff) * 1e9;
    const upperNanos = ((seconds / 0x10000) >>> 0) * 1e9;
    const lowWithCarry = (lowerNanos >>> 0) + ((((upperNanos & 0xffff) * 0x10000) >>> 0) >>> 0) + nanos;
    const high = (Math.floor(lowerNanos / 0x100000000) + ((upperNanos / 0x10000) >>> 0) + Math.floor(lowWithCarry / 0x100000000)) >>> 0;
    this.ensure(8);
    this.buffer.writeUInt32LE(lowWithCarry >>> 0, this.pos);
    this.buffer.writeUInt32LE(high, this.pos + 4);
    this.pos += 8;
  }

  double(value: number): void {
    this.ensure(8);
    this.buffer.writeDoubleLE(value, this.pos);
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

function attributes(writer: Writer, values: Attributes, field: number): void {
  for (const key in values) {
    if (!Object.prototype.hasOwnProperty.call(values, key)) continue;
    writer.tag(field, WIRE_LENGTH);
    const pair = writer.start();
    writer.tag(1, WIRE_LENGTH);
    writer.string(key);
    writer.tag(2, WIRE_LENGTH);
    const at = writer.start();
    anyValue(writer, values[key] as AttributeValue);
    writer.finish(at);
    writer.finish(pair);
  }
}

function spanFlags(traceFlags: number, isRemote: boolean | undefined): number {
  return (traceFlags & 0xff) | HAS_IS_REMOTE | (isRemote === true ? IS_REMOTE : 0);
}

function span(writer: Writer, record: ReadableSpan): void {
  const context = record.spanContext();
  const parent = record.parentSpanContext;
  writer.tag(1, WIRE_LENGTH);
  writer.hexId(context.traceId);
  writer.tag(2, WIRE_LENGTH);
  writer.hexId(context.spanId);
  const traceState = context.traceState?.serialize();
  if (traceState) {
    writer.tag(3, WIRE_LENGTH);
    writer.string(traceState);
  }
  if (parent?.spanId) {
    writer.tag(4, WIRE_LENGTH);
    writer.hexId(parent.spanId);
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
  writer.hrTime(record.startTime);
  writer.tag(8, WIRE_FIXED64);
  writer.hrTime(record.endTime);
  attributes(writer, record.attributes, 9);
  writer.tag(10, WIRE_VARINT);
  writer.varint32(record.droppedAttributesCount);
  for (const event of record.events) {
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
  for (const link of record.links) {
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
  writer.tag(15, WIRE_LENGTH);
  const status = writer.start();
  if (record.status.message) {
    writer.tag(2, WIRE_LENGTH);
    writer.string(record.status.message);
  }
  writer.tag(3, WIRE_VARINT);
  writer.varint32(record.status.code);
  writer.finish(status);
  writer.tag(16, WIRE_FIXED32);
  writer.fixed32(spanFlags(context.traceFlags, parent?.isRemote));
}

const writer = new Writer();

/**
 * The protobuf body of one export. The bytes are a copy: the writer's buffer is reused by the next
 * call. Spans are grouped by resource, then by instrumentation scope, in first-seen order.
 */
export function encodeTraceExport(spans: readonly ReadableSpan[]): Buffer {
  const resources = new Map<ReadableSpan['resource'], Map<ReadableSpan['instrumentationScope'], ReadableSpan[]>>();
  for (const record of spans) {
    let scopes = resources.get(record.resource);
    if (scopes === undefined) resources.set(record.resource, (scopes = new Map()));
    let group = scopes.get(record.instrumentationScope);
    if (group === undefined) scopes.set(record.instrumentationScope, (group = []));
    group.push(record);
  }
  writer.pos = 0;
  for (const [resource, scopes] of resources) {
    writer.tag(1, WIRE_LENGTH);
    const resourceSpans = writer.start();
    writer.tag(1, WIRE_LENGTH);
    const resourceAt = writer.start();
    if (resource.attributes) attributes(writer, resource.attributes, 1);
    writer.tag(2, WIRE_VARINT);
    writer.varint32(0);
    writer.finish(resourceAt);
    for (const [scope, group] of scopes) {
      writer.tag(2, WIRE_LENGTH);
      const scopeSpans = writer.start();
      writer.tag(1, WIRE_LENGTH);
      const scopeAt = writer.start();
      writer.tag(1, WIRE_LENGTH);
      writer.string(scope.name);
      if (scope.version) {
        writer.tag(2, WIRE_LENGTH);
        writer.string(scope.version);
      }
      writer.finish(scopeAt);
      for (const record of group) {
        writer.tag(2, WIRE_LENGTH);
        const at = writer.start();
        span(writer, record);
        writer.finish(at);
      }
      if (scope.schemaUrl) {
        writer.tag(3, WIRE_LENGTH);
        writer.string(scope.schemaUrl);
      }
      writer.finish(scopeSpans);
    }
    if (resource.schemaUrl) {
      writer.tag(3, WIRE_LENGTH);
      writer.string(resource.schemaUrl);
    }
    writer.finish(resourceSpans);
  }
  const body = Buffer.allocUnsafeSlow(writer.pos);
  writer.buffer.copy(body, 0, 0, writer.pos);
  return body;
}
