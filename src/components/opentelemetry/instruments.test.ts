import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InstrumentSet, seriesCache } from './instruments.js';

interface Point {
  attributes: Record<string, unknown>;
  value: number | { buckets: { boundaries: number[]; counts: number[] }; count: number; sum: number; min?: number; max?: number };
}
interface Metric {
  descriptor: { name: string; valueType: number };
  dataPointType: number;
  isMonotonic?: boolean;
  dataPoints: Point[];
}

async function metricsOf(set: InstrumentSet): Promise<Metric[]> {
  const { resourceMetrics } = await set.collect();
  return (resourceMetrics.scopeMetrics[0]?.metrics ?? []) as unknown as Metric[];
}

const resource = {} as ConstructorParameters<typeof InstrumentSet>[1];

describe('telemetry instruments', () => {
  it('counts a histogram value in the first bucket whose bound is not below it, as the SDK does', async () => {
    const set = new InstrumentSet('scope', resource);
    const series = set.histogram('h', [1, 2, 5]).bind({ route: '/a' });
    for (const value of [0.5, 1, 1.5, 2, 7, Number.NaN]) series.record(value);
    const [metric] = await metricsOf(set);
    assert.equal(metric?.dataPointType, 0);
    assert.deepEqual(metric?.dataPoints[0]?.value, { buckets: { boundaries: [1, 2, 5], counts: [2, 2, 0, 1] }, count: 5, sum: 12, min: 0.5, max: 7 });
  });

  it('binds one series per attribute set, whatever the order of the keys', async () => {
    const set = new InstrumentSet('scope', resource);
    const counter = set.counter('c');
    counter.bind({ a: 1, b: 'x' }).add(2);
    counter.bind({ b: 'x', a: 1 }).add(3);
    counter.bind({ a: 2, b: 'x' }).add(1);
    const [metric] = await metricsOf(set);
    assert.equal(metric?.isMonotonic, true);
    assert.deepEqual(
      metric?.dataPoints.map((point) => [point.attributes, point.value]),
      [
        [{ a: 1, b: 'x' }, 5],
        [{ a: 2, b: 'x' }, 1],
      ],
    );
  });

  it('builds a layer’s attributes once per key, and shares the series with other layers', () => {
    const set = new InstrumentSet('scope', resource);
    const histogram = set.histogram('h', [1]);
    const first = seriesCache((attributes) => histogram.bind(attributes));
    const second = seriesCache((attributes) => histogram.bind(attributes));
    let built = 0;
    const attributes = () => (built++, { status: 200 });
    first('200', attributes).record(1);
    first('200', attributes).record(1);
    second('ok', attributes).record(1);
    assert.equal(built, 2);
    assert.equal(first('200', attributes), second('ok', attributes));
    assert.equal(first('200', attributes).count, 3);
  });

  it('puts series past the cardinality limit into one overflow series', async () => {
    const set = new InstrumentSet('scope', resource);
    const counter = set.counter('c');
    for (let i = 0; i < 2_100; i++) counter.bind({ id: i }).add(1);
    const [metric] = await metricsOf(set);
    assert.equal(metric?.dataPoints.length, 2_001);
    assert.equal(metric?.dataPoints.find((point) => point.attributes['otel.metric.overflow'] === true)?.value, 100);
  });

  it('reports nothing for an instrument never used, and an observed counter as read at collection', async () => {
    const set = new InstrumentSet('scope', resource);
    set.histogram('unused', [1]);
    let dropped = 3;
    set.observedCounter('dropped', 'spans dropped', () => dropped);
    dropped = 7;
    const metrics = await metricsOf(set);
    assert.deepEqual(
      metrics.map((metric) => [metric.descriptor.name, metric.dataPoints[0]?.value]),
      [['dropped', 7]],
    );
  });
});
