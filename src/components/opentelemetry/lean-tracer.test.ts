import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SpanContext } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { Resource } from '@opentelemetry/resources';
import { formatTraceparent, hrTimeOf, LeanTracer, parseTraceparent, ratioBound, sampledByRatio, SPAN_KIND_SERVER, STATUS_ERROR } from './lean-tracer.js';
import { withTraceparent } from './layers.js';

function tracer(sampleRate: number): { tracer: LeanTracer; ended: ReadableSpan[] } {
  const ended: ReadableSpan[] = [];
  const resource = { attributes: { 'service.name': 'test' } } as unknown as Resource;
  return { tracer: new LeanTracer({ resource, scope: { name: 'scope' }, sampleRate, sinks: [{ onEnd: (span) => ended.push(span) }] }), ended };
}

const remote = (traceFlags: number): SpanContext => ({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags, isRemote: true });

describe('parseTraceparent', () => {
  const fieldsOf = (context: SpanContext | undefined): SpanContext | undefined =>
    context && { traceId: context.traceId, spanId: context.spanId, traceFlags: context.traceFlags, isRemote: context.isRemote as boolean };
  it('reads a valid W3C traceparent, its ids also as bytes', () => {
    const parsed = parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    assert.deepEqual(fieldsOf(parsed), remote(1));
    assert.equal(Buffer.from(parsed!.traceBytes.subarray(parsed!.traceAt, parsed!.traceAt + 16)).toString('hex'), '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(Buffer.from(parsed!.spanBytes.subarray(parsed!.spanAt, parsed!.spanAt + 8)).toString('hex'), '00f067aa0ba902b7');
    assert.deepEqual(fieldsOf(parseTraceparent(' 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00 ')), remote(0));
    // A later version may append fields.
    assert.equal(parseTraceparent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra')?.spanId, '00f067aa0ba902b7');
  });

  it('rejects what the W3C spec rejects', () => {
    for (const header of [
      '',
      'garbage',
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra',
      '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01',
    ]) {
      assert.equal(parseTraceparent(header), undefined, header);
    }
  });

  it('formats what it parses, and replaces a traceparent already in the header lines', () => {
    const header = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    assert.equal(formatTraceparent(parseTraceparent(header) as SpanContext), header);
    assert.equal(formatTraceparent({ ...remote(0), traceFlags: 0xab }), '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ab');
    const lines = 'Accept: */*\r\ntraceparent: 00-11111111111111111111111111111111-2222222222222222-01\r\nX-B: 1\r\n';
    assert.equal(withTraceparent(lines, remote(1)), `Accept: */*\r\nX-B: 1\r\nTraceparent: ${header}\r\n`);
    assert.equal(withTraceparent('', remote(0)), 'Traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00\r\n');
  });
});

describe('sampledByRatio (Go TraceIDRatioBased)', () => {
  const id = (last8: string): Buffer => Buffer.from(`${'ab'.repeat(8)}${last8}`, 'hex');
  it('compares the last 8 bytes shifted right once with rate × 2^63, exactly', () => {
    const half = ratioBound(0.5);
    assert.equal(sampledByRatio(id('0000000000000000'), 0, half), true);
    assert.equal(sampledByRatio(id('7fffffffffffffff'), 0, half), true, 'just below the bound');
    assert.equal(sampledByRatio(id('8000000000000000'), 0, half), false, 'at the bound');
    assert.equal(sampledByRatio(id('ffffffffffffffff'), 0, half), false);
    // 0.25 × 2^63 = 2^61: kept below 2^62 before the shift.
    assert.equal(sampledByRatio(id('3ffffffffffffffe'), 0, ratioBound(0.25)), true);
    assert.equal(sampledByRatio(id('4000000000000000'), 0, ratioBound(0.25)), false);
    // The first 8 bytes play no part.
    assert.equal(sampledByRatio(Buffer.from(`${'00'.repeat(8)}8000000000000000`, 'hex'), 0, half), false);
  });
});

describe('LeanTracer sampling', () => {
  it('samples every trace at rate 1 (and 0, as krakend-otel), whatever the parent says', () => {
    for (const rate of [1, 0]) {
      const { tracer: subject, ended } = tracer(rate);
      const root = subject.open('/a', SPAN_KIND_SERVER, undefined);
      const child = subject.open('/b', 0, remote(0));
      assert.equal(root.spanContext().traceFlags, 1);
      assert.equal(child.spanContext().traceFlags, 1, 'AlwaysOn ignores an unsampled parent');
      child.end();
      root.end();
      assert.deepEqual(ended, [child, root]);
    }
  });

  it('between 0 and 1 keeps about rate of the roots, and follows a parent\'s sampled flag', () => {
    const { tracer: subject, ended } = tracer(0.25);
    let kept = 0;
    for (let i = 0; i < 4000; i++) {
      const span = subject.open('/a', SPAN_KIND_SERVER, undefined);
      assert.equal(span.recording, sampledByRatio(Buffer.from(span.spanContext().traceId, 'hex'), 0, ratioBound(0.25)));
      if (span.recording) kept++;
      span.end();
    }
    assert.ok(kept > 800 && kept < 1200, `kept ${kept} of 4000`);
    assert.equal(ended.length, kept, 'only sampled spans reach the sinks');
    ended.length = 0;
    const followed = subject.open('/b', 0, remote(1));
    const dropped = subject.open('/c', 0, remote(0));
    assert.equal(followed.recording, true);
    assert.equal(dropped.recording, false);
    // An unsampled span still propagates its own ids, flagged unsampled.
    assert.match(formatTraceparent(dropped.spanContext()), /^00-4bf92f3577b34da6a3ce929d0e0e4736-[\da-f]{16}-00$/);
    assert.notEqual(dropped.spanContext().spanId, remote(0).spanId);
    followed.end();
    dropped.end();
    assert.deepEqual(ended, [followed]);
  });

  it('opens a span with attributes to fill only when it records', () => {
    const { tracer: subject, ended } = tracer(0.25);
    const recorded = subject.open('/b', 0, remote(1));
    assert.equal(recorded.recording, true);
    recorded.ownAttributes['http.route'] = '/b';
    recorded.setAttribute('complete', true);
    recorded.end();
    assert.deepEqual(ended[0]?.attributes, { 'http.route': '/b', complete: true });
    const dropped = subject.open('/c', 0, remote(0));
    assert.equal(dropped.recording, false);
    assert.ok(Object.isFrozen(dropped.attributes) && Object.keys(dropped.attributes).length === 0);
    dropped.setAttribute('complete', true); // a no-op, not a throw
    assert.equal(subject.open('/d', 0, remote(0)).attributes, dropped.attributes, 'one shared empty set');
    dropped.end();
    assert.equal(ended.length, 1);
  });

  it('records a ReadableSpan: ids, parent, kind, times, attributes, status, exception event; ends once', () => {
    const { tracer: subject, ended } = tracer(1);
    const root = subject.open('/a', SPAN_KIND_SERVER, undefined, { a: 1 });
    const child = subject.open('/b', 0, root.spanContext());
    assert.match(root.spanContext().traceId, /^[\da-f]{32}$/);
    assert.match(root.spanContext().spanId, /^[\da-f]{16}$/);
    assert.equal(root.parentSpanContext, undefined);
    assert.equal(child.spanContext().traceId, root.spanContext().traceId);
    assert.equal(child.parentSpanContext?.spanId, root.spanContext().spanId);
    child.recordException(new Error('boom'));
    child.setStatus(STATUS_ERROR, 'boom');
    child.end();
    root.setAttribute('b', 'x');
    root.end();
    root.end();
    assert.equal(ended.length, 2);
    assert.deepEqual(root.attributes, { a: 1, b: 'x' });
    assert.equal(root.kind, SPAN_KIND_SERVER);
    assert.equal(root.resource.attributes['service.name'], 'test');
    assert.equal(root.instrumentationScope.name, 'scope');
    assert.deepEqual(child.status, { code: STATUS_ERROR, message: 'boom' });
    assert.equal(child.events[0]?.name, 'exception');
    assert.equal(child.events[0]?.attributes?.['exception.message'], 'boom');
    assert.equal(child.events[0]?.attributes?.['exception.type'], 'Error');
    const nanos = (time: readonly [number, number]): number => time[0] * 1e9 + time[1];
    assert.ok(nanos(root.endTime) >= nanos(child.endTime) && nanos(child.startTime) >= nanos(root.startTime));
    assert.ok(Math.abs(nanos(root.startTime) / 1e6 - Date.now()) < 5_000, 'wall-clock time');
  });

  it('carries each id as bytes beside its hex, a context from an earlier fill of the id pool included', () => {
    const { tracer: subject } = tracer(1);
    const hexAt = (bytes: Uint8Array, at: number, length: number): string => Buffer.from(bytes.subarray(at, at + length)).toString('hex');
    const contexts = [];
    // 8 KiB of ids is ~340 spans: 1,000 traces of two spans refill the pool several times.
    for (let i = 0; i < 1_000; i++) {
      const root = subject.open('/r', SPAN_KIND_SERVER, undefined).spanContext();
      contexts.push(root, subject.open('/c', 0, root).spanContext());
    }
    for (const context of contexts) {
      assert.equal(hexAt(context.traceBytes, context.traceAt, 16), context.traceId);
      assert.equal(hexAt(context.spanBytes, context.spanAt, 8), context.spanId);
    }
    assert.equal(new Set(contexts.map((context) => context.spanId)).size, contexts.length);
    // A context from elsewhere (a plugin's) gets its bytes from its hex.
    const foreign = subject.open('/f', 0, remote(1));
    assert.equal(foreign.spanContext().traceId, remote(1).traceId);
    assert.equal(hexAt(foreign.parentSpanContext!.spanBytes, foreign.parentSpanContext!.spanAt, 8), remote(1).spanId);
  });

  it('converts performance.now() to wall-clock HrTime with nanoseconds in range', () => {
    for (const now of [0, 0.0001, 999.9999999, 1234.5678, performance.now()]) {
      const [seconds, nanos] = hrTimeOf(now);
      assert.ok(Number.isInteger(seconds) && Number.isInteger(nanos) && nanos >= 0 && nanos < 1e9, `${now}: ${seconds} ${nanos}`);
      assert.ok(Math.abs(seconds * 1000 + nanos / 1e6 - (performance.timeOrigin + now)) < 0.001);
      const into: [number, number] = [0, 0];
      assert.equal(hrTimeOf(now, into), into);
      assert.deepEqual(into, [seconds, nanos]);
    }
  });
});
