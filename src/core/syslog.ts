/**
 * `telemetry/logging` `syslog: true`: application log lines to syslog, as krakend-gologging does with
 * Go's `log/syslog`: the local socket (`/dev/log`, `/var/run/syslog`, `/var/run/log`), facility from
 * `syslog_facility` (default `local3`), tag = `prefix`, body `LEVEL > message`. Portico also takes a
 * `syslog_address` (`udp://host:514`, `tcp://host:514`, `unix:///path`), which KrakenD lacks.
 *
 * Node has no datagram unix sockets, and most local syslog daemons listen on one: when the socket refuses
 * a stream connection, lines are handed to util-linux `logger`, one long-lived child reading stdin.
 * Nothing here ever waits: a line that cannot be sent is dropped and counted.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import type { Socket as DatagramSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { hostname } from 'node:os';
import type { LevelName } from './log-format.js';

export const SYSLOG_FACILITIES: Readonly<Record<string, number>> = {
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
};
export const DEFAULT_FACILITY = 'local3';
const FACILITY_NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(SYSLOG_FACILITIES).map(([name, code]) => [code, name]));

const SEVERITIES: Readonly<Record<LevelName, number>> = { CRITICAL: 2, ERROR: 3, WARNING: 4, INFO: 6, DEBUG: 7 };
const LOCAL_PATHS = ['/dev/log', '/var/run/syslog', '/var/run/log'];
/** Bytes queued on a stream socket past which lines are dropped rather than held in memory. */
const MAX_PENDING_BYTES = 1 << 20;

export type SyslogTarget = { kind: 'udp' | 'tcp'; host: string; port: number } | { kind: 'unix'; path: string };

/** Parses `syslog_address`; undefined when it is none of the accepted forms. */
export function parseSyslogAddress(address: string): SyslogTarget | undefined {
  if (address.startsWith('/')) return { kind: 'unix', path: address };
  const match = /^(udp|tcp|unix):\/\/(.+)$/.exec(address);
  if (!match) return undefined;
  const rest = match[2] as string;
  if (match[1] === 'unix') return rest.startsWith('/') ? { kind: 'unix', path: rest } : undefined;
  const hostPort = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(rest);
  const port = Number(hostPort?.[2]);
  if (!hostPort || port < 1 || port > 65535) return undefined;
  return { kind: match[1] as 'udp' | 'tcp', host: hostPort[1] as string, port };
}

export interface SyslogSettings {
  /** undefined: the local socket. */
  address: string | undefined;
  facility: string;
  tag: string;
}

export interface LogSink {
  write(level: LevelName, message: string): void;
  close(): void;
  /** Lines that could not be sent (no socket, queue full). */
  readonly dropped: number;
}

/** Opens the syslog sink; `onProblem` hears, once, why lines cannot be delivered. */
export function openSyslog(settings: SyslogSettings, onProblem: (message: string) => void): LogSink {
  const facility = SYSLOG_FACILITIES[settings.facility.toLowerCase()] ?? (SYSLOG_FACILITIES[DEFAULT_FACILITY] as number);
  const tag = settings.tag === '' ? 'portico' : settings.tag;
  let target: SyslogTarget | undefined;
  if (settings.address === undefined) {
    const path = LOCAL_PATHS.find((candidate) => existsSync(candidate));
    if (path !== undefined) target = { kind: 'unix', path };
  } else {
    target = parseSyslogAddress(settings.address);
  }
  let problemTold = false;
  const tell = (message: string): void => {
    if (!problemTold) onProblem(message);
    problemTold = true;
  };
  if (target === undefined) {
    tell(`[SERVICE: Logging][syslog] no syslog socket found (${LOCAL_PATHS.join(', ')}): syslog lines are dropped`);
    return droppingSink();
  }
  const priority = (level: LevelName): number => facility * 8 + SEVERITIES[level];
  const body = (level: LevelName, message: string): string => `${level} > ${message.replace(/\n/g, ' ')}`;
  switch (target.kind) {
    case 'udp':
      return udpSink(target.host, target.port, (level, message) => `<${priority(level)}>${networkHeader(tag)}${body(level, message)}`, tell);
    case 'tcp':
      return streamSink(() => connect(target.port, target.host), (level, message) => `<${priority(level)}>${networkHeader(tag)}${body(level, message)}\n`, streamErrors(tell, `tcp://${target.host}:${target.port}`));
    case 'unix':
      return unixSink(target.path, tag, facility, priority, body, tell);
  }
}

function droppingSink(): LogSink {
  let dropped = 0;
  return {
    write: () => void dropped++,
    close: () => undefined,
    get dropped() {
      return dropped;
    },
  };
}

/** Go's `log/syslog` network header: RFC 3339 time, host name, tag and pid. */
function networkHeader(tag: string): string {
  return `${new Date().toISOString()} ${hostname()} ${tag}[${process.pid}]: `;
}

/** Go's local header (`time.Stamp`, no host name). */
function localHeader(tag: string): string {
  const now = new Date();
  const month = now.toLocaleString('en-US', { month: 'short' });
  const time = [now.getHours(), now.getMinutes(), now.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
  return `${month} ${String(now.getDate()).padStart(2, ' ')} ${time} ${tag}[${process.pid}]: `;
}

function udpSink(host: string, port: number, format: (level: LevelName, message: string) => string, tell: (message: string) => void): LogSink {
  const socket: DatagramSocket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  socket.unref();
  socket.on('error', (error) => tell(`[SERVICE: Logging][syslog] udp://${host}:${port}: ${error.message}`));
  let dropped = 0;
  return {
    write(level, message) {
      socket.send(format(level, message), port, host, (error) => {
        if (error) {
          dropped++;
          tell(`[SERVICE: Logging][syslog] udp://${host}:${port}: ${error.message}`);
        }
      });
    },
    close: () => socket.close(),
    get dropped() {
      return dropped;
    },
  };
}

/**
 * A reconnecting stream socket (syslog over TCP or a unix socket, GELF over TCP): lines written while it
 * connects are queued by the socket itself, up to MAX_PENDING_BYTES; after a failure the next line tries
 * again, at most once a second. `flushOnClose` ends the connection after what is queued, else drops it.
 */
function streamErrors(tell: (message: string) => void, name: string): (error: string) => void {
  return (error) => tell(`[SERVICE: Logging][syslog] ${name}: ${error}`);
}

export function streamSink(open: () => Socket, format: (level: LevelName, message: string) => string, tell: (error: string) => void, options: { flushOnClose?: boolean } = {}): LogSink {
  let socket: Socket | undefined;
  let failedAt = 0;
  let closed = false;
  let dropped = 0;
  const start = (): Socket => {
    const next = open();
    next.unref();
    next.setNoDelay?.(true);
    next.on('error', (error: NodeJS.ErrnoException) => {
      if (socket === next) socket = undefined;
      failedAt = Date.now();
      tell(error.message);
    });
    next.on('close', () => {
      if (socket === next) socket = undefined;
    });
    return next;
  };
  return {
    write(level, message) {
      if (closed) return;
      if (socket === undefined) {
        if (Date.now() - failedAt < 1000) {
          dropped++;
          return;
        }
        socket = start();
      }
      if (socket.writableLength > MAX_PENDING_BYTES) {
        dropped++;
        return;
      }
      socket.write(format(level, message));
    },
    close() {
      closed = true;
      if (options.flushOnClose) socket?.end();
      else socket?.destroy();
    },
    get dropped() {
      return dropped;
    },
  };
}

/**
 * A unix socket: probed once; a stream socket is written directly, a datagram socket (EPROTOTYPE) through
 * util-linux `logger`. Lines logged before the probe answers are kept (bounded) and replayed.
 */
function unixSink(path: string, tag: string, facility: number, priority: (level: LevelName) => number, body: (level: LevelName, message: string) => string, tell: (message: string) => void): LogSink {
  const pending: [LevelName, string][] = [];
  let chosen: LogSink | undefined;
  let closed = false;
  const choose = (sink: LogSink): void => {
    chosen = sink;
    if (closed) sink.close();
    for (const [level, message] of pending.splice(0)) sink.write(level, message);
  };
  const stream = (): LogSink => streamSink(() => connect(path), (level, message) => `<${priority(level)}>${localHeader(tag)}${body(level, message)}\n`, streamErrors(tell, path));
  const probe = connect(path);
  probe.unref();
  probe.once('connect', () => {
    probe.destroy();
    choose(stream());
  });
  probe.once('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPROTOTYPE') return choose(loggerCommandSink(path, tag, facility, priority, body, tell));
    tell(`[SERVICE: Logging][syslog] ${path}: ${error.message}`);
    choose(stream());
  });
  let dropped = 0;
  return {
    write(level, message) {
      if (chosen) return chosen.write(level, message);
      if (pending.length < 1000) pending.push([level, message]);
      else dropped++;
    },
    close() {
      closed = true;
      chosen?.close();
    },
    get dropped() {
      return dropped + (chosen?.dropped ?? 0);
    },
  };
}

/** util-linux `logger` reading `<PRI>line` from stdin (`--prio-prefix`), sending each to `path`. */
function loggerCommandSink(path: string, tag: string, facility: number, priority: (level: LevelName) => number, body: (level: LevelName, message: string) => string, tell: (message: string) => void): LogSink {
  let dropped = 0;
  let child: ChildProcess | undefined = spawn('logger', ['--socket', path, '--prio-prefix', '--tag', tag, `--id=${process.pid}`, '--priority', `${FACILITY_NAMES[facility] ?? DEFAULT_FACILITY}.info`], {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  child.unref();
  child.stderr?.on('data', (data: Buffer) => tell(`[SERVICE: Logging][syslog] logger: ${data.toString().trim()}`));
  child.on('error', (error) => {
    child = undefined;
    tell(`[SERVICE: Logging][syslog] cannot run util-linux logger for the datagram socket ${path}: ${error.message}`);
  });
  child.on('exit', () => {
    child = undefined;
  });
  child.stdin?.on('error', () => undefined);
  // The pipes are sockets: unreferenced, they do not keep the process alive either.
  for (const pipe of [child.stdin, child.stderr]) (pipe as Socket | null)?.unref();
  return {
    write(level, message) {
      const stdin = child?.stdin;
      if (!stdin || stdin.writableLength > MAX_PENDING_BYTES) {
        dropped++;
        return;
      }
      stdin.write(`<${priority(level)}>${body(level, message)}\n`);
    },
    close() {
      child?.stdin?.end();
      child = undefined;
    },
    get dropped() {
      return dropped;
    },
  };
}
