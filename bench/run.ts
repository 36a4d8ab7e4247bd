/**
 * `npm run bench`: Portico side by side with nginx and the Node peers, on loopback.
 *
 * Method: one gateway process pinned to core 0; wrk and an nginx backend serving static JSON pinned to
 * core 1. Slices of `--seconds` rotate between systems for `--rounds` rounds so noise hits all alike.
 * CPU µs per response = user+sys CPU of the gateway's process tree (from /proc) / responses: fair even
 * when the load side saturates. `--extras` adds memory, two-worker scaling and start-up time.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpuCount, ensurePackages, runWrk, startPinned, treeCpuSeconds, waitForPort } from './system.js';
import type { WrkResult } from './system.js';
import { runExtras } from './extras.js';
import { DEFAULT_HEAP_FLAGS } from '../src/runtime/heap-flags.js';
import { NJS_MODULE, writeJwtFixtures, writePayloads, writeNginxConfig, writeNginxNjsConfig, writePorticoConfig, writePorticoOtelConfig } from './fixtures.js';

type Scenario = 'S1' | 'S2' | 'S3' | 'S4' | 'S5';
const SCENARIOS: Record<Scenario, string> = {
  S1: 'GET passthrough, 1 KB',
  S2: 'merge of two 1 KB JSON backends (allow-list on one)',
  S3: 'GET passthrough, 100 KB',
  S4: 'sequential: two chained backends',
  S5: '1 KB JSON with an allow-list, open vs behind auth/validator (RS256, the client reuses its token)',
};

/** Same V8 flags for every Node row: Portico's shipped heap default (override with --node-flags="…"). */
export let NODE_FLAGS: string[] = [...DEFAULT_HEAP_FLAGS];

interface SystemDef {
  name: string;
  paths: Partial<Record<Scenario, string>>;
  /** Request headers wrk sends (`Name: value`). */
  headers?: string[];
  start?(port: number, backend: string, cpus: string): ChildProcess;
}

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '64' },
    only: { type: 'string' },
    scenarios: { type: 'string' },
    extras: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    'node-flags': { type: 'string' },
  },
});
if (values['node-flags'] !== undefined) NODE_FLAGS = values['node-flags'].split(' ').filter(Boolean);

/** njs is a module file, not a command: installed when missing, and its row left out when that fails. */
function njsAvailable(): boolean {
  if (!existsSync(NJS_MODULE)) ensurePackages({ [NJS_MODULE]: 'libnginx-mod-http-js' });
  return existsSync(NJS_MODULE);
}

async function main(): Promise<void> {
  if (!ensurePackages({ wrk: 'wrk', nginx: 'nginx-light', taskset: 'util-linux' })) {
    process.stderr.write('bench: wrk, nginx and taskset are needed (apt-get install wrk nginx-light util-linux)\n');
    process.exit(1);
  }
  const rounds = values.quick ? 1 : Number(values.rounds);
  const seconds = values.quick ? 3 : Number(values.seconds);
  const connections = Number(values.connections);
  const cores = cpuCount();
  const gatewayCpu = '0';
  const loadCpu = String(Math.min(1, cores - 1));
  const dir = mkdtempSync(join(tmpdir(), 'portico-bench-'));
  writePayloads(dir);

  const backendPort = 19101;
  const backendOrigin = `http://127.0.0.1:${backendPort}`;
  const processes: ChildProcess[] = [];
  // SIGTERM: nginx's master must take its workers down with it (SIGKILL would orphan them).
  const stopAll = (): void => {
    for (const child of processes) child.kill('SIGTERM');
  };
  process.on('exit', stopAll);
  process.on('SIGINT', () => process.exit(130));

  const backendConf = writeNginxConfig(dir, 'backend', { listen: backendPort, root: dir });
  processes.push(startPinned(loadCpu, 'nginx', ['-c', backendConf, '-p', dir]));
  await waitForPort(backendPort);

  const jwt = writeJwtFixtures(dir);
  const porticoConfig = writePorticoConfig(dir, backendOrigin, jwt.jwksFile);
  const node = process.execPath;
  // telemetry/opentelemetry: Prometheus metrics plus every trace to an OTLP/HTTP sink (on the load CPU).
  const otlpPort = 19102;
  const otelConfig = writePorticoOtelConfig(dir, porticoConfig, 19103, otlpPort);
  const otelMetricsConfig = writePorticoOtelConfig(dir, porticoConfig, 19104, otlpPort, 'metrics');
  const otelTracesConfig = writePorticoOtelConfig(dir, porticoConfig, 19105, otlpPort, 'traces');
  // What production configs tend to run: every metric, 1 % of the traces.
  const otelSampledConfig = writePorticoOtelConfig(dir, porticoConfig, 19106, otlpPort, 'both', 0.01);
  const wantsOtel = !values.only || values.only.split(',').some((name) => 'portico, opentelemetry'.includes(name.toLowerCase()));
  if (wantsOtel) {
    processes.push(startPinned(loadCpu, node, [join(root, 'dist', 'bench', 'peers', 'otlp-sink.js'), String(otlpPort)]));
    await waitForPort(otlpPort);
  }
  // A one-process Portico on `config`, pinned like every system under test.
  const portico =
    (config: string) =>
    (port: number, _backend: string, cpus: string): ChildProcess =>
      startPinned(cpus, node, [...NODE_FLAGS, join(root, 'dist', 'src', 'cli', 'portico.js'), 'run', '-w', '1', '-p', String(port), '-c', config]);
  const allSystems: SystemDef[] = [
    { name: 'backend direct', paths: { S1: '/1kb.json', S3: '/100kb.json' } },
    {
      name: 'nginx 1.22 proxy_pass',
      // Tuned (fixtures.ts): keep-alive upstream pool, in-memory proxy buffers for 100 KB, tcp_nodelay.
      paths: { S1: '/s1', S3: '/s3' },
      start: (port, _backend, cpus) => startPinned(cpus, 'nginx', ['-c', writeNginxConfig(dir, 'proxy', { listen: port, upstream: backendPort }), '-p', dir]),
    },
    ...(njsAvailable()
      ? [
          {
            name: 'nginx 1.22 + njs 0.7',
            // The S2 reference: njs merges the two backends' JSON (fixtures.ts).
            paths: { S2: '/s2' },
            start: (port: number, _backend: string, cpus: string) => startPinned(cpus, 'nginx', ['-c', writeNginxNjsConfig(dir, { listen: port, upstream: backendPort }), '-p', dir]),
          },
        ]
      : []),
    {
      name: 'Portico',
      paths: { S1: '/s1', S2: '/s2', S3: '/s3', S4: '/s4', S5: '/s5' },
      start: portico(porticoConfig),
    },
    {
      name: 'Portico, OpenTelemetry metrics',
      paths: { S1: '/s1' },
      start: portico(otelMetricsConfig),
    },
    {
      name: 'Portico, OpenTelemetry traces',
      paths: { S1: '/s1' },
      start: portico(otelTracesConfig),
    },
    {
      name: 'Portico, OpenTelemetry',
      paths: { S1: '/s1', S2: '/s2' },
      start: portico(otelConfig),
    },
    {
      name: 'Portico, OpenTelemetry, 1 % of traces',
      paths: { S1: '/s1' },
      start: portico(otelSampledConfig),
    },
    {
      name: 'Portico, JWT RS256',
      paths: { S5: '/s5-jwt' },
      headers: [`Authorization: Bearer ${jwt.token}`],
      start: portico(porticoConfig),
    },
    {
      name: 'node:http + undici Pool',
      paths: { S1: '/s1', S2: '/s2', S3: '/s3' },
      start: (port, backend, cpus) => startPinned(cpus, node, [...NODE_FLAGS, join(root, 'dist', 'bench', 'peers', 'plain-undici.js'), String(port), backend]),
    },
    {
      // The floor under Portico's server side: its backend client behind node:http, behind Portico's own
      // listener, then behind a bare `net` server that validates nothing (a measurement, not a server).
      name: 'floor: Portico\'s backend client on node:http',
      paths: { S1: '/s1', S3: '/s3' },
      start: (port, backend, cpus) => startPinned(cpus, node, [...NODE_FLAGS, join(root, 'dist', 'bench', 'peers', 'server-floor.js'), 'http', String(port), backend]),
    },
    {
      name: 'floor: Portico\'s backend client on Portico\'s listener',
      paths: { S1: '/s1', S3: '/s3' },
      start: (port, backend, cpus) => startPinned(cpus, node, [...NODE_FLAGS, join(root, 'dist', 'bench', 'peers', 'server-floor.js'), 'portico', String(port), backend]),
    },
    {
      name: 'floor: Portico\'s backend client on bare net',
      paths: { S1: '/s1', S3: '/s3' },
      start: (port, backend, cpus) => startPinned(cpus, node, [...NODE_FLAGS, join(root, 'dist', 'bench', 'peers', 'server-floor.js'), 'net', String(port), backend]),
    },
    {
      name: '@fastify/http-proxy 11',
      paths: { S1: '/s1', S3: '/s3' },
      start: (port, backend, cpus) => startPinned(cpus, node, [...NODE_FLAGS, join(root, 'dist', 'bench', 'peers', 'fastify-proxy.js'), String(port), backend]),
    },
    {
      name: 'fast-gateway 3',
      paths: { S1: '/s1', S3: '/s3' },
      start: (port, backend, cpus) => startPinned(cpus, node, [...NODE_FLAGS, join(root, 'dist', 'bench', 'peers', 'fast-gateway.js'), String(port), backend]),
    },
  ];
  const systems = allSystems.filter((system) => !values.only || values.only.split(',').some((name) => system.name.toLowerCase().includes(name.toLowerCase())));
  const scenarios = (values.scenarios ? values.scenarios.split(',') : Object.keys(SCENARIOS)) as Scenario[];

  // One process per system for the whole run, so every slice measures a warmed-up server.
  const running = new Map<string, { port: number; pid: number | undefined }>();
  let nextPort = 19200;
  for (const system of systems) {
    if (!system.start) {
      running.set(system.name, { port: backendPort, pid: undefined });
      continue;
    }
    const port = nextPort++;
    const child = system.start(port, backendOrigin, gatewayCpu);
    processes.push(child);
    await waitForPort(port);
    running.set(system.name, { port, pid: child.pid });
  }

  interface Tally {
    requests: number;
    seconds: number;
    cpu: number;
    p50: number[];
    p99: number[];
    errors: number;
  }
  const tallies = new Map<string, Tally>();
  const key = (system: string, scenario: Scenario): string => `${system}|${scenario}`;
  for (const system of systems) {
    for (const scenario of scenarios) {
      const path = system.paths[scenario];
      const target = running.get(system.name);
      if (!path || !target) continue;
      runWrk(loadCpu, `http://127.0.0.1:${target.port}${path}`, 2, connections, 1, 0, system.headers); // warm-up
    }
  }
  for (let round = 0; round < rounds; round++) {
    for (const scenario of scenarios) {
      for (const system of systems) {
        const path = system.paths[scenario];
        const target = running.get(system.name);
        if (!path || !target) continue;
        // Each system idles while the others are measured. A Node.js process that idled 10 s or more
        // answers its first second of traffic slowly (node:http alone: p99 ~60 ms against ~10 ms without
        // the pause; nginx: no change; README, After a pause), so a slice would put that transient in the
        // Node rows' p99: one second of load first, so the slice measures the steady state.
        runWrk(loadCpu, `http://127.0.0.1:${target.port}${path}`, 1, connections, 1, 0, system.headers);
        const before = target.pid ? treeCpuSeconds(target.pid) : 0;
        const result: WrkResult = runWrk(loadCpu, `http://127.0.0.1:${target.port}${path}`, seconds, connections, 1, 0, system.headers);
        const cpu = target.pid ? treeCpuSeconds(target.pid) - before : Number.NaN;
        const tally = tallies.get(key(system.name, scenario)) ?? { requests: 0, seconds: 0, cpu: 0, p50: [], p99: [], errors: 0 };
        tally.requests += result.requests;
        tally.seconds += result.seconds;
        tally.cpu += cpu;
        tally.p50.push(result.p50Ms);
        tally.p99.push(result.p99Ms);
        tally.errors += result.errors;
        tallies.set(key(system.name, scenario), tally);
        process.stderr.write(`round ${round + 1}/${rounds} ${scenario} ${system.name}: ${Math.round(result.rps)} req/s\n`);
      }
    }
  }

  const median = (list: number[]): number => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? Number.NaN;
  const lines: string[] = [];
  lines.push(`Portico bench: ${rounds} rounds x ${seconds}s per slice, wrk -t1 -c${connections}; gateway on CPU ${gatewayCpu}, wrk + nginx backend on CPU ${loadCpu}; Node ${process.version} ${NODE_FLAGS.join(' ')}`);
  for (const scenario of scenarios) {
    lines.push('', `${scenario}: ${SCENARIOS[scenario]}`, '', '| system | req/s | p50 ms | p99 ms | CPU µs/resp | vs nginx (CPU) | req/s vs direct | errors |', '|---|---:|---:|---:|---:|---:|---:|---:|');
    // S2's reference is nginx + njs (plain nginx cannot merge).
    const nginx = tallies.get(key('nginx 1.22 proxy_pass', scenario)) ?? tallies.get(key('nginx 1.22 + njs 0.7', scenario));
    const direct = tallies.get(key('backend direct', scenario));
    const nginxCpu = nginx ? (nginx.cpu / nginx.requests) * 1e6 : Number.NaN;
    for (const system of systems) {
      const tally = tallies.get(key(system.name, scenario));
      if (!tally) continue;
      const rps = tally.requests / tally.seconds;
      const cpuUs = (tally.cpu / tally.requests) * 1e6;
      const fmt = (value: number, digits = 0): string => (Number.isFinite(value) ? value.toFixed(digits) : '–');
      lines.push(
        `| ${system.name} | ${fmt(rps)} | ${fmt(median(tally.p50), 2)} | ${fmt(median(tally.p99), 2)} | ${fmt(cpuUs)} | ${fmt(cpuUs / nginxCpu, 2)} | ${direct ? fmt(rps / (direct.requests / direct.seconds), 2) : '–'} | ${tally.errors} |`,
      );
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  if (values.extras) await runExtras({ dir, root, backendOrigin, gatewayCpu, loadCpu, nodeFlags: NODE_FLAGS, write: (line) => process.stdout.write(`${line}\n`) });
  stopAll();
  process.exit(0);
}

void main();
