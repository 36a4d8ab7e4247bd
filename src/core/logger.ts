/**
 * Application and access logs on pino (`telemetry/logging`). pino writes asynchronously through
 * sonic-boom, so logging stays off the request's critical path. `format: "default"` prints KrakenD-like
 * text lines; `logstash` / `json` print one JSON object per line.
 */
import pino from 'pino';
import type { DestinationStream, LevelWithSilent } from 'pino';

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

export function createLogger(settings: LoggingSettings, destination?: DestinationStream): Logger {
  const level = LEVELS[settings.level.toUpperCase()] ?? 'info';
  const json = settings.format === 'logstash' || settings.format === 'json';
  const stream = destination ?? bufferedDestination(settings.stdout ? 1 : 2);
  const base = pino(
    {
      level,
      base: json ? { service: settings.prefix.replace(/^\[|\]$/g, '') || 'portico' } : null,
      timestamp: json ? pino.stdTimeFunctions.isoTime : false,
      ...(json ? {} : { formatters: { level: (label: string) => ({ level: label }) } }),
    },
    json ? stream : textStream(stream, settings.prefix),
  );
  const skip = new Set(settings.skipPaths);
  return {
    level,
    debug: (message) => base.debug(message),
    info: (message) => base.info(message),
    warn: (message) => base.warn(message),
    error: (message) => base.error(message),
    access: !settings.accessLog
      ? () => undefined
      : json
        ? (record) => {
            if (!skip.has(record.path)) base.info({ access: record }, 'access');
          }
        : (record) => {
            // Written straight to the buffered destination: no JSON round trip per request.
            if (!skip.has(record.path) && level !== 'silent') stream.write(formatAccess(settings.prefix, record));
          },
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

/** Text lines in KrakenD's shape: `[PREFIX] 2026/01/02 15:04:05.000 ▶ INFO message`. */
function textStream(target: DestinationStream, prefix: string): DestinationStream {
  const head = prefix === '' ? '' : `${prefix} `;
  return {
    write(json: string) {
      const record = JSON.parse(json) as { level: string | number; msg?: string; access?: AccessRecord };
      const levelName = typeof record.level === 'number' ? (LEVEL_NAMES[record.level] ?? 'INFO') : record.level.toUpperCase().replace('WARN', 'WARNING').replace('FATAL', 'CRITICAL');
      target.write(`${head}${timestamp()} ▶ ${levelName} ${record.msg ?? ''}\n`);
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
