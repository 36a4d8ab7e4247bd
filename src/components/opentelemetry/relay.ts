/**
 * With `run -w N` every worker records its own requests; the primary serves the Prometheus endpoint and
 * asks each live worker for its cumulative snapshot over the cluster channel. It keeps each worker's
 * last answer, and when a worker exits (crash, reload) folds that last answer into a `retired` total,
 * so the instance's counters never go backwards mid-scrape and memory stays bounded however many
 * workers come and go. Gauges of a dead worker are dropped (its memory is no longer in use).
 */
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import type { ScopeMetrics } from '@opentelemetry/sdk-metrics';
import { mergeScopeMetrics } from './merge.js';

const OTEL_REQUEST = 'portico-otel-request';
const OTEL_REPLY = 'portico-otel-snapshot';
/** Sent by a draining worker: its counts since the last scrape are not lost with it. */
const OTEL_FINAL = 'portico-otel-final';
/**
 * A worker that does not answer within this (starting, busy) is counted with its previous answer: a
 * scrape must finish well within Prometheus's scrape timeout, or every series of the instance goes stale.
 */
const WORKER_REPLY_MS = 500;

interface OtelMessage {
  type?: unknown;
  id?: unknown;
  scopeMetrics?: ScopeMetrics[];
}

/** In a worker: answers the primary's requests with `collect()`. Returns the unsubscribe. */
export function answerOtelRequests(collect: () => Promise<ScopeMetrics[]>): () => void {
  const onMessage = (message: unknown): void => {
    const typed = message as OtelMessage | null;
    if (typed?.type !== OTEL_REQUEST || !process.send) return;
    const id = typed.id;
    collect().then(
      (scopeMetrics) => process.send?.({ type: OTEL_REPLY, id, scopeMetrics }, undefined, {}, () => undefined),
      () => process.send?.({ type: OTEL_REPLY, id, scopeMetrics: [] }, undefined, {}, () => undefined),
    );
  };
  process.on('message', onMessage);
  return () => void process.off('message', onMessage);
}

/** In a worker that is closing: hands its final snapshot to the primary (bounded by the caller). */
export async function sendFinalSnapshot(collect: () => Promise<ScopeMetrics[]>): Promise<void> {
  if (!process.send || !process.connected) return;
  const scopeMetrics = await collect();
  await new Promise<void>((resolve) => {
    if (!process.send?.({ type: OTEL_FINAL, scopeMetrics }, undefined, {}, () => resolve())) resolve();
  });
}

/** In the primary: the instance's metrics, live workers' latest plus every exited worker's last. */
export class WorkerMetrics {
  private readonly latest = new Map<number, ScopeMetrics[]>();
  private retired: ScopeMetrics[] = [];
  private nextId = 0;

  constructor() {
    cluster.on('message', (worker, message: unknown) => {
      const typed = message as OtelMessage | null;
      if (typed?.type === OTEL_FINAL && Array.isArray(typed.scopeMetrics)) this.latest.set(worker.id, typed.scopeMetrics);
    });
    cluster.on('exit', (worker) => {
      const last = this.latest.get(worker.id);
      this.latest.delete(worker.id);
      if (last !== undefined) this.retired = mergeScopeMetrics([this.retired, last], { withoutGauges: true });
    });
  }

  async collect(): Promise<ScopeMetrics[]> {
    await this.refresh();
    return mergeScopeMetrics([this.retired, ...this.latest.values()]);
  }

  private refresh(): Promise<void> {
    const id = ++this.nextId;
    const workers = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined && worker.isConnected());
    return new Promise((resolve) => {
      const waiting = new Set(workers.map((worker) => worker.id));
      const finish = (): void => {
        clearTimeout(timer);
        cluster.off('message', onMessage);
        resolve();
      };
      const onMessage = (worker: Worker, message: unknown): void => {
        const typed = message as OtelMessage | null;
        if (typed?.type !== OTEL_REPLY || typed.id !== id || !waiting.has(worker.id) || !Array.isArray(typed.scopeMetrics)) return;
        waiting.delete(worker.id);
        this.latest.set(worker.id, typed.scopeMetrics);
        if (waiting.size === 0) finish();
      };
      const timer = setTimeout(finish, WORKER_REPLY_MS);
      cluster.on('message', onMessage);
      if (waiting.size === 0) finish();
      for (const worker of workers) worker.send({ type: OTEL_REQUEST, id }, undefined, () => undefined);
    });
  }
}
