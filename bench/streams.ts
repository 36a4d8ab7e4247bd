/**
 * Streams bench: a WebSocket echo and Server-Sent Events, each through Portico and straight to the backend,
 * on 127.0.0.1. The backend (ws echo + SSE) and the gateway run in their own processes; the clients run
 * in this one. Every run is bounded in time (BENCH_SECONDS, default 5) and connections
 * (BENCH_CONNECTIONS, default 64).
 *
 * - WS echo: each connection sends a 64-byte message and waits for its echo, again and again. Round trips
 *   per second, round-trip p50/p99, and the gateway's CPU per message relayed (two per round trip).
 * - SSE paced: each stream gets a 100-byte event every 20 ms, stamped with the monotonic clock when the
 *   backend wrote it; the client measures each event's delivery delay (p50/p99).
 * - SSE flood: each stream gets 100-byte events as fast as the path takes them; events per second.
 *
 *   npm run build && node dist/bench/streams.js
 */
import { once } from 'node:events';
import { createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';
import { treeCpuSeconds } from './system.js';
import { runGatewayChild, startChild } from './harness.js';
import { writeConfig } from '../test/helpers/servers.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 64);
const self = fileURLToPath(import.meta.url);
const now = (): number => Number(process.hrtime.bigint()) / 1e6;

async function runBackend(): Promise<void> {
  const filler = 'x'.repeat(80);
  const server = createServer((request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    response.flushHeaders();
    if (request.url === '/paced') {
      const timer = setInterval(() => response.write(`data: ${now().toFixed(3)} ${filler}\n\n`), 20);
      response.on('close', () => clearInterval(timer));
      return;
    }
    const event = `data: ${filler}${filler.slice(0, 12)}\n\n`;
    const pump = (): void => {
      while (!response.destroyed) if (!response.write(event)) return void response.once('drain', pump);
    };
    pump();
  });
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  wss.on('connection', (socket) => socket.on('message', (data, isBinary) => socket.send(data as Buffer, { binary: isBinary })));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  process.send?.({ port: (server.address() as AddressInfo).port });
}

const start = (role: string, ...args: string[]) => startChild(self, role, ...args);

/** Latency cell; `–` where a row measures throughput only. */
function ms(value: number): string {
  return Number.isNaN(value) ? '–' : value.toFixed(2);
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number);
}

interface Row {
  path: string;
  rate: number;
  p50: number;
  p99: number;
  cpuUs: number | undefined;
}

async function main(): Promise<void> {
  const backend = await start('backend');
  const origin = `127.0.0.1:${backend.port}`;
  const configFile = await writeConfig({
    version: 3,
    timeout: '10s',
    extra_config: { router: { disable_access_log: true } },
    endpoints: [
      { endpoint: '/ws', backend: [{ host: [`ws://${origin}`], url_pattern: '/' }], extra_config: { websocket: { enable_direct_communication: true, max_message_size: 4096 } } },
      { endpoint: '/paced', output_encoding: 'sse', backend: [{ host: [`http://${origin}`], url_pattern: '/paced' }] },
      { endpoint: '/flood', output_encoding: 'sse', backend: [{ host: [`http://${origin}`], url_pattern: '/flood' }] },
    ],
  });
  const gateway = await start('gateway', configFile);
  const through = `127.0.0.1:${gateway.port}`;
  const pid = gateway.child.pid as number;
  try {
    const rows: [string, Row][] = [];
    rows.push(['WS echo, 64 B', await wsEchoRun(`ws://${origin}/`, 'backend directly', undefined)]);
    rows.push(['WS echo, 64 B', await wsEchoRun(`ws://${through}/ws`, 'Portico', pid)]);
    rows.push(['SSE paced, 100 B every 20 ms', await ssePaced(`http://${origin}/paced`, 'backend directly', undefined)]);
    rows.push(['SSE paced, 100 B every 20 ms', await ssePaced(`http://${through}/paced`, 'Portico', pid)]);
    rows.push(['SSE flood, 100 B events', await sseFlood(`http://${origin}/flood`, 'backend directly', undefined)]);
    rows.push(['SSE flood, 100 B events', await sseFlood(`http://${through}/flood`, 'Portico', pid)]);
    console.log(`\n${CONNECTIONS} connections or streams, ${SECONDS} s per row, Node ${process.version}\n`);
    console.log('| scenario | path | per second | p50 ms | p99 ms | gateway CPU µs/message |');
    console.log('| --- | --- | ---: | ---: | ---: | ---: |');
    for (const [scenario, row] of rows) {
      console.log(`| ${scenario} | ${row.path} | ${Math.round(row.rate)} | ${ms(row.p50)} | ${ms(row.p99)} | ${row.cpuUs === undefined ? '–' : row.cpuUs.toFixed(1)} |`);
    }
  } finally {
    gateway.child.kill();
    backend.child.kill();
  }
}

/** WS echo: round trips per second; CPU per relayed message (two per round trip). */
async function wsEchoRun(url: string, path: string, gatewayPid: number | undefined): Promise<Row> {
  const sockets = await Promise.all(
    Array.from({ length: CONNECTIONS }, () => new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(url, { perMessageDeflate: false });
      socket.once('open', () => resolve(socket));
      socket.once('error', reject);
    })),
  );
  const payload = Buffer.alloc(64, 97);
  const latencies: number[] = [];
  let running = true;
  const cpuBefore = gatewayPid === undefined ? 0 : treeCpuSeconds(gatewayPid);
  const started = now();
  const loops = sockets.map(
    (socket) =>
      new Promise<void>((resolve) => {
        let sentAt = now();
        socket.on('message', () => {
          latencies.push(now() - sentAt);
          if (!running) return resolve();
          sentAt = now();
          socket.send(payload);
        });
        socket.send(payload);
      }),
  );
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  running = false;
  await Promise.all(loops);
  const elapsed = (now() - started) / 1000;
  const cpu = gatewayPid === undefined ? undefined : treeCpuSeconds(gatewayPid) - cpuBefore;
  for (const socket of sockets) socket.close();
  latencies.sort((a, b) => a - b);
  return { path, rate: latencies.length / elapsed, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), cpuUs: cpu === undefined ? undefined : (cpu * 1e6) / (latencies.length * 2) };
}

/** Opens `CONNECTIONS` event streams; `onEvent` gets each event's text. Resolves after SECONDS with the counts. */
async function sseStreams(url: string, gatewayPid: number | undefined, onEvent: (text: string) => void): Promise<{ events: number; elapsed: number; cpu: number | undefined }> {
  let events = 0;
  const cpuBefore = gatewayPid === undefined ? 0 : treeCpuSeconds(gatewayPid);
  const started = now();
  const requests = Array.from({ length: CONNECTIONS }, () => {
    let pending = '';
    const request = get(url, (response) => {
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        pending += chunk;
        let end = pending.indexOf('\n\n');
        while (end !== -1) {
          events++;
          onEvent(pending.slice(0, end));
          pending = pending.slice(end + 2);
          end = pending.indexOf('\n\n');
        }
      });
      response.on('error', () => undefined);
    });
    request.on('error', () => undefined);
    return request;
  });
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  const elapsed = (now() - started) / 1000;
  const cpu = gatewayPid === undefined ? undefined : treeCpuSeconds(gatewayPid) - cpuBefore;
  for (const request of requests) request.destroy();
  return { events, elapsed, cpu };
}

async function ssePaced(url: string, path: string, gatewayPid: number | undefined): Promise<Row> {
  const delays: number[] = [];
  const result = await sseStreams(url, gatewayPid, (text) => delays.push(now() - Number(text.slice(6, text.indexOf(' ', 6)))));
  delays.sort((a, b) => a - b);
  return { path, rate: result.events / result.elapsed, p50: percentile(delays, 0.5), p99: percentile(delays, 0.99), cpuUs: result.cpu === undefined ? undefined : (result.cpu * 1e6) / result.events };
}

async function sseFlood(url: string, path: string, gatewayPid: number | undefined): Promise<Row> {
  const result = await sseStreams(url, gatewayPid, () => undefined);
  return { path, rate: result.events / result.elapsed, p50: Number.NaN, p99: Number.NaN, cpuUs: result.cpu === undefined ? undefined : (result.cpu * 1e6) / result.events };
}

const role = process.argv[2];
if (role === 'backend') await runBackend();
else if (role === 'gateway') await runGatewayChild(process.argv[3] as string);
else await main();
