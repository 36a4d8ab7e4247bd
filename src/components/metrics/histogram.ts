/**
 * The statistics of `telemetry/metrics`, shaped like rcrowley/go-metrics, which krakend-metrics v2 uses:
 * a histogram keeps a uniform reservoir of 1028 samples (`NewUniformSample(1028)`) and its exposition
 * (go-metrics `exp`) reports count, min, max, mean, std-dev and the 50/75/95/99/99.9 percentiles of it.
 */
const RESERVOIR_SIZE = 1028;
const PERCENTILES = [0.5, 0.75, 0.95, 0.99, 0.999] as const;
const PERCENTILE_SUFFIXES = ['50-percentile', '75-percentile', '95-percentile', '99-percentile', '999-percentile'] as const;

export class Histogram {
  count = 0;
  values: number[] = [];
  /** The reservoir of the window before the last clear: the console's percentiles span both. */
  lastWindow: number[] = [];

  update(value: number): void {
    this.count++;
    if (this.values.length < RESERVOIR_SIZE) this.values.push(value);
    else {
      // Vitter's algorithm R, as go-metrics' UniformSample.
      const slot = Math.floor(Math.random() * this.count);
      if (slot < RESERVOIR_SIZE) this.values[slot] = value;
    }
  }

  clear(): void {
    this.count = 0;
    this.lastWindow = this.values;
    this.values = [];
  }
}

/** What a worker hands the primary: the reservoir travels so percentiles can be taken over all of them. */
export interface HistogramState {
  count: number;
  values: number[];
  /** Not part of /__stats (go-metrics forgets it); read by the console only. */
  lastWindow?: number[];
}

export interface HistogramSummary {
  count: number;
  min: number;
  max: number;
  mean: number;
  stdDev: number;
  percentiles: number[];
}

export function summarize(state: HistogramState): HistogramSummary {
  const values = [...state.values].sort((a, b) => a - b);
  const size = values.length;
  if (size === 0) return { count: state.count, min: 0, max: 0, mean: 0, stdDev: 0, percentiles: PERCENTILES.map(() => 0) };
  let sum = 0;
  for (const value of values) sum += value;
  const mean = sum / size;
  let squares = 0;
  for (const value of values) squares += (value - mean) ** 2;
  return {
    count: state.count,
    min: values[0] as number,
    max: values[size - 1] as number,
    mean,
    stdDev: Math.sqrt(squares / size),
    percentiles: PERCENTILES.map((p) => percentileOf(values, p)),
  };
}

/** go-metrics `SamplePercentiles`: linear interpolation at position p·(n+1) of the sorted sample. */
export function percentileOf(sorted: number[], p: number): number {
  const size = sorted.length;
  const position = p * (size + 1);
  if (position < 1) return sorted[0] as number;
  if (position >= size) return sorted[size - 1] as number;
  const lower = sorted[Math.floor(position) - 1] as number;
  const upper = sorted[Math.floor(position)] as number;
  return lower + (position - Math.floor(position)) * (upper - lower);
}

/** The flat keys go-metrics' `exp` handler publishes for one histogram, each with its JSON text. */
export function histogramEntries(name: string, state: HistogramState): [string, string][] {
  const summary = summarize(state);
  const entries: [string, string][] = [
    [`${name}.count`, String(summary.count)],
    [`${name}.max`, goFloat(summary.max)],
    [`${name}.mean`, goFloat(summary.mean)],
    [`${name}.min`, goFloat(summary.min)],
    [`${name}.std-dev`, goFloat(summary.stdDev)],
  ];
  PERCENTILE_SUFFIXES.forEach((suffix, index) => entries.push([`${name}.${suffix}`, goFloat(summary.percentiles[index] as number)]));
  return entries;
}

/**
 * A float as Go's expvar writes it (`strconv.FormatFloat(f, 'g', -1, 64)`): shortest digits, exponent
 * form when the exponent is below -4 or at least 6 (`6.876365e+06`), two exponent digits at least.
 */
export function goFloat(value: number): string {
  if (value === 0) return '0';
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf';
  const exponential = value.toExponential();
  const at = exponential.indexOf('e');
  const exponent = Number(exponential.slice(at + 1));
  if (exponent >= -4 && exponent < 6) return String(value);
  const digits = String(Math.abs(exponent)).padStart(2, '0');
  return `${exponential.slice(0, at)}e${exponent < 0 ? '-' : '+'}${digits}`;
}
