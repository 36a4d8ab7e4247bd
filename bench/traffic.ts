/**
 * `npm run bench:traffic`: the traffic-control paths on loopback, bounded (one short wrk slice each).
 *
 * - cache: a 1 KB JSON backend answer (nginx, `expires 1h`) proxied without and with `qos/http-cache`
 *   (every request after the first is a hit);
 * - rate limit: an endpoint whose limit is never reached (the memory bucket's cost), one whose bucket is
 *   empty (the 503 path), a per-client limit hit by every request (the 429 path) and, when redis-server
 *   is installed, a Redis-backed limit never reached (one Lua call per request).
 * - breaker: a closed `qos/circuit-breaker` around the same backend (one admission and one report per call).
 * The gateway runs pinned to CPU 0; wrk, nginx and Redis share CPU 1. Figures are indicative: they move
 * with whatever else the machine runs. `--workers 2` runs `portico run -w 2` on that same CPU: the figures
 * then include asking the primary process, which owns the limits, breakers and caches (CPU µs/resp
 * counts the primary and both workers).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writePayloads } from './fixtures.js';
import { cpuCount, ensurePackages, hasCommand, runWrk, startPinned, treeCpuSeconds, waitForPort, writeStaticNginxConf } from './system.js';

/** As in bench/run.ts (not imported: that module runs its own bench when loaded). */
const NODE_FLAGS = ['--max-semi-space-size=16'];
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, connections: { type: 'string', default: '64' }, workers: { type: 'string', default: '1' } } });

async function main(): Promise<void> {
  if (!ensurePackages({ wrk: 'wrk', nginx: 'nginx-light' })) {
    process.stderr.write('bench:traffic needs wrk and nginx (apt-get install wrk nginx-light)\n');
    process.exit(1);
  }
  const seconds = Math.min(Number(values.seconds), 30);
  const connections = Number(values.connections);
  const loadCpu = String(Math.min(1, cpuCount() - 1));
  const dir = mkdtempSync(join(tmpdir(), 'portico-bench-traffic-'));
  writePayloads(dir);
  const processes: ChildProcess[] = [];
  process.on('exit', () => processes.forEach((child) => child.kill('SIGTERM')));

  const backendPort = 19301;
  const nginxConf = writeStaticNginxConf(dir, backendPort, ' expires 1h;');
  processes.push(startPinned(loadCpu, 'nginx', ['-c', nginxConf, '-p', dir]));
  await waitForPort(backendPort);

  const redisPort = 19302;
  const hasRedis = hasCommand('redis-server');
  if (hasRedis) {
    processes.push(spawn('taskset', ['-c', loadCpu, 'redis-server', '--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' }));
    await waitForPort(redisPort);
  }

  const backend = { host: [`http://127.0.0.1:${backendPort}`], url_pattern: '/1kb.json' };
  const limited = (limit: Record<string, unknown>, redis?: Record<string, unknown>) => ({
    'qos/ratelimit/router': limit,
    ...(redis ? { 'qos/ratelimit/router/redis': redis } : {}),
  });
  const endpoints = [
    { endpoint: '/plain', backend: [backend] },
    { endpoint: '/cached', backend: [{ ...backend, extra_config: { 'qos/http-cache': {} } }] },
    { endpoint: '/limit-pass', extra_config: limited({ max_rate: 1e9 }), backend: [backend] },
    { endpoint: '/limit-503', extra_config: limited({ max_rate: 1, capacity: 1, every: '1h' }), backend: [backend] },
    { endpoint: '/limit-429', extra_config: limited({ client_max_rate: 1, client_capacity: 1, strategy: 'ip', every: '1h' }), backend: [backend] },
    { endpoint: '/breaker', backend: [{ ...backend, extra_config: { 'qos/circuit-breaker': { interval: 60, timeout: 10, max_errors: 1000 } } }] },
    ...(hasRedis ? [{ endpoint: '/redis-pass', extra_config: limited({ max_rate: 1e9 }, { url: `redis://127.0.0.1:${redisPort}/0`, timeout: '1s' }), backend: [backend] }] : []),
  ];
  const config = join(dir, 'portico.json');
  writeFileSync(config, JSON.stringify({ version: 3, extra_config: { router: { disable_access_log: true }, 'telemetry/logging': { level: 'ERROR' } }, endpoints }));
  const port = 19303;
  const workers = Math.max(1, Math.min(8, Number(values.workers) || 1));
  const gateway = startPinned('0', process.execPath, [...NODE_FLAGS, join(root, 'dist', 'src', 'cli', 'portico.js'), 'run', '-w', String(workers), '-p', String(port), '-c', config]);
  processes.push(gateway);
  await waitForPort(port);
  // The port answers once one worker listens; give the others time to start too.
  if (workers > 1) await new Promise((resolve) => setTimeout(resolve, 3_000));

  const rows = [
    ['/plain', 'proxied 1 KB JSON, no cache'],
    ['/cached', 'same, qos/http-cache (hits)'],
    ['/limit-pass', 'router limit, never reached (memory)'],
    ['/limit-503', 'router limit, bucket empty: 503'],
    ['/limit-429', 'client limit, bucket empty: 429'],
    ['/breaker', 'circuit breaker, closed'],
    ...(hasRedis ? [['/redis-pass', 'router limit on Redis, never reached']] : []),
  ] as const;
  const lines = [
    `Portico traffic bench: wrk -t1 -c${connections} -d${seconds}s per row; gateway (-w ${workers}) on CPU 0, wrk + nginx${hasRedis ? ' + Redis' : ''} on CPU ${loadCpu}; Node ${process.version}`,
    '',
    '| scenario | req/s | p50 ms | p99 ms | CPU µs/resp | non-2xx |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const [path] of rows) runWrk(loadCpu, `http://127.0.0.1:${port}${path}`, 1, connections); // warm-up
  for (const [path, label] of rows) {
    const before = treeCpuSeconds(gateway.pid as number);
    const result = runWrk(loadCpu, `http://127.0.0.1:${port}${path}`, seconds, connections);
    const cpuUs = ((treeCpuSeconds(gateway.pid as number) - before) / result.requests) * 1e6;
    lines.push(`| ${label} (\`${path}\`) | ${Math.round(result.rps)} | ${result.p50Ms.toFixed(2)} | ${result.p99Ms.toFixed(2)} | ${Math.round(cpuUs)} | ${result.errors} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  process.exit(0);
}

void main();
