/**
 * Sums metric snapshots of several processes (the workers of `run -w N`) into one, so one Prometheus
 * scrape sees the whole instance. Snapshots are the `scopeMetrics` of an SDK collection (cumulative),
 * as they travel over the cluster channel (plain JSON). Counters and histograms with the same name and
 * attributes add up; gauges add up too, except the few where a sum means nothing (`GAUGE_MAX`,
 * `GAUGE_MIN`).
 */
import type { ScopeMetrics } from '@opentelemetry/sdk-metrics';

/** The SDK's `DataPointType` values (kept here so this module needs no SDK at run time). */
const HISTOGRAM = 0;
const GAUGE = 2;

const GAUGE_MAX = new Set(['nodejs_eventloop_lag_seconds', 'nodejs.eventloop.lag']);
const GAUGE_MIN = new Set(['process_start_time_seconds']);

interface HistogramValue {
  buckets: { boundaries: number[]; counts: number[] };
  sum?: number;
  count: number;
  min?: number;
  max?: number;
}

type AnyPoint = { attributes: Record<string, unknown>; startTime: [number, number]; endTime: [number, number]; value: number | HistogramValue };
type AnyMetric = { descriptor: { name: string }; dataPointType: number; dataPoints: AnyPoint[] };

/** Canonical key of an attribute set: the same attributes in any order are the same series. */
export function attributesKey(attributes: Record<string, unknown>): string {
  const keys = Object.keys(attributes).sort();
  let key = '';
  for (const name of keys) key += `${name}\u0000${String(attributes[name])}\u0001`;
  return key;
}

function earlier(a: [number, number], b: [number, number]): [number, number] {
  return a[0] < b[0] || (a[0] === b[0] && a[1] <= b[1]) ? a : b;
}

function later(a: [number, number], b: [number, number]): [number, number] {
  return earlier(a, b) === a ? b : a;
}

function addHistogram(into: HistogramValue, from: HistogramValue): void {
  const counts = into.buckets.counts;
  if (into.buckets.boundaries.length === from.buckets.boundaries.length) {
    for (let i = 0; i < counts.length; i++) counts[i] = (counts[i] as number) + (from.buckets.counts[i] ?? 0);
  }
  into.count += from.count;
  if (from.sum !== undefined) into.sum = (into.sum ?? 0) + from.sum;
  if (from.min !== undefined) into.min = into.min === undefined ? from.min : Math.min(into.min, from.min);
  if (from.max !== undefined) into.max = into.max === undefined ? from.max : Math.max(into.max, from.max);
}

function clonePoint(point: AnyPoint): AnyPoint {
  return JSON.parse(JSON.stringify(point)) as AnyPoint;
}

function mergePoint(metric: AnyMetric, into: AnyPoint, from: AnyPoint): void {
  into.startTime = earlier(into.startTime, from.startTime);
  into.endTime = later(into.endTime, from.endTime);
  if (metric.dataPointType === HISTOGRAM) {
    addHistogram(into.value as HistogramValue, from.value as HistogramValue);
    return;
  }
  const a = into.value as number;
  const b = from.value as number;
  if (metric.dataPointType === GAUGE && GAUGE_MAX.has(metric.descriptor.name)) into.value = Math.max(a, b);
  else if (metric.dataPointType === GAUGE && GAUGE_MIN.has(metric.descriptor.name)) into.value = Math.min(a, b);
  else into.value = a + b;
}

/** One snapshot holding the sum of `snapshots`; the inputs are left untouched. */
export function mergeScopeMetrics(snapshots: readonly (readonly ScopeMetrics[])[], options: { withoutGauges?: boolean } = {}): ScopeMetrics[] {
  const scopes = new Map<string, { scope: ScopeMetrics['scope']; metrics: Map<string, { metric: AnyMetric; points: Map<string, AnyPoint> }> }>();
  for (const snapshot of snapshots) {
    for (const scopeMetrics of snapshot) {
      const scopeKey = `${scopeMetrics.scope.name}@${scopeMetrics.scope.version ?? ''}`;
      let scope = scopes.get(scopeKey);
      if (scope === undefined) scopes.set(scopeKey, (scope = { scope: scopeMetrics.scope, metrics: new Map() }));
      for (const raw of scopeMetrics.metrics as unknown as AnyMetric[]) {
        if (options.withoutGauges && raw.dataPointType === GAUGE) continue;
        let entry = scope.metrics.get(raw.descriptor.name);
        if (entry === undefined) {
          entry = { metric: { ...raw, dataPoints: [] }, points: new Map() };
          scope.metrics.set(raw.descriptor.name, entry);
        }
        for (const point of raw.dataPoints) {
          const key = attributesKey(point.attributes);
          const existing = entry.points.get(key);
          if (existing === undefined) entry.points.set(key, clonePoint(point));
          else mergePoint(entry.metric, existing, point);
        }
      }
    }
  }
  const result: ScopeMetrics[] = [];
  for (const { scope, metrics } of scopes.values()) {
    const list: AnyMetric[] = [];
    for (const { metric, points } of metrics.values()) list.push({ ...metric, dataPoints: [...points.values()] });
    result.push({ scope, metrics: list } as unknown as ScopeMetrics);
  }
  return result;
}
