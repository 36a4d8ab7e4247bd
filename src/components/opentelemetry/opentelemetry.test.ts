import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ScopeMetrics } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { mergeScopeMetrics } from './merge.js';
import { mapOpenCensus } from './opencensus.js';
import { normalizeBackendRoute, normalizeRoute, readOtelSettings } from './settings.js';
import { BoundedSpanQueue } from './span-queue.js';

function fakeSpan(sampled = true): ReadableSpan {
  return { spanContext: () => ({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: sampled ? 1 : 0 }) } as unknown as ReadableSpan;
}

describe('BoundedSpanQueue', () => {
  it('drops and counts spans once full when the exporter never answers, without waiting', () => {
    let exports = 0;
    const hanging: SpanExporter = { export: () => void exports++, shutdown: () => Promise.resolve() };
    const errors: string[] = [];
    const queue = new BoundedSpanQueue(Promise.resolve(hanging), { maxQueue: 4, batchSize: 2, intervalMs: 60_000, exportTimeoutMs: 60_000, onError: (message) => errors.push(message) });
    const started = performance.now();
    for (let i = 0; i < 10; i++) queue.onEnd(fakeSpan());
    assert.ok(performance.now() - started < 50);
    // Two leave for the (hanging) exporter once the exporter promise settles; the queue then holds 4.
    assert.ok(queue.dropped >= 4 && queue.dropped <= 6, `dropped ${queue.dropped}`);
    queue.onEnd(fakeSpan(false));
    void queue.shutdown();
  });
});

const histogram = (count: number, counts: number[], sum: number) => ({ buckets: { boundaries: [1, 2], counts }, count, sum, min: 0.5, max: 3 });
function snapshot(value: number, hist: ReturnType<typeof histogram>, gauge: number): ScopeMetrics[] {
  return [
    {
      scope: { name: 's' },
      metrics: [
        { descriptor: { name: 'c' }, dataPointType: 3, isMonotonic: true, aggregationTemporality: 1, dataPoints: [{ attributes: { a: '1' }, startTime: [1, 0], endTime: [2, 0], value }] },
        { descriptor: { name: 'h' }, dataPointType: 0, aggregationTemporality: 1, dataPoints: [{ attributes: { r: '/x' }, startTime: [1, 0], endTime: [2, 0], value: hist }] },
        { descriptor: { name: 'g' }, dataPointType: 2, aggregationTemporality: 1, dataPoints: [{ attributes: {}, startTime: [1, 0], endTime: [2, 0], value: gauge }] },
      ],
    },
  ] as unknown as ScopeMetrics[];
}

describe('mergeScopeMetrics', () => {
  it('adds counters, histogram buckets and gauges with the same attributes, leaving inputs alone', () => {
    const a = snapshot(3, histogram(2, [1, 1, 0], 2.5), 10);
    const b = snapshot(4, histogram(3, [0, 1, 2], 9), 5);
    const merged = mergeScopeMetrics([a, b]);
    const metrics = merged[0]?.metrics as unknown as { descriptor: { name: string }; dataPoints: { value: unknown }[] }[];
    assert.equal(metrics.find((metric) => metric.descriptor.name === 'c')?.dataPoints[0]?.value, 7);
    assert.deepEqual(metrics.find((metric) => metric.descriptor.name === 'h')?.dataPoints[0]?.value, { buckets: { boundaries: [1, 2], counts: [1, 2, 2] }, count: 5, sum: 11.5, min: 0.5, max: 3 });
    assert.equal(metrics.find((metric) => metric.descriptor.name === 'g')?.dataPoints[0]?.value, 15);
    assert.equal((a[0]?.metrics[0]?.dataPoints[0] as { value: number }).value, 3);
    const withoutGauges = mergeScopeMetrics([a], { withoutGauges: true });
    assert.equal(withoutGauges[0]?.metrics.length, 2);
  });
});

describe('telemetry/opentelemetry settings', () => {
  it('names routes as krakend-otel does', () => {
    assert.equal(normalizeRoute('/users/{id}/orders/{orderId}'), '/users/:id/orders/:orderId');
    assert.equal(normalizeBackendRoute('/u/{userId}/x/{id}'), '/u/:userid/x/:id');
  });

  it('applies krakend-otel defaults', () => {
    const settings = readOtelSettings({ exporters: { otlp: [{ name: 'o' }], prometheus: [{ name: 'p' }] } }, '');
    assert.equal(settings.serviceName, 'KrakenD');
    assert.equal(settings.sampleRate, 1);
    assert.equal(settings.metricPeriodMs, 30_000);
    assert.deepEqual([...settings.skipPaths], ['/__health', '/__debug/', '/__echo/', '/__stats/']);
    assert.equal(settings.otlp[0]?.url, 'http://localhost:4317');
    assert.equal(settings.otlp[0]?.useHttp, false);
    assert.equal(settings.prometheus[0]?.port, 9090);
    assert.equal(settings.prometheus[0]?.host, '127.0.0.1');
    assert.equal(settings.backend.metrics.roundTrip, true);
  });
});

describe('telemetry/opencensus mapping', () => {
  it('maps prometheus, ocagent and jaeger onto the OpenTelemetry exporters, with layers and sampling', () => {
    const { otel, notes } = mapOpenCensus(
      {
        sample_rate: 25,
        reporting_period: 5,
        enabled_layers: { router: true, backend: true },
        exporters: { prometheus: { port: 9191, namespace: 'krakend' }, ocagent: { address: 'collector:55678' }, jaeger: { endpoint: 'http://jaeger:14268/api/traces' }, zipkin: {} },
      },
      'svc',
    );
    const settings = readOtelSettings(otel, 'svc');
    assert.equal(settings.sampleRate, 0.25);
    assert.equal(settings.metricPeriodMs, 5_000);
    assert.deepEqual(settings.prometheus.map((exporter) => exporter.port), [9191]);
    assert.deepEqual(settings.otlp.map((exporter) => [exporter.url, exporter.useHttp]), [['http://collector:55678', false], ['http://jaeger:4318', true]]);
    assert.equal(settings.global.disableTraces, false);
    assert.equal(settings.proxy.disableMetrics, true, 'pipe is off once enabled_layers is declared without it');
    assert.deepEqual(notes.map((note) => note.key), ['exporters.prometheus', 'exporters.ocagent', 'exporters.jaeger', 'exporters.zipkin']);
  });

  it('traces nothing at the default sample rate of 0', () => {
    const settings = readOtelSettings(mapOpenCensus({ exporters: { prometheus: {} } }, '').otel, '');
    assert.equal(settings.global.disableTraces, true);
    assert.equal(settings.backend.traces.roundTrip, false);
    assert.equal(settings.global.disableMetrics, false);
  });
});
