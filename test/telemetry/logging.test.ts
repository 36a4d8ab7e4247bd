/**
 * `telemetry/logging` (syslog, custom_format, the logstash pattern), `telemetry/logstash` and
 * `telemetry/gelf`: loggers built from config blocks as `portico run` builds them, writing to receivers
 * the test starts on loopback (UDP, TCP, unix stream and datagram sockets).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import type { Socket as DatagramSocket } from 'node:dgram';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { readLoggingSettings } from '../../src/components/logging/settings.js';
import { createLogger } from '../../src/core/logger.js';
import type { Logger } from '../../src/core/logger.js';
import { gelfDatagrams, GELF_CHUNK_SIZE } from '../../src/core/gelf.js';
import { freePort, startCli } from '../helpers/cli.js';
import { delay, request } from '../helpers/http.js';
import { MemoryLog, sendJson, startBackend, writeConfig } from '../helpers/servers.js';

function loggerOf(extra: Record<string, unknown>, log = new MemoryLog(), accessLog = false): Logger {
  return createLogger({ ...readLoggingSettings(extra), accessLog, skipPaths: [] }, log);
}

/** Resolves once `count` items have arrived, or fails after `timeoutMs`. */
async function waitFor<T>(items: T[], count: number, timeoutMs = 5_000): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  while (items.length < count) {
    if (Date.now() > deadline) assert.fail(`expected ${count} messages, got ${items.length}: ${JSON.stringify(items)}`);
    await delay(10);
  }
  return items;
}

async function udpReceiver(): Promise<{ socket: DatagramSocket; port: number; messages: Buffer[] }> {
  const socket = createSocket('udp4');
  const messages: Buffer[] = [];
  socket.on('message', (message) => messages.push(message));
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return { socket, port: socket.address().port, messages };
}

async function streamReceiver(listenOn: string | number): Promise<{ port: number; text: () => string; close: () => void }> {
  let received = '';
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('data', (data) => (received += data.toString('latin1')));
  });
  if (typeof listenOn === 'string') server.listen(listenOn);
  else server.listen(listenOn, '127.0.0.1');
  await once(server, 'listening');
  const port = typeof listenOn === 'string' ? 0 : (server.address() as AddressInfo).port;
  const close = (): void => {
    for (const socket of sockets) socket.destroy();
    server.close();
  };
  return { port, text: () => received, close };
}

describe('telemetry/logging syslog', () => {
  it('sends each line at or above the level to a UDP address with facility, severity, tag and pid', async () => {
    const receiver = await udpReceiver();
    try {
      const logger = loggerOf({ 'telemetry/logging': { level: 'INFO', prefix: '[GW]', stdout: true, syslog: true, syslog_facility: 'local5', syslog_address: `udp://127.0.0.1:${receiver.port}` } });
      logger.debug('not sent');
      logger.info('hello syslog');
      logger.error('it broke');
      const [info, error] = (await waitFor(receiver.messages, 2)).map((message) => message.toString());
      // local5 = 21: 21·8 + 6 (info) = 174, + 3 (err) = 171; Go's network header: RFC 3339 time, host, tag[pid].
      assert.match(info as string, new RegExp(`^<174>\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z ${hostname()} \\[GW\\]\\[${process.pid}\\]: INFO > hello syslog$`));
      assert.match(error as string, /^<171>.* \[GW\]\[\d+\]: ERROR > it broke$/);
      await delay(50);
      assert.equal(receiver.messages.length, 2, 'the DEBUG line is below the level');
    } finally {
      receiver.socket.close();
    }
  });

  it('writes newline-framed lines to a unix stream socket with the local header (default facility local3)', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'portico-syslog-')), 'log.sock');
    const receiver = await streamReceiver(path);
    try {
      const logger = loggerOf({ 'telemetry/logging': { level: 'DEBUG', prefix: 'portico-test', stdout: true, syslog: true, syslog_address: `unix://${path}` } });
      logger.warn('careful');
      logger.debug('detail');
      const deadline = Date.now() + 5_000;
      while (receiver.text().split('\n').length < 3 && Date.now() < deadline) await delay(10);
      const lines = receiver.text().split('\n');
      // local3 = 19: 19·8 + 4 (warning) = 156, + 7 (debug) = 159.
      assert.match(lines[0] as string, new RegExp(`^<156>[A-Z][a-z]{2} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d portico-test\\[${process.pid}\\]: WARNING > careful$`));
      assert.match(lines[1] as string, /^<159>.*: DEBUG > detail$/);
    } finally {
      receiver.close();
    }
  });

  it('reaches a datagram socket (as /dev/log usually is) through util-linux logger', async (t) => {
    // Debian's own interpreter: a version-manager shim can take seconds to start.
    const pythonPath = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
    const python = spawnSync(pythonPath, ['--version']);
    const logger = spawnSync('logger', ['--version']);
    if (python.status !== 0 || logger.status !== 0) return t.skip('needs python3 (for the datagram receiver) and util-linux logger');
    const path = join(await mkdtemp(join(tmpdir(), 'portico-syslog-')), 'dgram.sock');
    const script = 'import socket,sys\ns=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\ns.bind(sys.argv[1])\nprint("ready",flush=True)\nwhile True:\n  print(s.recv(65536).decode(),flush=True)';
    const receiver = spawn(pythonPath, ['-c', script, path], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let output = '';
      receiver.stdout.on('data', (data: Buffer) => (output += data.toString()));
      const ready = Date.now() + 5_000;
      while (!output.includes('ready') && Date.now() < ready) await delay(10);
      const log = loggerOf({ 'telemetry/logging': { level: 'INFO', prefix: 'dgram-test', stdout: true, syslog: true, syslog_facility: 'LOCAL0', syslog_address: path } });
      log.info('through logger');
      const deadline = Date.now() + 5_000;
      while (!output.includes('through logger') && Date.now() < deadline) await delay(20);
      // local0 = 16: 16·8 + 6 = 134.
      assert.match(output, new RegExp(`<134>.*dgram-test\\[${process.pid}\\]: INFO > through logger`));
    } finally {
      receiver.kill();
    }
  });
});

describe('telemetry/logging formats', () => {
  it('custom_format renders go-logging verbs and drops the prefix, as krakend-gologging does', () => {
    const log = new MemoryLog();
    const logger = loggerOf({ 'telemetry/logging': { level: 'DEBUG', prefix: '[GW]', format: 'custom', custom_format: '%{time:2006-01-02 15:04:05} %{level:.4s} [%{module}] %{message} (%{shortfile})' } }, log);
    logger.warn('custom line');
    logger.flush();
    assert.match(log.lines[0] as string, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d WARN \[KRAKEND\] custom line \(\?\?\?\)$/);
  });

  it('format logstash prints krakend-gologging\'s JSON pattern, message escaped', () => {
    const log = new MemoryLog();
    const logger = loggerOf({ 'telemetry/logging': { level: 'INFO', format: 'logstash' } }, log);
    logger.info('say "hi"');
    const record = JSON.parse(log.lines[0] as string) as Record<string, unknown>;
    assert.deepEqual(Object.keys(record), ['@timestamp', '@version', 'level', 'message', 'module']);
    assert.equal(record['message'], 'say "hi"');
    assert.equal(record['level'], 'INFO');
    assert.equal(record['@version'], 1);
    assert.match(record['@timestamp'] as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
  });

  it('telemetry/logstash prints krakend-logstash records, module from the prefix; access lines stay text', () => {
    const log = new MemoryLog();
    const logger = loggerOf({ 'telemetry/logging': { level: 'INFO', prefix: 'gateway-a' }, 'telemetry/logstash': { enabled: true } }, log, true);
    logger.error('failure');
    logger.access({ method: 'GET', path: '/x', status: 200, durationMs: 1.5, clientIp: '127.0.0.1' });
    const record = JSON.parse(log.lines[0] as string) as Record<string, unknown>;
    assert.deepEqual(record, { '@timestamp': record['@timestamp'], '@version': 1, host: hostname(), level: 'ERROR', message: 'failure', module: 'gateway-a' });
    assert.match(record['@timestamp'] as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d\d:\d\d$/);
    assert.match(log.lines[1] as string, /ACCESS \| 200 \|.*GET +\/x$/);
  });

  it('telemetry/logstash with enabled false prints the default line', () => {
    const log = new MemoryLog();
    loggerOf({ 'telemetry/logging': { level: 'INFO', prefix: '[GW]' }, 'telemetry/logstash': { enabled: false } }, log).info('plain');
    assert.match(log.lines[0] as string, /^\[GW\] .* ▶ INFO plain$/);
  });
});

describe('telemetry/gelf', () => {
  it('sends GELF 1.1 over UDP, gzipped chunks for a large message that reassemble whole', async () => {
    const receiver = await udpReceiver();
    try {
      const logger = loggerOf({ 'telemetry/logging': { level: 'INFO', stdout: false }, 'telemetry/gelf': { address: `127.0.0.1:${receiver.port}` } });
      logger.warn('short one');
      // Incompressible enough to need several chunks after gzip.
      const large = Array.from({ length: 3000 }, (_, index) => ((index * 7919) % 65521).toString(36)).join(' ');
      logger.error(`first line\n${large}`);
      await waitFor(receiver.messages, 3);
      const first = JSON.parse((receiver.messages[0] as Buffer).toString()) as Record<string, unknown>;
      assert.equal(first['version'], '1.1');
      assert.equal(first['short_message'], 'short one');
      assert.equal(first['level'], 4);
      assert.equal(first['host'], hostname());
      assert.ok(Math.abs((first['timestamp'] as number) - Date.now() / 1000) < 5);
      const chunks = receiver.messages.slice(1);
      const deadline = Date.now() + 5_000;
      while (chunks.length < (chunks[0]?.[11] ?? 2) && Date.now() < deadline) {
        await delay(10);
        chunks.splice(0, chunks.length, ...receiver.messages.slice(1));
      }
      for (const chunk of chunks) {
        assert.deepEqual([...chunk.subarray(0, 2)], [0x1e, 0x0f]);
        assert.ok(chunk.length <= GELF_CHUNK_SIZE);
        assert.deepEqual(chunk.subarray(2, 10), (chunks[0] as Buffer).subarray(2, 10), 'one message id');
      }
      chunks.sort((a, b) => (a[10] as number) - (b[10] as number));
      const whole = JSON.parse(gunzipSync(Buffer.concat(chunks.map((chunk) => chunk.subarray(12)))).toString()) as Record<string, unknown>;
      assert.equal(whole['short_message'], 'first line');
      assert.equal(whole['full_message'], `first line\n${large}`);
      assert.equal(whole['level'], 3);
    } finally {
      receiver.socket.close();
    }
  });

  it('drops a message that would need more than 128 chunks', () => {
    const random = randomBytes(200_000);
    assert.equal(gelfDatagrams(JSON.stringify({ short_message: random.toString('base64') })).length, 0);
  });

  it('sends null-delimited GELF over TCP with enable_tcp, and the gateway\'s access lines too', async () => {
    const receiver = await streamReceiver(0);
    const backend = await startBackend((req, res) => sendJson(res, 200, { ok: true }));
    const port = await freePort();
    const file = await writeConfig({
      version: 3,
      port,
      extra_config: { 'telemetry/logging': { level: 'INFO', stdout: true }, 'telemetry/gelf': { address: `127.0.0.1:${receiver.port}`, enable_tcp: true } },
      endpoints: [{ endpoint: '/hello', backend: [{ host: [backend.url], url_pattern: '/' }] }],
    });
    const cli = startCli(['run', '-c', file]);
    try {
      const deadline = Date.now() + 15_000;
      let status = 0;
      while (status !== 200 && Date.now() < deadline) {
        status = await request(`http://127.0.0.1:${port}/hello`, { timeoutMs: 2_000 }).then((response) => response.status, () => 0);
        if (status !== 200) await delay(100);
      }
      assert.equal(status, 200);
      const messages = (): Record<string, unknown>[] => receiver.text().split('\0').filter(Boolean).map((text) => JSON.parse(text) as Record<string, unknown>);
      while (!messages().some((message) => String(message['short_message']).includes('/hello')) && Date.now() < deadline) await delay(20);
      const all = messages();
      assert.ok(all.some((message) => String(message['short_message']).includes('Listening on')), 'the start-up line');
      const access = all.find((message) => String(message['short_message']).includes('/hello'));
      assert.match(String(access?.['short_message']), /ACCESS \| 200 \|.*GET +\/hello$/);
    } finally {
      cli.kill();
      await cli.exited();
      receiver.close();
      await backend.close();
    }
  });
});
