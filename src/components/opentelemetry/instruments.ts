/**
 * krakend-otel's instruments, aggregated here rather than by the SDK's synchronous instruments: the SDK
 * hashes every call's attribute object (sort and stringify, about 9 µs a record on the bench machine,
 * seven records per proxied request). Here a layer binds a series once per combination of the few
 * values that vary per request, and a record is a handful of additions. The set is a `MetricProducer`,
 * so the SDK's readers (Prometheus pull, OTLP push), the worker merge and the serializers see the same
 * data model as before: cumulative sums and explicit-bucket histograms.
 */
import type { Attributes, HrTime } from '@opentelemetry/api';
import type { CollectionResult, MetricData, MetricProducer, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { hrTimeOf } from './lean-tracer.js';
import { attributesKey } from './merge.js';

/** The SDK's default cardinality limit: series past it land in one overflow series, as the SDK does. */
const MAX_SERIES = 2_000;
const OVERFLOW: Attributes = { 'otel.metric.overflow': true };
const OVERFLOW_KEY = '\u0002overflow';

/** The SDK enums' values (`DataPointType`, `AggregationTemporality`, `ValueType`), without loading it. */
const DATA_POINT_HISTOGRAM = 0;
const DATA_POINT_SUM = 3;
const CUMULATIVE = 1;
export const VALUE_INT = 0;
export const VALUE_DOUBLE = 1;

const now = (): HrTime => hrTimeOf(performance.now());

export class HistogramSeries {
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  readonly counts: number[];
  readonly startTime = now();

  constructor(
    readonly attributes: Attributes,
    private readonly boundaries: readonly number[],
  ) {
    this.counts = new Array<number>(boundaries.length + 1).fill(0);
  }

  record(value: number): void {
    if (Number.isNaN(value)) return;
    // Buckets are upper-inclusive, as the SDK's explicit-bucket aggregation counts them.
    const boundaries = this.boundaries;
    let low = 0;
    let high = boundaries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (value <= (boundaries[middle] as number)) high = middle;
      else low = middle + 1;
    }
    this.counts[low] = (this.counts[low] as number) + 1;
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }
}

export class CounterSeries {
  value = 0;
  readonly startTime = now();

  constructor(readonly attributes: Attributes) {}

  add(amount: number): void {
    this.value += amount;
  }
}

interface Descriptor {
  name: string;
  description: string;
  unit: string;
  valueType: number;
}

abstract class Instrument<S extends HistogramSeries | CounterSeries> {
  protected readonly series = new Map<string, S>();

  constructor(readonly descriptor: Descriptor) {}

  protected abstract create(attributes: Attributes): S;
  abstract data(endTime: HrTime): MetricData | undefined;

  /** The series of `attributes`, created on first use; called when a layer meets a new combination. */
  bind(attributes: Attributes): S {
    let key = attributesKey(attributes);
    let series = this.series.get(key);
    if (series === undefined) {
      if (this.series.size >= MAX_SERIES) {
        key = OVERFLOW_KEY;
        attributes = OVERFLOW;
        series = this.series.get(key);
      }
      if (series === undefined) this.series.set(key, (series = this.create(attributes)));
    }
    return series;
  }
}

/**
 * A layer's own view: what `bind` makes for each key of the values that vary per request (a status, a
 * flag), so the request path looks up one short string; `attributes` runs on a miss only. `bind` may
 * bind several instruments that are always recorded together.
 */
export function seriesCache<S>(bind: (attributes: Attributes) => S): (key: string, attributes: () => Attributes) => S {
  const mine = new Map<string, S>();
  return (key, attributes) => {
    let series = mine.get(key);
    if (series === undefined) {
      series = bind(attributes());
      if (mine.size < MAX_SERIES) mine.set(key, series);
    }
    return series;
  };
}

export class HistogramInstrument extends Instrument<HistogramSeries> {
  constructor(
    descriptor: Descriptor,
    private readonly boundaries: readonly number[],
  ) {
    super(descriptor);
  }

  protected create(attributes: Attributes): HistogramSeries {
    return new HistogramSeries(attributes, this.boundaries);
  }

  data(endTime: HrTime): MetricData | undefined {
    if (this.series.size === 0) return undefined;
    const dataPoints = [...this.series.values()].map((series) => ({
      attributes: series.attributes,
      startTime: series.startTime,
      endTime,
      value: {
        buckets: { boundaries: [...this.boundaries], counts: [...series.counts] },
        count: series.count,
        sum: series.sum,
        ...(series.count > 0 ? { min: series.min, max: series.max } : {}),
      },
    }));
    return { descriptor: this.descriptor, aggregationTemporality: CUMULATIVE, dataPointType: DATA_POINT_HISTOGRAM, dataPoints } as unknown as MetricData;
  }
}

export class CounterInstrument extends Instrument<CounterSeries> {
  protected create(attributes: Attributes): CounterSeries {
    return new CounterSeries(attributes);
  }

  data(endTime: HrTime): MetricData | undefined {
    if (this.series.size === 0) return undefined;
    const dataPoints = [...this.series.values()].map((series) => ({ attributes: series.attributes, startTime: series.startTime, endTime, value: series.value }));
    return { descriptor: this.descriptor, aggregationTemporality: CUMULATIVE, dataPointType: DATA_POINT_SUM, isMonotonic: true, dataPoints } as unknown as MetricData;
  }
}

/** A counter whose value is read at collection time (dropped spans). */
export class ObservedCounter {
  private readonly startTime = now();

  constructor(
    readonly descriptor: Descriptor,
    private readonly read: () => number,
  ) {}

  data(endTime: HrTime): MetricData {
    return { descriptor: this.descriptor, aggregationTemporality: CUMULATIVE, dataPointType: DATA_POINT_SUM, isMonotonic: true, dataPoints: [{ attributes: {}, startTime: this.startTime, endTime, value: this.read() }] } as unknown as MetricData;
  }
}

/** One scope's instruments, handed to the SDK's readers as an extra producer. */
export class InstrumentSet implements MetricProducer {
  private readonly members: (Instrument<HistogramSeries> | Instrument<CounterSeries> | ObservedCounter)[] = [];

  constructor(
    private readonly scopeName: string,
    private readonly resource: ResourceMetrics['resource'],
  ) {}

  histogram(name: string, boundaries: readonly number[], valueType = VALUE_DOUBLE, description = '', unit = ''): HistogramInstrument {
    const instrument = new HistogramInstrument({ name, description, unit, valueType }, boundaries);
    this.members.push(instrument);
    return instrument;
  }

  counter(name: string, description = '', unit = ''): CounterInstrument {
    const instrument = new CounterInstrument({ name, description, unit, valueType: VALUE_INT });
    this.members.push(instrument);
    return instrument;
  }

  observedCounter(name: string, description: string, read: () => number): void {
    this.members.push(new ObservedCounter({ name, description, unit: '', valueType: VALUE_INT }, read));
  }

  collect(): Promise<CollectionResult> {
    const endTime = now();
    const metrics: MetricData[] = [];
    for (const member of this.members) {
      const data = member.data(endTime);
      if (data !== undefined) metrics.push(data);
    }
    return Promise.resolve({ resourceMetrics: { resource: this.resource, scopeMetrics: metrics.length > 0 ? [{ scope: { name: this.scopeName }, metrics }] : [] }, errors: [] });
  }
}
