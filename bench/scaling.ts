/**
 * Config scaling (issue #14): how start-up time and memory grow with the number of endpoints, per mix of
 * components. Each run spawns `portico run -w 1` on a generated config and measures, from the outside:
 * - ready: spawn to the first 200 on `/__health` (wall clock: only meaningful on a quiet machine);
 * - start-up CPU: user+sys CPU the process used until ready (from /proc: holds under load);
 * - RSS once ready, and per endpoint over the same count of plain endpoints (allow-lists only).
 * `node dist/bench/scaling.js [--endpoints 1000,5000] [--mixes plain,ratelimit,...]` runs it alone;
 * `npm run bench -- --extras` runs it after the traffic scenarios.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_HEAP_FLAGS } from '../src/runtime/heap-flags.js';
import { treeCpuSeconds, treeRssMb } from './system.js';

/** A backend block with an allow-list, as real configs have them. */
function backendBlock(origin: string, i: number, extra: Record<string, unknown> | undefined): Record<string, unknown> {
  return { host: [origin], url_pattern: `/1kb.json?b=${i}`, allow: ['id', 'items'], ...(extra ? { extra_config: extra } : {}) };
}

const BREAKER = { 'qos/circuit-breaker': { interval: 60, timeout: 10, max_errors: 5, log_status_change: true } };
const BODY_SCHEMA = { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 64 }, count: { type: 'integer', minimum: 0 } } };
const ROUTER_LIMIT = { 'qos/ratelimit/router': { max_rate: 1000, client_max_rate: 10, strategy: 'ip', every: '1s' } };

export const MIXES = {
  /** Two backends with allow-lists. */
  plain: (): Mix => ({}),
  /** A circuit breaker on each backend. */
  breaker: (): Mix => ({ backend: BREAKER }),
  /** `qos/ratelimit/router` with `client_max_rate` and `strategy: ip` on each endpoint. */
  ratelimit: (): Mix => ({ endpoint: ROUTER_LIMIT }),
  /** Everything at once: router limit and body schema per endpoint; breaker, proxy limit and cache per backend; CORS. */
  all: (): Mix => ({
    endpoint: { ...ROUTER_LIMIT, 'validation/json-schema': BODY_SCHEMA },
    backend: { ...BREAKER, 'qos/ratelimit/proxy': { max_rate: 100, capacity: 100 }, 'qos/http-cache': { shared: true, max_items: 100 } },
  }),
} as const;
export type MixName = keyof typeof MIXES;
interface Mix {
  endpoint?: Record<string, unknown>;
  backend?: Record<string, unknown>;
}

export function writeScalingConfig(dir: string, origin: string, endpoints: number, mixName: MixName): string {
  const mix = MIXES[mixName]();
  const file = join(dir, `scale-${mixName}-${endpoints}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      version: 3,
      extra_config: { router: { disable_access_log: true }, 'telemetry/logging': { level: 'ERROR' }, 'security/cors': { allow_origins: ['https://example.com'] } },
      endpoints: Array.from({ length: endpoints }, (_, i) => ({
        endpoint: `/scale/${i}/{id}`,
        ...(mix.endpoint ? { extra_config: mix.endpoint } : {}),
        backend: [backendBlock(origin, 2 * i, mix.backend), backendBlock(origin, 2 * i + 1, mix.backend)],
      })),
    }),
  );
  return file;
}

export interface ScalingSample {
  mix: MixName;
  endpoints: number;
  readyMs: number;
  startCpuMs: number;
  rssMb: number;
}

/** Starts one gateway on `config` and measures it once ready; the process is killed afterwards. */
export async function measureStart(cli: string, nodeFlags: string[], config: string, port: number): Promise<Omit<ScalingSample, 'mix' | 'endpoints'>> {
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeFlags, cli, 'run', '-w', '1', '-p', String(port), '-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 4000) stderr += chunk.toString();
  });
  try {
    await waitForHealth(port, child.pid as number, () => child.exitCode !== null);
    const readyMs = performance.now() - started;
    const startCpuMs = treeCpuSeconds(child.pid as number) * 1000;
    const rssMb = treeRssMb(child.pid as number);
    return { readyMs, startCpuMs, rssMb };
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${stderr}`);
  } finally {
    child.kill('SIGKILL');
    if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
  }
}

async function waitForHealth(port: number, _pid: number, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (exited()) throw new Error('the gateway exited before it answered');
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('error', () => resolve(false));
      socket.once('connect', () => socket.write('GET /__health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
      socket.once('data', (data: Buffer) => {
        socket.destroy();
        resolve(data.toString('latin1', 0, 12) === 'HTTP/1.1 200');
      });
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('no answer on /__health within 60 s');
}

export interface ScalingOptions {
  dir: string;
  cli: string;
  origin: string;
  nodeFlags: string[];
  counts: number[];
  mixes: MixName[];
  firstPort: number;
  write(line: string): void;
}

/** Measures every mix at every count (median of `samples` starts) and prints one table. */
export async function runScaling(options: ScalingOptions, samples = 3): Promise<ScalingSample[]> {
  const results: ScalingSample[] = [];
  let port = options.firstPort;
  for (const endpoints of options.counts) {
    for (const mix of options.mixes) {
      const config = writeScalingConfig(options.dir, options.origin, endpoints, mix);
      const runs: Omit<ScalingSample, 'mix' | 'endpoints'>[] = [];
      for (let i = 0; i < samples; i++) runs.push(await measureStart(options.cli, options.nodeFlags, config, port++));
      const median = (pick: (run: (typeof runs)[number]) => number): number => runs.map(pick).sort((a, b) => a - b)[Math.floor(runs.length / 2)] as number;
      results.push({ mix, endpoints, readyMs: median((run) => run.readyMs), startCpuMs: median((run) => run.startCpuMs), rssMb: median((run) => run.rssMb) });
    }
  }
  options.write(`\nConfig scaling: portico run -w 1, two backends with allow-lists per endpoint; median of ${samples} starts`);
  options.write('(ready: spawn to the first 200 on /__health; start CPU: user+sys until then; KB/endpoint: RSS over the plain mix at the same count)\n');
  options.write('| endpoints | mix | ready ms | start CPU ms | RSS MB | KB/endpoint over plain |');
  options.write('|---:|---|---:|---:|---:|---:|');
  for (const sample of results) {
    const plain = results.find((other) => other.mix === 'plain' && other.endpoints === sample.endpoints);
    const extra = plain && sample.mix !== 'plain' ? (((sample.rssMb - plain.rssMb) * 1024) / sample.endpoints).toFixed(1) : '–';
    options.write(`| ${sample.endpoints} | ${sample.mix} | ${sample.readyMs.toFixed(0)} | ${sample.startCpuMs.toFixed(0)} | ${sample.rssMb.toFixed(0)} | ${extra} |`);
  }
  return results;
}

// Run alone: no backend is needed, as nothing is called before the first request.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { endpoints: { type: 'string', default: '1000,5000' }, mixes: { type: 'string', default: Object.keys(MIXES).join(',') }, samples: { type: 'string', default: '3' } } });
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  await runScaling(
    {
      dir: mkdtempSync(join(tmpdir(), 'portico-scaling-')),
      cli: join(root, 'dist', 'src', 'cli', 'portico.js'),
      origin: 'http://127.0.0.1:19101',
      nodeFlags: [...DEFAULT_HEAP_FLAGS],
      counts: values.endpoints.split(',').map(Number),
      mixes: values.mixes.split(',') as MixName[],
      firstPort: 19500,
      write: (line) => process.stdout.write(`${line}\n`),
    },
    Math.max(1, Number(values.samples) || 3),
  );
}
