/**
 * Go `time.ParseDuration` syntax ("1.5s", "300ms", "1h2m", "150us"), returned in milliseconds
 * (fractions kept, so "150us" is 0.15). Returns undefined when the text is not a duration.
 */
const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

export function parseDuration(text: string): number | undefined {
  let source = text.trim();
  let sign = 1;
  if (source.startsWith('-') || source.startsWith('+')) {
    if (source[0] === '-') sign = -1;
    source = source.slice(1);
  }
  if (source === '0') return 0;
  if (source === '') return undefined;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < source.length) {
    const start = PART.lastIndex;
    const match = PART.exec(source);
    if (match === null || match.index !== start) return undefined;
    total += Number(match[1]) * (UNIT_MS[match[2] as string] as number);
  }
  return sign * total;
}

/** Renders milliseconds back in Go syntax, for messages and `check -d`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  if (ms >= 1) return `${ms}ms`;
  return `${Math.round(ms * 1000)}us`;
}
