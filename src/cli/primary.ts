/**
 * The primary process of `portico run -w N`: forks identical workers that share the listening port
 * (node:cluster), replaces any that die, and on SIGTERM/SIGINT asks each to drain, then exits 0.
 * It also owns the instance's rate-limit buckets, circuit breakers and HTTP caches (shared-state/host.ts),
 * which the workers ask over the cluster channel, so limits hold per instance whatever N is.
 */
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import { monotonicClock } from '../components/clock.js';
import { heapFlagsFor } from '../runtime/heap-flags.js';
import { REVOCATION_RELAY } from '../components/revoker/relay.js';
import type { Logger } from '../server/logger.js';
import { SharedStateHost } from '../shared-state/host.js';
import { STATE_TAG, stateCalls } from '../shared-state/protocol.js';
import { collectFromWorkers } from '../components/metrics/relay.js';
import type { MetricsSettings } from '../components/metrics/settings.js';
import { startStatsServer } from '../components/metrics/stats-server.js';

export interface PrimaryOptions {
  workers: number;
  file: string;
  port: number | undefined;
  debug: boolean;
  graceMs: number;
  /** Logs what happens in the shared state (breaker state changes). */
  logger: Logger;
  /** `--allow-missing-plugin` names, handed to each worker's config load. */
  allowMissingPlugins: readonly string[];
  /** A flexible configuration's rendered text: every worker runs this one rendering (see workerConfig). */
  rendered?: RenderedText;
  /** `telemetry/metrics`: the primary serves `/__stats`, the sum of every worker's snapshot. */
  metrics?: MetricsSettings;
}

export interface RenderedText {
  text: string;
  parseAs: string;
  displayName: string;
}

const CONFIG_REQUEST = 'portico-config-request';
const CONFIG_REPLY = 'portico-rendered-config';

/** A worker dying this soon after start, this often, means the config or machine is broken: stop. */
const CRASH_WINDOW_MS = 5_000;
const MAX_CRASHES_IN_WINDOW = 10;

export function runPrimary(options: PrimaryOptions): void {
  let stopping = false;
  const crashes: number[] = [];
  const env = {
    PORTICO_WORKER_CONFIG: options.file,
    PORTICO_WORKER_PORT: options.port === undefined ? '' : String(options.port),
    PORTICO_WORKER_DEBUG: options.debug ? '1' : '0',
    PORTICO_WORKER_ALLOW_MISSING_PLUGINS: options.allowMissingPlugins.join(','),
    PORTICO_WORKER_RENDERED: options.rendered ? '1' : '0',
  };
  cluster.setupPrimary({ execArgv: [...process.execArgv, ...heapFlagsFor(process.execArgv, process.env['NODE_OPTIONS'])] });
  const state = new SharedStateHost({ clock: monotonicClock, log: (message) => options.logger.warn(message) });
  cluster.on('message', (worker, message) => {
    const calls = stateCalls(message);
    if (calls === undefined) return;
    const answers = state.receive(worker.id, calls);
    if (answers.length === 0 || !worker.isConnected()) return;
    // A worker that died meanwhile just loses its answers.
    worker.send({ [STATE_TAG]: answers }, undefined, () => undefined);
  });
  const fork = (): Worker => {
    const worker = cluster.fork(env);
    // A worker asks once it listens for the answer, so the text cannot arrive before its handler.
    worker.on('message', (message: unknown) => {
      if ((message as { type?: unknown } | null)?.type === CONFIG_REQUEST) worker.send({ type: CONFIG_REPLY, rendered: options.rendered });
    });
    return worker;
  };
  for (let i = 0; i < options.workers; i++) fork();
  const metrics = options.metrics;
  if (metrics && !metrics.endpointDisabled && !metrics.addressInvalid) startStatsServer(metrics, collectFromWorkers, options.logger);

  // `auth/revoker`: a revocation added on one worker's admin listener is relayed to the others.
  cluster.on('message', (sender, message: unknown) => {
    if ((message as { type?: unknown } | null)?.type !== REVOCATION_RELAY) return;
    for (const worker of Object.values(cluster.workers ?? {})) if (worker && worker !== sender && worker.isConnected()) worker.send(message as object);
  });

  cluster.on('exit', (worker, code, signal) => {
    state.workerGone(worker.id);
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    const now = Date.now();
    crashes.push(now);
    while (crashes.length > 0 && (crashes[0] as number) < now - CRASH_WINDOW_MS) crashes.shift();
    process.stderr.write(`portico: worker ${worker.process.pid ?? '?'} exited (${signal ?? code}); starting a new one\n`);
    if (crashes.length > MAX_CRASHES_IN_WINDOW) {
      process.stderr.write('portico: workers keep crashing; giving up\n');
      process.exit(1);
    }
    fork();
  });

  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal === 'SIGINT' ? 'SIGTERM' : signal);
    // Bounded: workers drain for at most graceMs; give them a margin, then stop waiting.
    setTimeout(() => process.exit(0), options.graceMs + 5_000).unref();
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

/** In a worker: the primary's rendering of a flexible configuration, when it has one. */
export async function workerRenderedConfig(): Promise<RenderedText | undefined> {
  if (process.env['PORTICO_WORKER_RENDERED'] !== '1' || !process.send) return undefined;
  const reply = new Promise<RenderedText | undefined>((resolve) => {
    const onMessage = (message: unknown): void => {
      const typed = message as { type?: unknown; rendered?: RenderedText } | null;
      if (typed?.type !== CONFIG_REPLY) return;
      process.off('message', onMessage);
      resolve(typed.rendered);
    };
    process.on('message', onMessage);
  });
  process.send({ type: CONFIG_REQUEST });
  return reply;
}
