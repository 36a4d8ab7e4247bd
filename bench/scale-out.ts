/**
 * `npm run bench:scale-out`: 1, 2 and 4 Portico instances (`run -w 1` each) behind HAProxy on 127.0.0.1,
 * under the same bounded load (wrk, fixed connections and duration), measuring the gateways' CPU per
 * response and the throughput per instance; then fault runs: one of two instances killed (SIGKILL, then
 * SIGTERM) mid-load, counting the requests that failed.
 *
 * "idle ms/s" is the CPU one instance burns per second with no traffic (health checks, timers).
 * The gateways share CPU 0 and wrk, HAProxy and nginx (the backend) share CPU 1, so on a 2-core machine
 * the total cannot grow with instances: the figure is that the cost of a response stays flat.
 * HAProxy is configured as a user would: /__health checks every 500 ms, out after 2 failures, and
 * retries of idempotent requests on connection failures and empty responses, on another server.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writePayloads } from './fixtures.js';
import { cpuCount, ensurePackages, runWrk, startPinned, treeCpuSeconds, waitForPort, writeStaticNginxConf } from './system.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, connections: { type: 'string', default: '32' }, rounds: { type: 'string', default: '2' } } });
const rounds = Math.max(1, Math.min(Number(values.rounds) || 2, 5));
const seconds = Math.max(2, Math.min(Number(values.seconds) || 5, 20));
const connections = Math.max(1, Math.min(Number(values.connections) || 32, 256));

const BACKEND_PORT = 19401;
const HAPROXY_PORT = 19400;
const FIRST_GATEWAY_PORT = 19410;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function haproxyConfig(dir: string, ports: number[]): string {
  const file = join(dir, `haproxy-${ports.length}.cfg`);
  writeFileSync(
    file,
    `global
  maxconn 4096
  nbthread 1
defaults
  mode http
  timeout connect 1s
  timeout client 10s
  timeout server 10s
  # Retry idempotent requests that never got an answer, on another server.
  retries 2
  option redispatch 1
  retry-on conn-failure empty-response response-timeout
frontend gateway
  bind 127.0.0.1:${HAPROXY_PORT}
  default_backend portico
backend portico
  balance roundrobin
  http-reuse always
  option httpchk GET /__health
  http-check expect status 200
  default-server inter 500ms fall 2 rise 2
${ports.map((port, i) => `  server portico${i + 1} 127.0.0.1:${port} check`).join('\n')}
`,
  );
  return file;
}

interface Cluster { gateways: ChildProcess[]; haproxy: ChildProcess }

async function startCluster(dir: string, config: string, count: number, loadCpu: string): Promise<Cluster> {
  const ports = Array.from({ length: count }, (_, i) => FIRST_GATEWAY_PORT + i);
  const gateways = ports.map((port) => startPinned('0', process.execPath, [join(root, 'dist', 'src', 'cli', 'portico.js'), 'run', '-w', '1', '-p', String(port), '-c', config]));
  for (const port of ports) await waitForPort(port, 30_000);
  const haproxy = startPinned(loadCpu, 'haproxy', ['-f', haproxyConfig(dir, ports), '-db']);
  await waitForPort(HAPROXY_PORT);
  await sleep(1_500); // every server's first health checks pass (rise 2, inter 500 ms)
  return { gateways, haproxy };
}

async function stopCluster(cluster: Cluster): Promise<void> {
  const all = [...cluster.gateways, cluster.haproxy].filter((child) => child.exitCode === null && child.signalCode === null);
  await Promise.all(
    all.map(
      (child) =>
        new Promise((resolve) => {
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          child.once('exit', () => resolve(clearTimeout(timer)));
          child.kill('SIGTERM');
        }),
    ),
  );
}

function fmt(value: number, digits = 0): string {
  return value.toFixed(digits).padStart(9);
}

async function main(): Promise<void> {
  if (!ensurePackages({ wrk: 'wrk', nginx: 'nginx-light', haproxy: 'haproxy' })) {
    process.stderr.write('bench:scale-out needs wrk, nginx and haproxy (apt-get install wrk nginx-light haproxy)\n');
    process.exit(1);
  }
  const loadCpu = String(Math.min(1, cpuCount() - 1));
  const dir = mkdtempSync(join(tmpdir(), 'portico-scale-out-'));
  writePayloads(dir);
  const nginxConf = writeStaticNginxConf(dir, BACKEND_PORT);
  const nginx = startPinned(loadCpu, 'nginx', ['-c', nginxConf, '-p', dir]);
  process.on('exit', () => nginx.kill('SIGTERM'));
  await waitForPort(BACKEND_PORT);
  const config = join(dir, 'portico.json');
  writeFileSync(
    config,
    JSON.stringify({
      version: 3,
      max_shutdown_wait_time: '5s',
      extra_config: { router: { disable_access_log: true }, 'telemetry/logging': { level: 'ERROR' } },
      endpoints: [{ endpoint: '/items', backend: [{ host: [`http://127.0.0.1:${BACKEND_PORT}`], url_pattern: '/1kb.json', allow: ['id', 'items'] }] }],
    }),
  );
  const url = `http://127.0.0.1:${HAPROXY_PORT}/items`;

  const lines = [
    `Portico scale-out: wrk -t1 -c${connections} -d${seconds}s through HAProxy (round robin); gateways (-w 1 each) on CPU 0, wrk + HAProxy + nginx on CPU ${loadCpu}; Node ${process.version}; load average before: ${loadavg().map((value) => value.toFixed(1)).join(' ')}; best of ${rounds} rounds`,
    '',
    `${'instances'.padEnd(10)}${'resp/s'.padStart(9)}${'per inst'.padStart(9)}${'µs CPU/resp'.padStart(12)}${'idle ms/s'.padStart(12)}${'p99 ms'.padStart(9)}${'errors'.padStart(9)}`,
  ];
  // Other processes on this machine move the figures: each size is measured `rounds` times, interleaved,
  // and the round with the lowest gateway CPU per response is shown (the least disturbed one).
  const best = new Map<number, { rps: number; cpuPerResponse: number; idlePerSecond: number; p99Ms: number; errors: number }>();
  for (let round = 0; round < rounds; round++) {
    for (const count of [1, 2, 4]) {
      const cluster = await startCluster(dir, config, count, loadCpu);
      // Warm each instance alike (JIT, backend connections): through HAProxy, 4 instances would each get
      // a quarter of the warm-up and be measured while still compiling.
      for (let i = 0; i < count; i++) runWrk(loadCpu, `http://127.0.0.1:${FIRST_GATEWAY_PORT + i}/items`, 2, 8);
      runWrk(loadCpu, url, 1, connections);
      const cpuNow = (): number => cluster.gateways.reduce((sum, child) => sum + treeCpuSeconds(child.pid as number), 0);
      // Idle cost (health checks, timers): what each instance burns with no traffic.
      const idleStart = cpuNow();
      await sleep(2_000);
      const idlePerSecond = (cpuNow() - idleStart) / 2;
      const before = cpuNow();
      const result = runWrk(loadCpu, url, seconds, connections);
      const cpuPerResponse = (cpuNow() - before) / result.requests;
      const previous = best.get(count);
      if (!previous || cpuPerResponse < previous.cpuPerResponse) best.set(count, { rps: result.rps, cpuPerResponse, idlePerSecond, p99Ms: result.p99Ms, errors: result.errors });
      process.stderr.write(`round ${round + 1}, ${count} instance(s): ${result.rps.toFixed(0)} resp/s, ${(cpuPerResponse * 1e6).toFixed(1)} µs CPU/resp\n`);
      await stopCluster(cluster);
    }
  }
  for (const [count, row] of best) {
    lines.push(`${String(count).padEnd(10)}${fmt(row.rps)}${fmt(row.rps / count)}${fmt(row.cpuPerResponse * 1e6, 1).padStart(12)}${fmt((row.idlePerSecond / count) * 1e3, 1).padStart(12)}${fmt(row.p99Ms, 2)}${fmt(row.errors)}`);
  }

  lines.push('', `Fault runs: 2 instances, wrk -c${connections} for ${seconds}s, one instance stopped after ${(seconds / 3).toFixed(1)}s`);
  for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
    const cluster = await startCluster(dir, config, 2, loadCpu);
    runWrk(loadCpu, url, 1, connections);
    // wrk blocks this thread: the stop is timed by a shell started just before it.
    const killer = spawn('sh', ['-c', `sleep ${(seconds / 3).toFixed(1)}; kill -${signal.slice(3)} ${cluster.gateways[0]?.pid ?? ''}`], { stdio: 'ignore' });
    const result = runWrk(loadCpu, url, seconds, connections);
    await new Promise((resolve) => (killer.exitCode === null ? killer.once('exit', resolve) : resolve(undefined)));
    lines.push(`  ${signal.padEnd(8)} ${result.requests} requests, ${result.errors} failed (non-2xx or socket errors), p99 ${result.p99Ms.toFixed(2)} ms`);
    process.stderr.write(`${lines.at(-1)}\n`);
    await stopCluster(cluster);
  }
  nginx.kill('SIGTERM');
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
