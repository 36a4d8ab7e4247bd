/**
 * Live numbers per endpoint route and per backend, from the telemetry/metrics counters and histograms
 * (summed over workers by the caller): each `sample` compares the counters with the previous sample, so
 * rates are per second over the last interval; latency percentiles come from the histograms' reservoirs
 * of the current and the previous collection window, so a window's end never blanks them.
 */
import type { MetricsSnapshot } from '../components/metrics/registry.js';
import { maskQuery } from './mask.js';
import type { LiveFigures, LiveView } from './api.js';

export type { LiveFigures, LiveView } from './api.js';

interface Totals {
  total: number;
  errors: number;
}

const ROUTER_STATUS = /^krakend\.router\.response\.(.+)\.status\.(\d+)\.count$/;
const BACKEND_REQUESTS = /^krakend\.proxy\.requests\.layer\.backend\.name\.(.+)\.complete\.(true|false)\.error\.(true|false)$/;
const BACKEND_LATENCY = /^krakend\.proxy\.latency\.layer\.backend\.name\.(.+)\.complete\.(?:true|false)\.error\.(?:true|false)$/;

function percentile(sorted: readonly number[], share: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(share * sorted.length) - 1));
  return (sorted[index] as number) / 1e6;
}

function add(map: Map<string, Totals>, key: string, total: number, errors: number): void {
  const entry = map.get(key) ?? { total: 0, errors: 0 };
  entry.total += total;
  entry.errors += errors;
  map.set(key, entry);
}

export class LiveSampler {
  private previous: { at: number; routes: Map<string, Totals>; backends: Map<string, Totals> } | undefined;

  /** Reads one snapshot; `now` in milliseconds. */
  sample(snapshot: MetricsSnapshot, now: number): LiveView {
    const routes = new Map<string, Totals>();
    const backends = new Map<string, Totals>();
    for (const [name, value] of Object.entries(snapshot.counters)) {
      const router = ROUTER_STATUS.exec(name);
      if (router) {
        add(routes, router[1] as string, value, Number(router[2]) >= 500 ? value : 0);
        continue;
      }
      const backend = BACKEND_REQUESTS.exec(name);
      // Keyed as the model names backends: a credential in a url_pattern's query is masked in both.
      if (backend) add(backends, maskQuery(backend[1] as string), value, backend[3] === 'true' ? value : 0);
    }
    const routeTimes = new Map<string, number[]>();
    const backendTimes = new Map<string, number[]>();
    for (const [name, state] of Object.entries(snapshot.histograms)) {
      const route = /^krakend\.router\.response\.(.+)\.time$/.exec(name);
      const backend = route ? undefined : BACKEND_LATENCY.exec(name);
      const key = route?.[1] ?? (backend?.[1] !== undefined ? maskQuery(backend[1]) : undefined);
      if (key === undefined) continue;
      const target = route ? routeTimes : backendTimes;
      const values = target.get(key) ?? [];
      for (const value of state.values) values.push(value);
      for (const value of state.lastWindow ?? []) values.push(value);
      target.set(key, values);
    }
    const previous = this.previous;
    const seconds = previous ? Math.max(0.001, (now - previous.at) / 1000) : 0;
    const figures = (current: Map<string, Totals>, before: Map<string, Totals> | undefined, times: Map<string, number[]>): Record<string, LiveFigures> => {
      const out: Record<string, LiveFigures> = {};
      for (const [key, totals] of current) {
        const earlier = before?.get(key) ?? { total: 0, errors: 0 };
        const delta = Math.max(0, totals.total - earlier.total);
        const deltaErrors = Math.max(0, totals.errors - earlier.errors);
        const sorted = (times.get(key) ?? []).sort((a, b) => a - b);
        const p50 = percentile(sorted, 0.5);
        const p99 = percentile(sorted, 0.99);
        out[key] = {
          rate: seconds > 0 ? delta / seconds : 0,
          errorRate: delta > 0 ? deltaErrors / delta : 0,
          total: totals.total,
          errors: totals.errors,
          ...(p50 !== undefined ? { p50 } : {}),
          ...(p99 !== undefined ? { p99 } : {}),
        };
      }
      return out;
    };
    const view = { at: now, routes: figures(routes, previous?.routes, routeTimes), backends: figures(backends, previous?.backends, backendTimes) };
    this.previous = { at: now, routes, backends };
    return view;
  }
}
