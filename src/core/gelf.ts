/**
 * `telemetry/gelf` (krakend-gelf): log lines as GELF 1.1 messages to Graylog, over UDP by default or TCP
 * with `enable_tcp`. UDP: one datagram per message; a message larger than a datagram is gzipped, then cut
 * into chunks of 1420 bytes (the size go-gelf uses) with the GELF chunk header (magic 0x1e 0x0f, 8-byte
 * message id, sequence number, count); one needing more than 128 chunks is dropped, as the spec asks.
 * TCP: uncompressed JSON, each message ended by a null byte. Sending never waits on Graylog.
 */
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import type { Socket as DatagramSocket } from 'node:dgram';
import { connect } from 'node:net';
import { hostname } from 'node:os';
import { gzipSync } from 'node:zlib';
import type { LevelName } from './log-format.js';
import { streamSink } from './syslog.js';
import type { LogSink } from './syslog.js';

export const GELF_CHUNK_SIZE = 1420;
const CHUNK_HEADER = 12;
const MAX_CHUNKS = 128;
/** Syslog severities, which GELF's `level` uses. */
const LEVELS: Readonly<Record<LevelName, number>> = { CRITICAL: 2, ERROR: 3, WARNING: 4, INFO: 6, DEBUG: 7 };

export interface GelfSettings {
  host: string;
  port: number;
  tcp: boolean;
}

/** `host:port` as krakend-gelf takes it; undefined when it is not one. */
export function parseGelfAddress(address: string): { host: string; port: number } | undefined {
  const match = /^\[?([^\]]*?)\]?:(\d{1,5})$/.exec(address);
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65535) return undefined;
  return { host: match[1] === '' ? '127.0.0.1' : (match[1] as string), port };
}

/** A GELF 1.1 message: the first line is `short_message`, the whole text `full_message` when it has more. */
export function gelfMessage(level: LevelName, text: string, host: string, extra: Record<string, string>): string {
  const trimmed = text.trim();
  const newline = trimmed.indexOf('\n');
  const message: Record<string, unknown> = {
    version: '1.1',
    host,
    short_message: newline > 0 ? trimmed.slice(0, newline) : trimmed,
    timestamp: Date.now() / 1000,
    level: LEVELS[level],
    ...extra,
  };
  if (newline > 0) message['full_message'] = trimmed;
  return JSON.stringify(message);
}

/** The datagrams of one message: itself when it fits, else gzipped chunks; empty when even those are too many. */
export function gelfDatagrams(json: string): Buffer[] {
  const plain = Buffer.from(json);
  if (plain.length <= GELF_CHUNK_SIZE) return [plain];
  const data = gzipSync(plain);
  if (data.length <= GELF_CHUNK_SIZE) return [data];
  const size = GELF_CHUNK_SIZE - CHUNK_HEADER;
  const count = Math.ceil(data.length / size);
  if (count > MAX_CHUNKS) return [];
  const id = randomBytes(8);
  const chunks: Buffer[] = [];
  for (let index = 0; index < count; index++) {
    const header = Buffer.from([0x1e, 0x0f, ...id, index, count]);
    chunks.push(Buffer.concat([header, data.subarray(index * size, (index + 1) * size)]));
  }
  return chunks;
}

export function openGelf(settings: GelfSettings, extra: Record<string, string>, onProblem: (message: string) => void): LogSink {
  const host = hostname();
  const name = `${settings.tcp ? 'tcp' : 'udp'}://${settings.host}:${settings.port}`;
  let told = false;
  const tell = (message: string): void => {
    if (!told) onProblem(`[SERVICE: Logging][GELF] ${name}: ${message}`);
    told = true;
  };
  return settings.tcp ? tcpSink(settings, (level, text) => gelfMessage(level, text, host, extra), tell) : udpSink(settings, (level, text) => gelfMessage(level, text, host, extra), tell);
}

function udpSink(settings: GelfSettings, format: (level: LevelName, text: string) => string, tell: (message: string) => void): LogSink {
  const socket: DatagramSocket = createSocket(settings.host.includes(':') ? 'udp6' : 'udp4');
  socket.unref();
  socket.on('error', (error) => tell(error.message));
  let dropped = 0;
  const sent = (error: Error | null): void => {
    if (error) {
      dropped++;
      tell(error.message);
    }
  };
  return {
    write(level, text) {
      const datagrams = gelfDatagrams(format(level, text));
      if (datagrams.length === 0) dropped++;
      for (const datagram of datagrams) socket.send(datagram, settings.port, settings.host, sent);
    },
    close: () => socket.close(),
    get dropped() {
      return dropped;
    },
  };
}

/** One connection, reopened by the next message after a failure (at most once a second); messages end in NUL. */
function tcpSink(settings: GelfSettings, format: (level: LevelName, text: string) => string, tell: (message: string) => void): LogSink {
  return streamSink(() => connect(settings.port, settings.host), (level, text) => `${format(level, text)}\0`, tell, { flushOnClose: true });
}
