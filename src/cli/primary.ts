/**
 * The primary process of `portico run -w N`: forks identical workers that share the listening port
 * (node:cluster), replaces any that die, and on SIGTERM/SIGINT asks each to drain, then exits 0.
 * A config reload (`rollOut`) starts a new generation of N workers on the new config and, once every
 * one of them listens, asks the old generation to drain (SIGTERM); if one of the new workers fails to
 * start, the new generation is stopped and the old one keeps serving.
 * It also owns the instance's rate-limit buckets, circuit breakers and HTTP caches (runtime/shared-state-host.ts),
 * which the workers ask over the cluster channel, so limits hold per instance whatever N is.
 */
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import { monotonicClock } from '../components/clock.js';
import { heapFlagsFor } from '../runtime/heap-flags.js';
import { isSyncRequest, REVOCATION_RELAY, RevocationLog, revocationMessage } from '../components/revoker/relay.js';
import type { Logger } from '../core/logger.js';
import { refusedLine, SNAPSHOT_TAG } from '../runtime/reload.js';
import type { ConfigSnapshot } from '../runtime/reload.js';
import { SharedStateHost } from '../runtime/shared-state-host.js';
import { STATE_TAG, stateCalls } from '../shared-state/protocol.js';
import { collectFromWorkers } from '../components/metrics/relay.js';
import type { MetricsSettings } from '../components/metrics/settings.js';
import { startStatsServer } from '../components/metrics/stats-server.js';
import { startInflux } from '../components/influx/component.js';
import { servePrometheusForWorkers } from '../components/opentelemetry/primary.js';
import type { OtelSettings } from '../components/opentelemetry/settings.js';

export interface PrimaryOptions {
  workers: number;
  /** The config the first generation serves. */
  snapshot: ConfigSnapshot;
  port: number | undefined;
  debug: boolean;
  graceMs: number;
  /** Logs what happens in the shared state (breaker state changes). */
  logger: Logger;
  /** `--allow-missing-plugin` names, handed to each worker's config load. */
  allowMissingPlugins: readonly string[];
  /** `telemetry/metrics`: the primary serves `/__stats`, the sum of every worker's snapshot. */
  metrics?: MetricsSettings;
  /** `telemetry/influx`: the primary pushes the workers' summed metrics. */
  influx?: Record<string, unknown>;
  /** `telemetry/opentelemetry`: the primary serves each Prometheus exporter, the sum of every worker. */
  openTelemetry?: OtelSettings;
}

export interface Primary {
  /** Rolls the workers over to the config now in the file; resolves true once the new ones serve. */
  rollOut(snapshot: ConfigSnapshot, graceMs: number): Promise<boolean>;
}

/** How long a new generation may take to listen before the reload is given up. */
const START_TIMEOUT_MS = 30_000;

/** A worker dying this soon after start, this often, means the config or machine is broken: stop. */
const CRASH_WINDOW_MS = 5_000;
const MAX_CRASHES_IN_WINDOW = 10;

export function runPrimary(options: PrimaryOptions): Primary {
  let stopping = false;
  const logger = options.logger;
  let graceMs = options.graceMs;
  const crashes: number[] = [];
  /** worker id → the generation (config reload) it serves; the current one is `active`. */
  const generations = new Map<number, number>();
  /** generation → the config text its workers build from. */
  const snapshots = new Map<number, ConfigSnapshot>([[0, options.snapshot]]);
  let active = 0;
  let latest = 0;
  /** Workers of older generations still draining. */
  const retiring = new Set<number>();
  const env = {
    PORTICO_WORKER_PORT: options.port === undefined ? '' : String(options.port),
    PORTICO_WORKER_DEBUG: options.debug ? '1' : '0',
    PORTICO_WORKER_ALLOW_MISSING_PLUGINS: options.allowMissingPlugins.join(','),
  };
  cluster.setupPrimary({ execArgv: [...process.execArgv, ...heapFlagsFor(process.execArgv, process.env['NODE_OPTIONS'])] });
  const state = new SharedStateHost({ clock: monotonicClock, log: (message) => logger.warn(message) });
  cluster.on('message', (worker, message) => {
    if ((message as Record<string, unknown> | null)?.[SNAPSHOT_TAG] === 'ask') {
      const snapshot = snapshots.get(generations.get(worker.id) ?? -1);
      if (snapshot !== undefined) worker.send({ [SNAPSHOT_TAG]: snapshot }, undefined, () => undefined);
      return;
    }
    const calls = stateCalls(message);
    if (calls === undefined) return;
    const answers = state.receive(worker.id, calls);
    if (answers.length === 0 || !worker.isConnected()) return;
    // A worker that died meanwhile just loses its answers.
    worker.send({ [STATE_TAG]: answers }, undefined, () => undefined);
  });
  const fork = (generation: number): Worker => {
    const worker = cluster.fork(env);
    generations.set(worker.id, generation);
    return worker;
  };
  for (let i = 0; i < options.workers; i++) fork(active);
  const metrics = options.metrics;
  if (metrics && !metrics.endpointDisabled && !metrics.addressInvalid) startStatsServer(metrics, collectFromWorkers, options.logger);
  if (metrics && options.influx) startInflux(options.influx, collectFromWorkers, options.logger);
  if (options.openTelemetry) servePrometheusForWorkers(options.openTelemetry, logger).catch((error: Error) => logger.error(`[SERVICE: OpenTelemetry] cannot serve the Prometheus exporters: ${error.message}`));

  // `auth/revoker`: a revocation added on one worker's admin listener is relayed to the others, and
  // replayed to any worker that starts later.
  const revocations = new RevocationLog(() => monotonicClock.now(), (message) => logger.warn(message));
  cluster.on('message', (sender, message: unknown) => {
    if (isSyncRequest(message)) {
      if (sender.isConnected()) sender.send({ type: REVOCATION_RELAY, elements: revocations.live(), replay: true }, undefined, () => undefined);
      return;
    }
    const added = revocationMessage(message);
    if (added === undefined) return;
    revocations.add(added.elements, added.keepMs ?? 0);
    for (const worker of Object.values(cluster.workers ?? {})) if (worker && worker !== sender && worker.isConnected()) worker.send(added, undefined, () => undefined);
  });

  cluster.on('exit', (worker, code, signal) => {
    state.workerGone(worker.id);
    const generation = generations.get(worker.id);
    generations.delete(worker.id);
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    // A retired worker that finished draining, or a new one that failed to start (rollOut handles it).
    if (generation !== active) {
      if (retiring.delete(worker.id) && retiring.size === 0) prune();
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
    fork(active);
  });

  const workersOf = (generation: number): Worker[] =>
    Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined && generations.get(worker.id) === generation);

  async function rollOut(snapshot: ConfigSnapshot, nextGraceMs: number): Promise<boolean> {
    if (stopping) return false;
    const generation = ++latest;
    snapshots.set(generation, snapshot);
    const started = await startGeneration(generation);
    if (stopping) return false;
    if (started !== true) {
      for (const worker of workersOf(generation)) worker.process.kill('SIGTERM');
      snapshots.delete(generation);
      logger.error(refusedLine(`a new worker ${started}`));
      return false;
    }
    const old = workersOf(active);
    snapshots.delete(active);
    active = generation;
    const oldGraceMs = graceMs;
    graceMs = nextGraceMs;
    // The new generation listens: each old worker closes its listening handle first (node:cluster then
    // hands every new connection to the new workers), answers what it holds and exits. Not awaited: the
    // next reload may start while they drain.
    for (const worker of old) {
      retiring.add(worker.id);
      const timer = setTimeout(() => worker.process.kill('SIGKILL'), oldGraceMs + 5_000);
      timer.unref();
      worker.once('exit', () => clearTimeout(timer));
      worker.process.kill('SIGTERM');
    }
    return true;
  }

  /** Once no old worker is left: the state only they declared goes. */
  function prune(): void {
    const dropped = state.prune(new Set(generations.keys()));
    if (dropped > 0) logger.info(`[SERVICE: Portico][Reload] dropped the state of ${dropped} rate limit(s), breaker(s) or cache(s) the new configuration no longer has`);
  }

  /** Forks N workers of `generation`; true once all listen, else why not. */
  function startGeneration(generation: number): Promise<true | string> {
    return new Promise((resolve) => {
      let waiting = options.workers;
      let settled = false;
      const settle = (outcome: true | string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      const timer = setTimeout(() => settle(`did not listen within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
      for (let i = 0; i < options.workers; i++) {
        const worker = fork(generation);
        worker.once('listening', () => {
          if (--waiting === 0) settle(true);
        });
        worker.once('exit', (code, signal) => settle(`exited before listening (${signal ?? code}); see its log above`));
      }
    });
  }

  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal === 'SIGINT' ? 'SIGTERM' : signal);
    // Bounded: workers drain for at most graceMs; give them a margin, then stop waiting.
    setTimeout(() => process.exit(0), graceMs + 5_000).unref();
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  return { rollOut };
}
