/**
 * One gateway process's metrics for `telemetry/metrics`, keyed by the names krakend-metrics v2 gives
 * them (`krakend.` + `router.`/`proxy.` + labels). Counters and histograms are created at start-up and
 * handed to the layers, so a request only increments fields; `snapshot` copies them for the stats
 * listener, and `merge` sums the snapshots of the workers of `run -w N`.
 */
import { Histogram, histogramEntries } from './histogram.js';
import type { HistogramState } from './histogram.js';

export class Counter {
  value = 0;
}

export interface MetricsSnapshot {
  counters: Record<string, number>;
  gauges: Record<string, number>;
  histograms: Record<string, HistogramState>;
}

export class MetricsRegistry {
  private readonly counters = new Map<string, Counter>();
  private readonly gauges = new Map<string, Counter>();
  private readonly histograms = new Map<string, Histogram>();

  counter(name: string): Counter {
    let counter = this.counters.get(name);
    if (counter === undefined) this.counters.set(name, (counter = new Counter()));
    return counter;
  }

  gauge(name: string): Counter {
    let gauge = this.gauges.get(name);
    if (gauge === undefined) this.gauges.set(name, (gauge = new Counter()));
    return gauge;
  }

  histogram(name: string): Histogram {
    let histogram = this.histograms.get(name);
    if (histogram === undefined) this.histograms.set(name, (histogram = new Histogram()));
    return histogram;
  }

  /** krakend-metrics' `TakeSnapshot` at each `collection_time` tick clears every histogram. */
  clearHistograms(): void {
    for (const histogram of this.histograms.values()) histogram.clear();
  }

  snapshot(): MetricsSnapshot {
    const result: MetricsSnapshot = { counters: {}, gauges: {}, histograms: {} };
    for (const [name, counter] of this.counters) result.counters[name] = counter.value;
    for (const [name, gauge] of this.gauges) result.gauges[name] = gauge.value;
    for (const [name, histogram] of this.histograms) result.histograms[name] = { count: histogram.count, values: histogram.values.slice(), lastWindow: histogram.lastWindow.slice() };
    return result;
  }
}

/**
 * The instance's view from its workers' snapshots: counters and gauges add up; histogram counts add up
 * and their reservoirs are pooled, so percentiles are taken over every worker's samples.
 */
export function mergeSnapshots(snapshots: readonly MetricsSnapshot[]): MetricsSnapshot {
  const result: MetricsSnapshot = { counters: {}, gauges: {}, histograms: {} };
  for (const snapshot of snapshots) {
    for (const [name, value] of Object.entries(snapshot.counters)) result.counters[name] = (result.counters[name] ?? 0) + value;
    for (const [name, value] of Object.entries(snapshot.gauges)) result.gauges[name] = (result.gauges[name] ?? 0) + value;
    for (const [name, state] of Object.entries(snapshot.histograms)) {
      const merged = (result.histograms[name] ??= { count: 0, values: [], lastWindow: [] });
      merged.count += state.count;
      for (const value of state.values) merged.values.push(value);
      for (const value of state.lastWindow ?? []) merged.lastWindow?.push(value);
    }
  }
  return result;
}

/**
 * The body of `/__stats`: go-metrics' `exp` handler writes expvar's variables, a flat object with keys in
 * byte order, one per line. Go's `cmdline` and `memstats` expvars are runtime specific; only `cmdline`
 * (this process's argv) is kept.
 */
export function renderStats(snapshot: MetricsSnapshot, cmdline: readonly string[]): string {
  const entries: [string, string][] = [['cmdline', JSON.stringify(cmdline)]];
  for (const [name, value] of Object.entries(snapshot.counters)) entries.push([name, String(value)]);
  for (const [name, value] of Object.entries(snapshot.gauges)) entries.push([name, String(value)]);
  for (const [name, state] of Object.entries(snapshot.histograms)) entries.push(...histogramEntries(name, state));
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return `{\n${entries.map(([key, value]) => `${JSON.stringify(key)}: ${value}`).join(',\n')}\n}\n`;
}
