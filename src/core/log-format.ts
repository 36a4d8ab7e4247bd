/**
 * Line layouts of `telemetry/logging`, compiled once at start-up: KrakenD's default text line, its
 * `format: "logstash"` pattern, a `custom_format` in op/go-logging's `%{verb:arg}` syntax (the library
 * krakend-gologging uses), and the JSON record of `telemetry/logstash` (krakend-logstash).
 */
import { hostname } from 'node:os';
import { basename } from 'node:path';

/** A level as go-logging names it. */
export type LevelName = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL';

/** Renders one application log line, without the trailing newline. */
export type LineFormat = (level: LevelName, message: string) => string;

/** go-logging's module name in KrakenD, kept so log pipelines that match on it go on working. */
export const MODULE = 'KRAKEND';

/** krakend-gologging `LogstashPattern` (the message is JSON-escaped here; KrakenD inserts it raw). */
export const LOGSTASH_PATTERN = '{"@timestamp":"%{time:2006-01-02T15:04:05.000+00:00}", "@version": 1, "level": "%{level}", "message": "%{message}", "module": "%{module}"}';

const COLORS: Readonly<Record<LevelName, number>> = { CRITICAL: 35, ERROR: 31, WARNING: 33, INFO: 37, DEBUG: 36 };

type Part = string | ((level: LevelName, message: string, now: Date, id: number) => string);

/**
 * Compiles a go-logging pattern. Verbs: `time` (a Go layout, default RFC 3339 with milliseconds), `level`
 * (printf width/precision such as `.6s` or `-8s`), `message`, `module`, `pid`, `program`, `id`, `color`
 * (`bold`, `reset`). Caller verbs (`shortfile`, `longfunc`...) have no Go caller here and print `???`,
 * as go-logging does when it cannot find one. `jsonMessage` escapes the message for a JSON string.
 */
export function compilePattern(pattern: string, options: { jsonMessage?: boolean } = {}): LineFormat {
  const parts: Part[] = [];
  const verb = /%\{([a-z]+)(?::([^}]*))?\}/g;
  let last = 0;
  for (let match = verb.exec(pattern); match !== null; match = verb.exec(pattern)) {
    if (match.index > last) parts.push(pattern.slice(last, match.index));
    parts.push(verbPart(match[1] as string, match[2], options.jsonMessage === true));
    last = verb.lastIndex;
  }
  if (last < pattern.length) parts.push(pattern.slice(last));
  let sequence = 0;
  return (level, message) => {
    const now = new Date();
    const id = ++sequence;
    let line = '';
    for (const part of parts) line += typeof part === 'string' ? part : part(level, message, now, id);
    return line;
  };
}

function verbPart(name: string, argument: string | undefined, jsonMessage: boolean): Part {
  switch (name) {
    case 'time': {
      const layout = compileGoLayout(argument ?? '2006-01-02T15:04:05.999Z07:00');
      return (_level, _message, now) => layout(now);
    }
    case 'level':
      return (level) => printfString(level, argument);
    case 'message':
      return jsonMessage ? (_level, message) => JSON.stringify(message).slice(1, -1) : (_level, message) => message;
    case 'module':
      return MODULE;
    case 'pid':
      return String(process.pid);
    case 'program':
      return basename(process.argv[1] ?? 'portico', '.js');
    case 'id':
      return (_level, _message, _now, id) => String(id).padStart(argument === undefined ? 0 : 3, '0');
    case 'color':
      if (argument === 'reset') return '\u001b[0m';
      return (level) => `\u001b[${COLORS[level]}${argument === 'bold' ? ';1' : ''}m`;
    default:
      return '???';
  }
}

/** `%s` with an optional printf flag, width and precision (`.6s`, `-8s`, `5.3s`). */
function printfString(value: string, format: string | undefined): string {
  const spec = /^(-?)(\d*)(?:\.(\d+))?s$/.exec(format ?? 's');
  if (!spec) return value;
  const precision = spec[3] === undefined ? value : value.slice(0, Number(spec[3]));
  const width = spec[2] === '' ? 0 : Number(spec[2]);
  return spec[1] === '-' ? precision.padEnd(width) : precision.padStart(width);
}

/** The Go layout tokens this renderer knows, longest first so `2006` wins over `2`. */
const GO_TOKENS: readonly [string, (d: Date) => string][] = [
  ['2006', (d) => String(d.getFullYear())],
  ['Z07:00', (d) => zone(d, ':', true)],
  ['-07:00', (d) => zone(d, ':', false)],
  ['Z0700', (d) => zone(d, '', true)],
  ['-0700', (d) => zone(d, '', false)],
  ['January', (d) => d.toLocaleString('en-US', { month: 'long' })],
  ['Monday', (d) => d.toLocaleString('en-US', { weekday: 'long' })],
  ['.000000000', (d) => `.${pad3(d.getMilliseconds())}000000`],
  ['.000000', (d) => `.${pad3(d.getMilliseconds())}000`],
  ['.000', (d) => `.${pad3(d.getMilliseconds())}`],
  ['.999', (d) => (d.getMilliseconds() === 0 ? '' : `.${pad3(d.getMilliseconds()).replace(/0+$/, '')}`)],
  ['Jan', (d) => d.toLocaleString('en-US', { month: 'short' })],
  ['Mon', (d) => d.toLocaleString('en-US', { weekday: 'short' })],
  ['MST', (d) => zone(d, ':', false)],
  ['01', (d) => pad2(d.getMonth() + 1)],
  ['02', (d) => pad2(d.getDate())],
  ['_2', (d) => String(d.getDate()).padStart(2, ' ')],
  ['15', (d) => pad2(d.getHours())],
  ['03', (d) => pad2(d.getHours() % 12 || 12)],
  ['04', (d) => pad2(d.getMinutes())],
  ['05', (d) => pad2(d.getSeconds())],
  ['06', (d) => pad2(d.getFullYear() % 100)],
  ['PM', (d) => (d.getHours() < 12 ? 'AM' : 'PM')],
];

/** Compiles a Go time layout (`2006/01/02 - 15:04:05.000`) into a renderer of local time. */
export function compileGoLayout(layout: string): (date: Date) => string {
  const parts: (string | ((d: Date) => string))[] = [];
  let literal = '';
  for (let at = 0; at < layout.length; ) {
    const token = GO_TOKENS.find(([text]) => layout.startsWith(text, at));
    if (token) {
      if (literal !== '') parts.push(literal);
      literal = '';
      parts.push(token[1]);
      at += token[0].length;
    } else {
      literal += layout[at];
      at++;
    }
  }
  if (literal !== '') parts.push(literal);
  return (date) => {
    let text = '';
    for (const part of parts) text += typeof part === 'string' ? part : part(date);
    return text;
  };
}

function zone(date: Date, separator: string, zForUtc: boolean): string {
  const offset = -date.getTimezoneOffset();
  if (offset === 0 && zForUtc) return 'Z';
  const sign = offset < 0 ? '-' : '+';
  const minutes = Math.abs(offset);
  return `${sign}${pad2(Math.floor(minutes / 60))}${separator}${pad2(minutes % 60)}`;
}

function pad2(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}

function pad3(value: number): string {
  return String(value).padStart(3, '0');
}

const ISO_MICROSECONDS = compileGoLayout('2006-01-02T15:04:05.000000-07:00');

/**
 * krakend-logstash's record: a JSON object with `@timestamp` (local time with microseconds and offset),
 * `@version`, `host`, `level`, `message` and `module` (the `prefix`, else `KRAKEND`), keys in
 * Go's `json.Marshal` order (sorted).
 */
export function logstashRecord(prefix: string): LineFormat {
  const host = JSON.stringify(hostname());
  const module = JSON.stringify(prefix === '' ? MODULE : prefix);
  return (level, message) => `{"@timestamp":"${ISO_MICROSECONDS(new Date())}","@version":1,"host":${host},"level":"${level}","message":${JSON.stringify(message)},"module":${module}}`;
}
