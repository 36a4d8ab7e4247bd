/**
 * The primary process of `portico run -w N`: forks identical workers that share the listening port
 * (node:cluster), replaces any that die, and on SIGTERM/SIGINT asks each to drain, then exits 0.
 */
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import { heapFlagsFor } from '../runtime/heap-flags.js';

export interface PrimaryOptions {
  workers: number;
  file: string;
  port: number | undefined;
  debug: boolean;
  graceMs: number;
  /** A flexible configuration's rendered text: every worker runs this one rendering (see workerConfig). */
  rendered?: RenderedText;
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
    PORTICO_WORKER_RENDERED: options.rendered ? '1' : '0',
  };
  cluster.setupPrimary({ execArgv: [...process.execArgv, ...heapFlagsFor(process.execArgv, process.env['NODE_OPTIONS'])] });
  const fork = (): Worker => {
    const worker = cluster.fork(env);
    // A worker asks once it listens for the answer, so the text cannot arrive before its handler.
    worker.on('message', (message: unknown) => {
      if ((message as { type?: unknown } | null)?.type === CONFIG_REQUEST) worker.send({ type: CONFIG_REPLY, rendered: options.rendered });
    });
    return worker;
  };
  for (let i = 0; i < options.workers; i++) fork();

  cluster.on('exit', (worker, code, signal) => {
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
