/**
 * A small protobuf wire-format reader for OTLP trace exports (`ExportTraceServiceRequest`, the body of
 * POST /v1/traces with `Content-Type: application/x-protobuf`): the spans with ids in hex and attributes
 * shaped as the OTLP/JSON mapping shapes them (`{ stringValue }`, `{ intValue }`, ...).
 * Field numbers: opentelemetry-proto `trace/v1/trace.proto` and `common/v1/common.proto`.
 */

export type OtlpValue = { stringValue: string } | { boolValue: boolean } | { intValue: number } | { doubleValue: number } | { arrayValue: { values: OtlpValue[] } } | { bytesValue: Buffer } | { kvlistValue: unknown };

export interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: OtlpAttribute[];
  events: { name: string; attributes: OtlpAttribute[] }[];
  status: { code: number; message?: string };
  flags: number;
}

export interface OtlpTraceExport {
  resources: { attributes: OtlpAttribute[]; scopes: { name: string; spans: OtlpSpan[] }[] }[];
}

interface Field {
  number: number;
  wire: number;
  /** Varint (as bigint), fixed64 (bigint), fixed32 (number) or the bytes of a length-delimited field. */
  value: bigint | number | Buffer;
}

function* fields(buffer: Buffer): Generator<Field> {
  let at = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (at >= buffer.length) throw new Error('protobuf: truncated varint');
      const byte = buffer[at++] as number;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new Error('protobuf: varint too long');
    }
  };
  while (at < buffer.length) {
    const key = Number(varint());
    const number = key >>> 3;
    const wire = key & 7;
    if (wire === 0) yield { number, wire, value: varint() };
    else if (wire === 1) {
      yield { number, wire, value: buffer.readBigUInt64LE(at) };
      at += 8;
    } else if (wire === 2) {
      const length = Number(varint());
      if (at + length > buffer.length) throw new Error('protobuf: truncated field');
      yield { number, wire, value: buffer.subarray(at, at + length) };
      at += length;
    } else if (wire === 5) {
      yield { number, wire, value: buffer.readUInt32LE(at) };
      at += 4;
    } else throw new Error(`protobuf: unexpected wire type ${wire}`);
  }
}

const bytes = (field: Field): Buffer => field.value as Buffer;
const text = (field: Field): string => bytes(field).toString('utf8');

function anyValue(buffer: Buffer): OtlpValue {
  for (const field of fields(buffer)) {
    switch (field.number) {
      case 1:
        return { stringValue: text(field) };
      case 2:
        return { boolValue: field.value === 1n };
      case 3:
        return { intValue: Number(BigInt.asIntN(64, field.value as bigint)) };
      case 4: {
        const raw = Buffer.alloc(8);
        raw.writeBigUInt64LE(field.value as bigint);
        return { doubleValue: raw.readDoubleLE(0) };
      }
      case 5:
        return { arrayValue: { values: [...fields(bytes(field))].filter((item) => item.number === 1).map((item) => anyValue(bytes(item))) } };
      case 6:
        return { kvlistValue: bytes(field) };
      case 7:
        return { bytesValue: bytes(field) };
    }
  }
  return { stringValue: '' };
}

function keyValue(buffer: Buffer): OtlpAttribute {
  let key = '';
  let value: OtlpValue = { stringValue: '' };
  for (const field of fields(buffer)) {
    if (field.number === 1) key = text(field);
    else if (field.number === 2) value = anyValue(bytes(field));
  }
  return { key, value };
}

function span(buffer: Buffer): OtlpSpan {
  const result: OtlpSpan = { traceId: '', spanId: '', name: '', kind: 0, startTimeUnixNano: 0n, endTimeUnixNano: 0n, attributes: [], events: [], status: { code: 0 }, flags: 0 };
  for (const field of fields(buffer)) {
    switch (field.number) {
      case 1:
        result.traceId = bytes(field).toString('hex');
        break;
      case 2:
        result.spanId = bytes(field).toString('hex');
        break;
      case 4:
        if (bytes(field).length > 0) result.parentSpanId = bytes(field).toString('hex');
        break;
      case 5:
        result.name = text(field);
        break;
      case 6:
        result.kind = Number(field.value);
        break;
      case 7:
        result.startTimeUnixNano = field.value as bigint;
        break;
      case 8:
        result.endTimeUnixNano = field.value as bigint;
        break;
      case 9:
        result.attributes.push(keyValue(bytes(field)));
        break;
      case 11: {
        const event = { name: '', attributes: [] as OtlpAttribute[] };
        for (const inner of fields(bytes(field))) {
          if (inner.number === 2) event.name = text(inner);
          else if (inner.number === 3) event.attributes.push(keyValue(bytes(inner)));
        }
        result.events.push(event);
        break;
      }
      case 15:
        for (const inner of fields(bytes(field))) {
          if (inner.number === 2) result.status.message = text(inner);
          else if (inner.number === 3) result.status.code = Number(inner.value);
        }
        break;
      case 16:
        result.flags = field.value as number;
        break;
    }
  }
  return result;
}

/** Decodes an `ExportTraceServiceRequest`; throws on malformed input. */
export function decodeTraceExport(body: Buffer): OtlpTraceExport {
  const resources: OtlpTraceExport['resources'] = [];
  for (const resourceSpans of fields(body)) {
    if (resourceSpans.number !== 1) continue;
    const resource: OtlpTraceExport['resources'][number] = { attributes: [], scopes: [] };
    for (const field of fields(bytes(resourceSpans))) {
      if (field.number === 1) {
        for (const attribute of fields(bytes(field))) if (attribute.number === 1) resource.attributes.push(keyValue(bytes(attribute)));
      } else if (field.number === 2) {
        const scope = { name: '', spans: [] as OtlpSpan[] };
        for (const inner of fields(bytes(field))) {
          if (inner.number === 1) {
            for (const scopeField of fields(bytes(inner))) if (scopeField.number === 1) scope.name = text(scopeField);
          } else if (inner.number === 2) scope.spans.push(span(bytes(inner)));
        }
        resource.scopes.push(scope);
      }
    }
    resources.push(resource);
  }
  return { resources };
}

export interface OtlpMetricPoint {
  attributes: OtlpAttribute[];
  /** Histogram points: their count; sum points: their value. */
  count?: number;
  value?: number;
}

export interface OtlpMetric {
  scope: string;
  name: string;
  kind: 'histogram' | 'sum' | 'gauge' | 'other';
  points: OtlpMetricPoint[];
}

function numberPoint(buffer: Buffer): OtlpMetricPoint {
  const point: OtlpMetricPoint = { attributes: [] };
  for (const field of fields(buffer)) {
    if (field.number === 7) point.attributes.push(keyValue(bytes(field)));
    else if (field.number === 4) {
      const raw = Buffer.alloc(8);
      raw.writeBigUInt64LE(field.value as bigint);
      point.value = raw.readDoubleLE(0);
    } else if (field.number === 6) point.value = Number(BigInt.asIntN(64, field.value as bigint));
  }
  return point;
}

function histogramPoint(buffer: Buffer): OtlpMetricPoint {
  const point: OtlpMetricPoint = { attributes: [] };
  for (const field of fields(buffer)) {
    if (field.number === 9) point.attributes.push(keyValue(bytes(field)));
    else if (field.number === 4) point.count = Number(field.value as bigint);
  }
  return point;
}

/** Decodes an `ExportMetricsServiceRequest` into its metrics (names, kinds, points); throws on malformed input. */
export function decodeMetricsExport(body: Buffer): OtlpMetric[] {
  const metrics: OtlpMetric[] = [];
  for (const resourceMetrics of fields(body)) {
    if (resourceMetrics.number !== 1) continue;
    for (const scopeMetrics of fields(bytes(resourceMetrics))) {
      if (scopeMetrics.number !== 2) continue;
      let scope = '';
      for (const field of fields(bytes(scopeMetrics))) {
        if (field.number === 1) {
          for (const scopeField of fields(bytes(field))) if (scopeField.number === 1) scope = text(scopeField);
          continue;
        }
        if (field.number !== 2) continue;
        const metric: OtlpMetric = { scope, name: '', kind: 'other', points: [] };
        for (const part of fields(bytes(field))) {
          if (part.number === 1) metric.name = text(part);
          else if (part.number === 5 || part.number === 7 || part.number === 9) {
            metric.kind = part.number === 9 ? 'histogram' : part.number === 7 ? 'sum' : 'gauge';
            for (const data of fields(bytes(part))) if (data.number === 1) metric.points.push(part.number === 9 ? histogramPoint(bytes(data)) : numberPoint(bytes(data)));
          }
        }
        metrics.push(metric);
      }
    }
  }
  return metrics;
}
