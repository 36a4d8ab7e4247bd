/**
 * The InfluxDB points krakend-influx makes from a krakend-metrics snapshot, in line protocol:
 * - `requests` (layer, name, complete, error): counters `total`, `count` (new since the last push) and the
 *   latency histogram's fields, from `krakend.proxy.requests.*` / `krakend.proxy.latency.*`;
 * - `responses` (name, status): `total`, `count`, from `krakend.router.response.<name>.status.<code>.count`;
 * - `router` (direction in/out): `current`, `total`, `gauge` of connections;
 * - `router.response-size` / `router.response-time` (name): the router histograms.
 * Every point carries the `host` tag. Histogram fields: `max`, `min`, `mean`, `stddev`, `variance`
 * (integers) and `p0.1` … `p0.99`; an empty histogram makes no point.
 */
import { percentileOf, summarize } from '../metrics/histogram.js';
import type { HistogramState } from '../metrics/histogram.js';
import type { MetricsSnapshot } from '../metrics/registry.js';

const REQUESTS = /^krakend\.proxy\.requests\.layer\.([a-zA-Z]+)\.name\.(.*)\.complete\.(true|false)\.error\.(true|false)$/;
const LATENCY = /^krakend\.proxy\.latency\.layer\.([a-zA-Z]+)\.name\.(.*)\.complete\.(true|false)\.error\.(true|false)$/;
const RESPONSES = /^krakend\.router\.response\.(.*)\.status\.(\d{3})\.count$/;
const ROUTER_HISTOGRAM = /^krakend\.router\.response\.(.*)\.(size|time)$/;
const PERCENTILES: readonly [string, number][] = [
  ['p0.1', 0.1],
  ['p0.25', 0.25],
  ['p0.5', 0.5],
  ['p0.75', 0.75],
  ['p0.9', 0.9],
  ['p0.95', 0.95],
  ['p0.99', 0.99],
];

type Field = { int: number } | number;

/** Counter totals seen at the previous push, to report `count` as the increase since then. */
export class CounterMemory {
  private readonly last = new Map<string, number>();

  increase(key: string, total: number): number {
    const previous = this.last.get(key) ?? 0;
    this.last.set(key, total);
    // A replaced worker of `run -w N` restarts its counters: the sum can drop, which is no negative traffic.
    return Math.max(0, total - previous);
  }
}

export function pointsOf(snapshot: MetricsSnapshot, host: string, seconds: number, memory: CounterMemory): string[] {
  const lines: string[] = [];
  const point = (measurement: string, tags: Record<string, string>, fields: Record<string, Field>): void => {
    lines.push(lineOf(measurement, { host, ...tags }, fields, seconds));
  };
  for (const [key, total] of Object.entries(snapshot.counters)) {
    const request = REQUESTS.exec(key);
    if (request) {
      const [, layer, name, complete, error] = request as unknown as string[];
      point('requests', { layer: layer as string, name: name as string, complete: complete as string, error: error as string }, { total: { int: total }, count: { int: memory.increase(`requests.${key}`, total) } });
      continue;
    }
    const response = RESPONSES.exec(key);
    if (response) {
      point('responses', { name: response[1] as string, status: response[2] as string }, { total: { int: total }, count: { int: memory.increase(`responses.${key}`, total) } });
    }
  }
  const counter = (name: string): number => snapshot.counters[name] ?? 0;
  const gauge = (name: string): number => snapshot.gauges[name] ?? 0;
  point('router', { direction: 'in' }, { current: { int: counter('krakend.router.connected') }, total: { int: counter('krakend.router.connected-total') }, gauge: { int: gauge('krakend.router.connected-gauge') } });
  point('router', { direction: 'out' }, { current: { int: counter('krakend.router.disconnected') }, total: { int: counter('krakend.router.disconnected-total') }, gauge: { int: gauge('krakend.router.disconnected-gauge') } });
  for (const [key, state] of Object.entries(snapshot.histograms)) {
    if (state.values.length === 0) continue;
    const latency = LATENCY.exec(key);
    if (latency) {
      const [, layer, name, complete, error] = latency as unknown as string[];
      point('requests', { layer: layer as string, name: name as string, complete: complete as string, error: error as string }, histogramFields(state));
      continue;
    }
    const router = ROUTER_HISTOGRAM.exec(key);
    if (router) point(`router.response-${router[2] as string}`, { name: router[1] as string }, histogramFields(state));
  }
  return lines;
}

function histogramFields(state: HistogramState): Record<string, Field> {
  const summary = summarize(state);
  const fields: Record<string, Field> = {
    max: { int: Math.trunc(summary.max) },
    min: { int: Math.trunc(summary.min) },
    mean: { int: Math.trunc(summary.mean) },
    stddev: { int: Math.trunc(summary.stdDev) },
    variance: { int: Math.trunc(summary.stdDev ** 2) },
  };
  const sorted = [...state.values].sort((a, b) => a - b);
  for (const [name, p] of PERCENTILES) fields[name] = percentileOf(sorted, p);
  return fields;
}

/** One line of InfluxDB's line protocol; tags sorted by key, as the Go client writes them. */
export function lineOf(measurement: string, tags: Record<string, string>, fields: Record<string, Field>, seconds: number): string {
  const tagText = Object.keys(tags)
    .sort()
    .filter((key) => tags[key] !== '')
    .map((key) => `,${escapeKey(key)}=${escapeKey(tags[key] as string)}`)
    .join('');
  const fieldText = Object.entries(fields)
    .map(([key, value]) => `${escapeKey(key)}=${typeof value === 'number' ? floatText(value) : `${Math.trunc(value.int)}i`}`)
    .join(',');
  return `${measurement.replace(/[, ]/g, '\\$&')}${tagText} ${fieldText} ${seconds}`;
}

function escapeKey(text: string): string {
  return text.replace(/[,= ]/g, '\\$&');
}

function floatText(value: number): string {
  return Number.isFinite(value) ? String(value) : '0';
}
