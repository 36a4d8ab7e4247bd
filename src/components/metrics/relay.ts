/**
 * With `run -w N` each worker counts its own requests; the primary's stats listener asks every worker for
 * a snapshot over the cluster channel and sums them, so `/__stats` describes the whole instance.
 */
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import { mergeSnapshots } from './registry.js';
import type { MetricsRegistry, MetricsSnapshot } from './registry.js';

const METRICS_REQUEST = 'portico-metrics-request';
const METRICS_REPLY = 'portico-metrics-snapshot';
/** A worker that does not answer within this (busy, dying) is left out of that one answer. */
const WORKER_REPLY_MS = 2_000;

interface MetricsMessage {
  type?: unknown;
  id?: unknown;
  snapshot?: MetricsSnapshot;
}

/** In a worker: answers the primary's snapshot requests. Returns the unsubscribe. */
export function answerSnapshotRequests(registry: MetricsRegistry): () => void {
  const onMessage = (message: unknown): void => {
    const typed = message as MetricsMessage | null;
    if (typed?.type !== METRICS_REQUEST || !process.send) return;
    process.send({ type: METRICS_REPLY, id: typed.id, snapshot: registry.snapshot() }, undefined, {}, () => undefined);
  };
  process.on('message', onMessage);
  return () => void process.off('message', onMessage);
}

let nextRequestId = 0;

/** In the primary: every live worker's snapshot, summed. */
export function collectFromWorkers(): Promise<MetricsSnapshot> {
  const id = ++nextRequestId;
  const workers = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined && worker.isConnected());
  const snapshots: MetricsSnapshot[] = [];
  return new Promise((resolve) => {
    const waiting = new Set(workers.map((worker) => worker.id));
    const finish = (): void => {
      clearTimeout(timer);
      cluster.off('message', onMessage);
      resolve(mergeSnapshots(snapshots));
    };
    const onMessage = (worker: Worker, message: unknown): void => {
      const typed = message as MetricsMessage | null;
      if (typed?.type !== METRICS_REPLY || typed.id !== id || !waiting.has(worker.id) || typed.snapshot === undefined) return;
      waiting.delete(worker.id);
      snapshots.push(typed.snapshot);
      if (waiting.size === 0) finish();
    };
    const timer = setTimeout(finish, WORKER_REPLY_MS);
    cluster.on('message', onMessage);
    if (waiting.size === 0) finish();
    for (const worker of workers) worker.send({ type: METRICS_REQUEST, id }, undefined, () => undefined);
  });
}
