/**
 * `npm run bench:telemetry`: what `telemetry/opentelemetry` costs at equal load (issue #12). Each
 * telemetry config runs beside the same gateway without telemetry, both pinned to core 0, under the same
 * fixed-rate load (peers/fixed-rate.ts); each slice's CPU per response comes from /proc, and the figure is
 * the median of the per-pair ratios. By default both gateways are loaded at once, so the VM's drift and
 * steal hit both alike (an A/A row, the same config on both sides, shows the noise left); `--alternate`
 * loads them one after the other instead, as earlier runs did. `npm run bench` saturates each system
 * instead: there, a faster gateway also batches more per event-loop turn, which widens the gap between
 * configs beyond the work telemetry adds.
 * Options: --rate (requests/s to each gateway; 1500 together, 4000 alternating: keep it below what the
 * slowest config serves) --pairs 6 --seconds 3 --alternate.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_HEAP_FLAGS } from '../src/runtime/heap-flags.js';
import { writeNginxConfig, writePayloads, writePorticoConfig, writePorticoOtelConfig } from './fixtures.js';
import { cpuCount, ensurePackages, startPinned, treeCpuSeconds, waitForPort } from './system.js';

const { values } = parseArgs({ options: { rate: { type: 'string' }, pairs: { type: 'string', default: '6' }, seconds: { type: 'string', default: '3' }, alternate: { type: 'boolean', default: false } } });
const alternate = values.alternate;
const rate = Number(values.rate ?? (alternate ? 4000 : 1500));
const pairs = Number(values.pairs);
const seconds = Number(values.seconds);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(root, 'dist', 'src', 'cli', 'portico.js');
const loader = join(root, 'dist', 'bench', 'peers', 'fixed-rate.js');

interface Slice {
  usPerResponse: number;
  kept: boolean;
}

const loadArgs = (loadCpu: string, port: number): string[] => ['-c', loadCpu, process.execPath, loader, String(port), '/s1', String(rate), String(seconds)];

function sliceOf(cpuSeconds: number, loaderOutput: string): Slice {
  const result = JSON.parse(loaderOutput) as { sent: number; answered: number; behind: number };
  return { usPerResponse: (cpuSeconds * 1e6) / Math.max(result.answered, 1), kept: result.answered >= 0.98 * rate * seconds };
}

/** One fixed-rate slice against `port`: the gateway's CPU per answered response. */
function slice(loadCpu: string, gateway: ChildProcess, port: number): Slice {
  const before = treeCpuSeconds(gateway.pid as number);
  const run = spawnSync('taskset', loadArgs(loadCpu, port), { encoding: 'utf8' });
  return sliceOf(treeCpuSeconds(gateway.pid as number) - before, run.stdout);
}

/** Fixed-rate slices against both gateways at once, over the same window. */
async function slicesTogether(loadCpu: string, gateways: [ChildProcess, ChildProcess], ports: [number, number]): Promise<[Slice, Slice]> {
  const before = gateways.map((gateway) => treeCpuSeconds(gateway.pid as number));
  const outputs = await Promise.all(
    ports.map(
      (port) =>
        new Promise<string>((resolve, reject) => {
          const child = spawn('taskset', loadArgs(loadCpu, port), { stdio: ['ignore', 'pipe', 'inherit'] });
          let output = '';
          child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
          child.on('error', reject).on('close', (code) => (code === 0 ? resolve(output) : reject(new Error(`the load generator for port ${port} exited with ${code}`))));
        }),
    ),
  );
  const after = gateways.map((gateway) => treeCpuSeconds(gateway.pid as number));
  return [0, 1].map((i) => sliceOf((after[i] as number) - (before[i] as number), outputs[i] as string)) as [Slice, Slice];
}

const median = (numbers: number[]): number => {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

async function main(): Promise<void> {
  if (!ensurePackages({ nginx: 'nginx-light', taskset: 'util-linux' })) {
    process.stderr.write('bench:telemetry: nginx and taskset are needed (apt-get install nginx-light util-linux)\n');
    process.exit(1);
  }
  const gatewayCpu = '0';
  const loadCpu = String(Math.min(1, cpuCount() - 1));
  const dir = mkdtempSync(join(tmpdir(), 'portico-bench-telemetry-'));
  writePayloads(dir);
  const processes: ChildProcess[] = [];
  process.on('exit', () => {
    for (const child of processes) child.kill('SIGTERM');
  });
  process.on('SIGINT', () => process.exit(130));
  const backendPort = 19101;
  processes.push(startPinned(loadCpu, 'nginx', ['-c', writeNginxConfig(dir, 'backend', { listen: backendPort, root: dir }), '-p', dir]));
  const otlpPort = 19102;
  processes.push(startPinned(loadCpu, process.execPath, [join(root, 'dist', 'bench', 'peers', 'otlp-sink.js'), String(otlpPort)]));
  await Promise.all([waitForPort(backendPort), waitForPort(otlpPort)]);

  const plain = writePorticoConfig(dir, `http://127.0.0.1:${backendPort}`);
  const configs: [string, string][] = [
    ['none (A/A: the noise floor)', plain],
    ['metrics (Prometheus)', writePorticoOtelConfig(dir, plain, 19103, otlpPort, 'metrics')],
    ['traces, every request (OTLP/HTTP)', writePorticoOtelConfig(dir, plain, 19104, otlpPort, 'traces')],
    ['metrics and traces, every request', writePorticoOtelConfig(dir, plain, 19105, otlpPort, 'both')],
    ['metrics and 1 % of traces', writePorticoOtelConfig(dir, plain, 19106, otlpPort, 'both', 0.01)],
  ];
  const start = async (config: string, port: number): Promise<ChildProcess> => {
    const child = startPinned(gatewayCpu, process.execPath, [...DEFAULT_HEAP_FLAGS, cli, 'run', '-w', '1', '-p', String(port), '-c', config]);
    processes.push(child);
    await waitForPort(port);
    return child;
  };

  const how = alternate ? 'one gateway after the other' : 'both gateways at once';
  process.stdout.write(`\nTelemetry at equal load: S1 (1 KB passthrough) at ${rate} requests/s to each gateway (${how}) on 64 keep-alive connections, ${pairs} pairs of ${seconds} s slices\n`);
  process.stdout.write('(CPU µs per response of the gateway on core 0; ratio: median of the per-pair ratios against no telemetry, min–max)\n\n');
  process.stdout.write('| config | none µs/resp | config µs/resp | ratio | range |\n|---|---:|---:|---:|---|\n');
  let port = 19410;
  for (const [name, config] of configs) {
    const base = await start(plain, port++);
    const traced = await start(config, port++);
    const basePort = port - 2;
    const tracedPort = port - 1;
    slice(loadCpu, base, basePort);
    slice(loadCpu, traced, tracedPort);
    const baseCosts: number[] = [];
    const costs: number[] = [];
    const ratios: number[] = [];
    let kept = true;
    for (let i = 0; i < pairs; i++) {
      const [a, b] = alternate ? [slice(loadCpu, base, basePort), slice(loadCpu, traced, tracedPort)] : await slicesTogether(loadCpu, [base, traced], [basePort, tracedPort]);
      kept &&= a.kept && b.kept;
      baseCosts.push(a.usPerResponse);
      costs.push(b.usPerResponse);
      ratios.push(b.usPerResponse / a.usPerResponse);
    }
    const range = `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`;
    process.stdout.write(`| ${name} | ${median(baseCosts).toFixed(0)} | ${median(costs).toFixed(0)} | ${median(ratios).toFixed(2)} | ${range}${kept ? '' : ' (fell behind the rate: lower --rate)'} |\n`);
    for (const child of [base, traced]) child.kill('SIGTERM');
  }
  process.exit(0);
}

await main();
