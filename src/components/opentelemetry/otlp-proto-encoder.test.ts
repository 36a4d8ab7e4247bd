import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LeanTracer, SPAN_KIND_CLIENT, SPAN_KIND_SERVER, STATUS_ERROR, STATUS_OK, parseTraceparent } from './lean-tracer.js';
import type { LeanSpan } from './lean-tracer.js';
import { encodeTraceExport } from './otlp-proto-encoder.js';

function spansOf(): LeanSpan[] {
  const ended: LeanSpan[] = [];
  const sinks = [{ onEnd: (span: unknown) => ended.push(span as LeanSpan) }];
  const first = new LeanTracer({ resource: resourceFromAttributes({ 'service.name': 'gateway', 'service.version': '1.0' }), scope: { name: 'io.krakend.krakend-otel' }, sampleRate: 1, sinks });
  const second = new LeanTracer({ resource: resourceFromAttributes({ 'service.name': 'other' }), scope: { name: 'other-scope', version: '2' }, sampleRate: 1, sinks });
  const root = first.startSpan('/profile/7', SPAN_KIND_SERVER, { 'url.full': '/profile/7?x=é', 'http.request.method': 'GET', 'krakend.stage': 'global' }, parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'));
  const stage = first.startSpan('/users/:id', 0, { count: 3, ratio: 0.25, negative: -1, huge: 2 ** 40, minimum: -(2 ** 63), ok: true, no: false, list: ['a', 'ü'], numbers: [1, 2.5] }, root.spanContext());
  const client = first.startSpan('/users/:id', SPAN_KIND_CLIENT, { long: 'x'.repeat(200), longer: 'ü'.repeat(9000), 'http.response.body.size': -1 }, stage.spanContext());
  client.recordException(Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' }));
  client.setStatus(STATUS_ERROR, 'connection refused');
  client.end();
  stage.end();
  root.setStatus(STATUS_OK);
  root.end();
  const elsewhere = second.startSpan('many', 0, Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`key.${i}`, `value ${i}`])), undefined);
  elsewhere.end();
  return ended;
}

describe('encodeTraceExport', () => {
  it('writes the same bytes as the official ProtobufTraceSerializer', () => {
    const spans = spansOf();
    assert.equal(spans.length, 4);
    const official = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array);
    assert.ok(official.length > 20_000);
    assert.ok(encodeTraceExport(spans).equals(official));
    // The writer's buffer is reused: a second, smaller export is not polluted by the first.
    const one = spans.slice(3);
    assert.ok(encodeTraceExport(one).equals(Buffer.from(ProtobufTraceSerializer.serializeRequest(one) as Uint8Array)));
    assert.equal(encodeTraceExport([]).length, 0);
  });

  it('grows its buffer past 64 KiB', () => {
    const spans = Array.from({ length: 40 }, () => spansOf()).flat();
    const official = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array);
    assert.ok(official.length > 256 * 1024);
    assert.ok(encodeTraceExport(spans).equals(official));
  });
});
