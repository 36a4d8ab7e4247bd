/**
 * The primary of `run -w N` serves each Prometheus exporter's `/metrics`: the sum of every worker's
 * cumulative metrics (relay.ts), plus the primary's own process metrics when asked for. It keeps the
 * start-up settings across reloads, like the `/__stats` listener.
 */
import type { Logger } from '../../core/logger.js';
import { WorkerMetrics } from './relay.js';
import { registerProcessMetrics } from './runtime-metrics.js';
import { loadSdk } from './sdk.js';
import type { OtelSettings } from './settings.js';
import { collectFrom, createPullReader, resourceAttributes } from './telemetry.js';
import { mergeScopeMetrics } from './merge.js';
import { startPrometheusServer } from './prometheus-server.js';

export async function servePrometheusForWorkers(settings: OtelSettings, logger: Logger): Promise<void> {
  const exporters = settings.prometheus.filter((exporter) => !exporter.disableMetrics);
  if (exporters.length === 0) return;
  const api = await loadSdk();
  const resource = api.resources.resourceFromAttributes(resourceAttributes(settings));
  const workers = new WorkerMetrics();
  const own = createPullReader(api);
  if (exporters.some((exporter) => exporter.processMetrics)) {
    const provider = new api.metrics.MeterProvider({ resource, readers: [own] });
    registerProcessMetrics(provider.getMeter('portico-runtime'));
  }
  const collect = async () => mergeScopeMetrics([await workers.collect(), await collectFrom([own]).catch(() => [])]);
  for (const exporter of exporters) startPrometheusServer(exporter, collect, resource, api, logger);
}
