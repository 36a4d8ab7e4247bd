import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LeanTracer, SPAN_KIND_CLIENT, SPAN_KIND_SERVER, STATUS_ERROR, STATUS_OK, parseTraceparent } from './lean-tracer.js';
import type { LeanSpan } from './lean-tracer.js';
import { ExportFraming, FixedAttributes, Writer, writeSpanEntry } from './otlp-proto-encoder.js';

const resource = resourceFromAttributes({ 'service.name': 'gateway', 'service.version': '1.0' });
const scope = { name: 'io.krakend.krakend-otel', version: '2', schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' };

function spansOf(): LeanSpan[] {
  const ended: LeanSpan[] = [];
  const tracer = new LeanTracer({ resource, scope, sampleRate: 1, sinks: [{ onEnd: (span: unknown) => ended.push(span as LeanSpan) }] });
  const root = tracer.open('/profile/7', SPAN_KIND_SERVER, parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'), { 'url.full': '/profile/7?x=é', 'http.request.method': 'GET', 'krakend.stage': 'global' });
  const stage = tracer.open('/users/:id', 0, root.spanContext(), { count: 3, ratio: 0.25, negative: -1, huge: 2 ** 40, minimum: -(2 ** 63), ok: true, no: false, list: ['a', 'ü'], numbers: [1, 2.5] });
  const client = tracer.open('/users/:id', SPAN_KIND_CLIENT, stage.spanContext(), { long: 'x'.repeat(200), longer: 'ü'.repeat(9000), 'http.response.body.size': -1 });
  client.recordException(Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' }));
  client.setStatus(STATUS_ERROR, 'connection refused');
  client.end();
  stage.end();
  root.setStatus(STATUS_OK);
  root.end();
  const many = tracer.open('many', 0, undefined, Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`key.${i}`, `value ${i}`])));
  many.end();
  return ended;
}

function official(spans: LeanSpan[]): Buffer {
  return Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array);
}

/** What the encoded queue sends for `spans`: each appended as it ends, then framed. */
function batchOf(framing: ExportFraming, writer: Writer, spans: LeanSpan[]): Buffer {
  framing.startBatch(writer);
  for (const span of spans) writeSpanEntry(writer, span);
  return framing.frame(writer);
}

describe('OTLP protobuf batches', () => {
  it('are the bytes of the official ProtobufTraceSerializer', () => {
    const spans = spansOf();
    assert.equal(spans.length, 4);
    const framing = new ExportFraming(resource, scope);
    const writer = new Writer();
    const expected = official(spans);
    assert.ok(expected.length > 20_000);
    assert.ok(batchOf(framing, writer, spans).equals(expected));
    // The writer is reused: a second, smaller batch is not polluted by the first.
    const one = spans.slice(3);
    assert.ok(batchOf(framing, writer, one).equals(official(one)));
  });

  it('grow their buffer past its first size', () => {
    const spans = Array.from({ length: 40 }, () => spansOf()).flat();
    const expected = official(spans);
    assert.ok(expected.length > 256 * 1024);
    assert.ok(batchOf(new ExportFraming(resource, scope), new Writer(1024), spans).equals(expected));
  });

  it('copy a layer\'s fixed attributes, and fall back to the merged set when an own key overrides one', () => {
    const ended: LeanSpan[] = [];
    const tracer = new LeanTracer({ resource, scope, sampleRate: 1, sinks: [{ onEnd: (span: unknown) => ended.push(span as LeanSpan) }] });
    const fixed = new FixedAttributes({ 'http.route': '/users/:id', 'krakend.stage': 'backend', 'ünïcode': 'ü' });
    const plain = tracer.open('/users/:id', SPAN_KIND_CLIENT, undefined, { 'url.full': 'http://b/users/7' }, fixed);
    plain.setAttribute('http.response.status_code', 200);
    plain.end();
    const overriding = tracer.open('/users/:id', SPAN_KIND_CLIENT, undefined, { 'krakend.stage': 'other', extra: true }, fixed);
    overriding.end();
    assert.deepEqual(plain.attributes, { 'http.route': '/users/:id', 'krakend.stage': 'backend', 'ünïcode': 'ü', 'url.full': 'http://b/users/7', 'http.response.status_code': 200 });
    assert.deepEqual(overriding.attributes, { 'http.route': '/users/:id', 'krakend.stage': 'other', 'ünïcode': 'ü', extra: true });
    assert.ok(batchOf(new ExportFraming(resource, scope), new Writer(), ended).equals(official(ended)));
  });

  it('write the ids of spans from several fills of the id pool, and of a client\'s and a plugin\'s context', () => {
    const ended: LeanSpan[] = [];
    const tracer = new LeanTracer({ resource, scope, sampleRate: 1, sinks: [{ onEnd: (span: unknown) => ended.push(span as LeanSpan) }] });
    for (let i = 0; i < 500; i++) {
      const root = tracer.open('/', SPAN_KIND_SERVER, i % 2 === 0 ? undefined : parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'));
      tracer.open('/x', 0, root.spanContext()).end();
      root.end();
    }
    tracer.open('/plugin', 0, { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 }).end();
    assert.ok(batchOf(new ExportFraming(resource, scope), new Writer(), ended).equals(official(ended)));
  });

  it('write lean spans of every entry length: under 128 bytes, up to 16 KB, and beyond, with long non-ASCII names', () => {
    const ended: LeanSpan[] = [];
    const tracer = new LeanTracer({ resource, scope, sampleRate: 1, sinks: [{ onEnd: (span: unknown) => ended.push(span as LeanSpan) }] });
    tracer.open('/', SPAN_KIND_SERVER, undefined).end();
    const named = tracer.open(`/${'ü'.repeat(300)}`, SPAN_KIND_SERVER, undefined, { 'url.full': '/x' }, new FixedAttributes({ 'krakend.stage': 'global' }));
    named.setStatus(STATUS_OK);
    named.end();
    const large = tracer.open('/large', SPAN_KIND_CLIENT, named.spanContext(), { body: 'x'.repeat(20_000) });
    large.setStatus(STATUS_ERROR, 'ü'.repeat(50));
    large.end();
    const lengths = ended.map((span) => {
      const writer = new Writer(64);
      writeSpanEntry(writer, span);
      return writer.pos;
    });
    assert.ok(lengths[0]! < 128 && lengths[1]! > 128 && lengths[1]! < 16_384 && lengths[2]! > 16_384, lengths.join());
    assert.ok(batchOf(new ExportFraming(resource, scope), new Writer(64), ended).equals(official(ended)));
  });

  it('frame a scope without version or schema and a one-span batch', () => {
    const plainScope = { name: 'portico' };
    const ended: LeanSpan[] = [];
    const tracer = new LeanTracer({ resource: resourceFromAttributes({}), scope: plainScope, sampleRate: 1, sinks: [{ onEnd: (span: unknown) => ended.push(span as LeanSpan) }] });
    tracer.open('/', SPAN_KIND_SERVER, undefined).end();
    assert.ok(batchOf(new ExportFraming(resourceFromAttributes({}), plainScope), new Writer(), ended).equals(official(ended)));
  });
});
