/**
 * Sequential-proxy bench: two chained backends (`/hotels/{id}` → `/destinations/{resp0_destination_id}`)
 * against the same gateway's single-backend endpoint and the backend itself, on 127.0.0.1. The backend
 * and the gateway run in their own processes; autocannon drives the load from this one. Every run is
 * bounded in time (BENCH_SECONDS, default 8) and connections (BENCH_CONNECTIONS, default 64).
 *
 *   npm run build && node dist/bench/sequential.js
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { runGatewayChild, startChild } from './harness.js';
import { writeConfig } from '../test/helpers/servers.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 8);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 64);
const self = fileURLToPath(import.meta.url);

async function runBackend(): Promise<void> {
  const hotel = JSON.stringify({ id: 1, name: 'Hotel Portico', destination_id: 42, stars: 4 });
  const destination = JSON.stringify({ id: 42, city: 'Barcelona', country: 'ES' });
  const server = createServer((request, response) => {
    const body = request.url?.startsWith('/destinations/') ? destination : hotel;
    response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    response.end(body);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  process.send?.({ port: (server.address() as AddressInfo).port });
}

const start = (role: string, ...args: string[]) => startChild(self, role, ...args);

interface Row {
  scenario: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

async function load(scenario: string, url: string): Promise<Row> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, pipelining: 1 });
  return {
    scenario,
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

async function main(): Promise<void> {
  const backend = await start('backend');
  const origin = `http://127.0.0.1:${backend.port}`;
  const configFile = await writeConfig({
    version: 3,
    timeout: '3s',
    extra_config: { router: { disable_access_log: true } },
    endpoints: [
      { endpoint: '/single/{id}', backend: [{ host: [origin], url_pattern: '/hotels/{id}' }] },
      {
        endpoint: '/sequential/{id}',
        extra_config: { proxy: { sequential: true } },
        backend: [
          { host: [origin], url_pattern: '/hotels/{id}', allow: ['name', 'destination_id'] },
          { host: [origin], url_pattern: '/destinations/{resp0_destination_id}', group: 'destination' },
        ],
      },
    ],
  });
  const gateway = await start('gateway', configFile);
  const base = `http://127.0.0.1:${gateway.port}`;
  try {
    const check = (await (await fetch(`${base}/sequential/1`)).json()) as { destination?: { city?: string } };
    if (check.destination?.city !== 'Barcelona') throw new Error(`the sequential endpoint answered ${JSON.stringify(check)}`);
    const rows = [
      await load('backend directly (one call)', `${origin}/hotels/1`),
      await load('gateway, one backend', `${base}/single/1`),
      await load('gateway, sequential: two chained backends', `${base}/sequential/1`),
    ];
    console.log(`\n${CONNECTIONS} connections, ${SECONDS} s per scenario, Node ${process.version}\n`);
    console.log('| scenario | req/s | p50 ms | p99 ms | errors | non-2xx |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const row of rows) console.log(`| ${row.scenario} | ${row.requestsPerSecond} | ${row.p50Ms} | ${row.p99Ms} | ${row.errors} | ${row.non2xx} |`);
  } finally {
    gateway.child.kill();
    backend.child.kill();
  }
}

const role = process.argv[2];
if (role === 'backend') await runBackend();
else if (role === 'gateway') await runGatewayChild(process.argv[3] as string);
else await main();
