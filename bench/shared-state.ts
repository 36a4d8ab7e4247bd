/**
 * `npm run bench:state`: what one limited request pays to ask the primary process with `portico run -w N`,
 * without HTTP around it. A primary (SharedStateHost) and one cluster worker (SharedStateClient) run a
 * `qos/ratelimit/router` check that is never limited:
 * - sequential: one call in flight (the round-trip latency a lone request waits);
 * - concurrent: 64 calls in flight (as under load, where calls of one turn share a message);
 * CPU µs per call are the primary's and the worker's together. `--serialization json|advanced` picks the
 * cluster channel's encoding (Portico uses json, the faster one).
 */
import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { monotonicClock } from '../src/components/clock.js';
import { createSharedRouterLimiter } from '../src/components/ratelimit/shared-limiters.js';
import { processChannel, SharedStateClient } from '../src/shared-state/client.js';
import { SharedStateHost } from '../src/runtime/shared-state-host.js';
import { STATE_TAG, stateCalls } from '../src/shared-state/protocol.js';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '100000' }, serialization: { type: 'string', default: 'json' } } });
const total = Math.min(Number(values.calls) || 100_000, 2_000_000);

if (cluster.isPrimary) {
  const serialization = values.serialization === 'advanced' ? 'advanced' : 'json';
  cluster.setupPrimary({ serialization, args: process.argv.slice(2) });
  const host = new SharedStateHost({ clock: monotonicClock });
  const worker = cluster.fork();
  let hostCpu = 0;
  cluster.on('message', (from, message: unknown) => {
    const started = process.cpuUsage();
    const calls = stateCalls(message);
    if (calls !== undefined) {
      const answers = host.receive(from.id, calls);
      if (answers.length > 0) from.send({ [STATE_TAG]: answers });
    } else if ((message as { phase?: string }).phase === 'start') {
      hostCpu = 0;
    } else if ((message as { phase?: string }).phase === 'end') {
      const report = message as { label: string; calls: number; ms: number; workerCpuUs: number };
      const perCall = (report.workerCpuUs + hostCpu) / report.calls;
      process.stdout.write(`| ${report.label} | ${serialization} | ${Math.round(report.calls / (report.ms / 1000))} | ${((report.ms * 1000) / report.calls).toFixed(1)} | ${perCall.toFixed(1)} |\n`);
      hostCpu = 0;
      return;
    } else if ((message as { phase?: string }).phase === 'done') {
      worker.kill();
      host.close();
      return;
    }
    const used = process.cpuUsage(started);
    hostCpu += used.user + used.system;
  });
  process.stdout.write(`Shared-state round trip, ${total} calls per row; Node ${process.version}\n\n| mode | channel | calls/s | wall µs/call | CPU µs/call (both processes) |\n|---|---|---:|---:|---:|\n`);
} else {
  const client = new SharedStateClient(processChannel());
  const limit = createSharedRouterLimiter(client, 'bench', { kind: 'router', endpoint: { ratePerMs: 1e9, capacity: 1e9 }, client: undefined, numShards: 1, maxClients: 1, cleanupMs: 60_000 });
  const send = (message: unknown): void => void process.send?.(message);
  const measure = async (label: string, inFlight: number): Promise<void> => {
    send({ phase: 'start' });
    const cpu = process.cpuUsage();
    const started = performance.now();
    let left = total;
    const lane = async (): Promise<void> => {
      while (left > 0) {
        left--;
        await limit(undefined);
      }
    };
    await Promise.all(Array.from({ length: inFlight }, lane));
    const used = process.cpuUsage(cpu);
    send({ phase: 'end', label, calls: total, ms: performance.now() - started, workerCpuUs: used.user + used.system });
  };
  void (async () => {
    await measure('warm-up', 16);
    await measure('sequential (1 in flight)', 1);
    await measure('concurrent (64 in flight)', 64);
    send({ phase: 'done' });
  })();
}
