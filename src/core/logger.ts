/**
 * Application and access logs on pino (`telemetry/logging`). pino writes asynchronously through
 * sonic-boom, so logging stays off the request's critical path. `format: "default"` prints KrakenD-like
 * text lines, `logstash` and `custom` (`custom_format`) go-logging patterns (log-format.ts), `json` pino's
 * own JSON. `telemetry/logstash` turns each application line into krakend-logstash's JSON record.
 * Syslog and GELF receive the lines too (syslog.ts, gelf.ts): each is a sink added only when configured.
 */
import pino from 'pino';
import type { DestinationStream, LevelWithSilent } from 'pino';
import { openGelf } from './gelf.js';
import type { GelfSettings } from './gelf.js';
import { compilePattern, LOGSTASH_PATTERN, logstashRecord } from './log-format.js';
import type { LevelName, LineFormat } from './log-format.js';
import { openSyslog } from './syslog.js';
import type { LogSink, SyslogSettings } from './syslog.js';

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** One access-log line per request. */
  access(line: AccessRecord): void;
  readonly level: string;
  flush(): void;
}

export interface AccessRecord {
  method: string;
  path: string;
  status: number;
  durationMs: number;
  clientIp: string;
}

export interface LoggingSettings {
  level: string;
  prefix: string;
  stdout: boolean;
  format: string;
  accessLog: boolean;
  skipPaths: string[];
  /** go-logging pattern for `format: "custom"`. */
  customFormat?: string;
  /** `telemetry/logstash` is enabled. */
  logstash?: boolean;
  syslog?: SyslogSettings;
  gelf?: GelfSettings;
}

const LEVELS: Readonly<Record<string, LevelWithSilent>> = {
  DEBUG: 'debug',
  INFO: 'info',
  WARNING: 'warn',
  WARN: 'warn',
  ERROR: 'error',
  CRITICAL: 'fatal',
  SILENT: 'silent',
};

const RANKS: Readonly<Record<LevelName, number>> = { DEBUG: 20, INFO: 30, WARNING: 40, ERROR: 50, CRITICAL: 60 };

/** The application line layout, or undefined for the default text line. */
function lineFormatOf(settings: LoggingSettings): LineFormat | undefined {
  const custom = settings.format === 'custom' && settings.customFormat !== undefined ? compilePattern(settings.customFormat) : undefined;
  if (settings.logstash === true) {
    // krakend-logstash hands its JSON record to the logging pattern as the message.
    const record = logstashRecord(settings.prefix);
    return custom ? (level, message) => custom(level, record(level, message)) : record;
  }
  if (custom) return custom;
  if (settings.format === 'logstash') return compilePattern(LOGSTASH_PATTERN, { jsonMessage: true });
  return undefined;
}

export function createLogger(settings: LoggingSettings, destination?: DestinationStream): Logger {
  const level = LEVELS[settings.level.toUpperCase()] ?? 'info';
  const json = settings.format === 'json';
  const lineFormat = json ? undefined : lineFormatOf(settings);
  // KrakenD writes to stdout only with `stdout: true`; Portico keeps stderr when nothing else would get the lines.
  const toConsole = settings.stdout || (settings.syslog === undefined && settings.gelf === undefined);
  const stream = destination ?? (toConsole ? bufferedDestination(settings.stdout ? 1 : 2) : { write: () => undefined });
  const base = pino(
    {
      level,
      base: json ? { service: settings.prefix.replace(/^\[|\]$/g, '') || 'portico' } : null,
      timestamp: json ? pino.stdTimeFunctions.isoTime : false,
      ...(json ? {} : { formatters: { level: (label: string) => ({ level: label }) } }),
    },
    json ? stream : textStream(stream, settings.prefix, lineFormat),
  );
  const skip = new Set(settings.skipPaths);
  const sinks: LogSink[] = [];
  const problem = (message: string): void => base.warn(message);
  if (settings.syslog) sinks.push(openSyslog(settings.syslog, problem));
  // krakend-ce also hands the gin access log to the GELF writer.
  const gelf = settings.gelf && openGelf(settings.gelf, {}, problem);
  if (gelf) sinks.push(gelf);
  const threshold = level === 'silent' ? Infinity : (base.levels.values[level] ?? 30);
  const logTo = (method: 'debug' | 'info' | 'warn' | 'error', name: LevelName): ((message: string) => void) => {
    if (sinks.length === 0) return (message) => base[method](message);
    const enabled = RANKS[name] >= threshold;
    return (message) => {
      base[method](message);
      if (enabled) for (const sink of sinks) sink.write(name, message);
    };
  };
  const textAccess = (record: AccessRecord): void => {
    // Written straight to the buffered destination: no JSON round trip per request.
    if (!skip.has(record.path) && level !== 'silent') {
      stream.write(formatAccess(settings.prefix, record));
      gelf?.write('INFO', formatAccess('', record));
    }
  };
  return {
    level,
    debug: logTo('debug', 'DEBUG'),
    info: logTo('info', 'INFO'),
    warn: logTo('warn', 'WARNING'),
    error: logTo('error', 'ERROR'),
    access: !settings.accessLog
      ? () => undefined
      : json
        ? (record) => {
            if (!skip.has(record.path)) base.info({ access: record }, 'access');
          }
        : textAccess,
    flush: () => {
      const flushable = stream as DestinationStream & { flushSync?: () => void };
      try {
        flushable.flushSync?.();
      } catch {
        // the stream may not be ready yet; nothing was lost that a later write would not carry
      }
    },
  };
}

/**
 * Batches writes (4 KiB) off the request path, and flushes at least every second so a quiet gateway's
 * lines (start-up, the odd access line) still appear promptly instead of waiting for the buffer to fill.
 */
function bufferedDestination(fd: number): DestinationStream {
  const stream = pino.destination({ dest: fd, sync: false, minLength: 4096 });
  setInterval(() => {
    try {
      stream.flush();
    } catch {
      // not ready or already closed: the next tick or the exit flush writes it
    }
  }, 1000).unref();
  return stream;
}

const LEVEL_NAMES: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARNING', 50: 'ERROR', 60: 'CRITICAL' };

/**
 * Text lines in KrakenD's shape: `[PREFIX] 2026/01/02 15:04:05.000 ▶ INFO message`, or `format`'s
 * layout (which, as in krakend-gologging, carries no prefix).
 */
function textStream(target: DestinationStream, prefix: string, format: LineFormat | undefined): DestinationStream {
  const head = prefix === '' ? '' : `${prefix} `;
  return {
    write(json: string) {
      const record = JSON.parse(json) as { level: string | number; msg?: string; access?: AccessRecord };
      const levelName = typeof record.level === 'number' ? (LEVEL_NAMES[record.level] ?? 'INFO') : record.level.toUpperCase().replace('WARN', 'WARNING').replace('FATAL', 'CRITICAL');
      if (format) target.write(`${format(levelName as LevelName, record.msg ?? '')}\n`);
      else target.write(`${head}${timestamp()} ▶ ${levelName} ${record.msg ?? ''}\n`);
    },
  };
}

function formatAccess(prefix: string, a: AccessRecord): string {
  const head = prefix === '' ? '' : `${prefix} `;
  return `${head}${timestamp()} ▶ ACCESS | ${String(a.status).padStart(3)} | ${a.durationMs.toFixed(3).padStart(10)}ms | ${a.clientIp.padStart(15)} | ${a.method.padEnd(7)} ${a.path}\n`;
}

let cachedSecond = -1;
let cachedStamp = '';

/** `2026/01/02 15:04:05.000`, the seconds part built once per second. */
function timestamp(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    const d = new Date(now);
    cachedStamp = `${d.getFullYear()}/${pad(d.getMonth() + 1)}/${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }
  return `${cachedStamp}.${String(now % 1000).padStart(3, '0')}`;
}

function pad(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}
