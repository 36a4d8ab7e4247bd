/**
 * The `/metrics` listener of a `prometheus` exporter (krakend-otel `exporter/prometheus`): the text
 * exposition of the collected metrics, named as the Go exporter names them (dots to underscores,
 * `_total` on counters, `target_info` for the resource, `otel_scope_name` on every series). It runs in
 * the process that sees the whole instance: the gateway itself, or the primary of `run -w N`.
 * A port in use is logged and the gateway serves on without it, as KrakenD does. A reload in one
 * process hands the listener to the rebuilt gateway instead of binding the port twice.
 */
import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import type { ResourceMetrics, ScopeMetrics } from '@opentelemetry/sdk-metrics';
import type { Logger } from '../../core/logger.js';
import type { OtelSdk } from './sdk.js';
import type { PrometheusExporterSettings } from './settings.js';

const LOG_PREFIX = '[SERVICE: OpenTelemetry][Prometheus]';

interface Source {
  collect: () => Promise<ScopeMetrics[]>;
  resource: ResourceMetrics['resource'];
}

interface Listener {
  server: Server;
  /** The gateway that answers: a reload in one process hands the listener to the new one. */
  source: Source;
}

/** One listener per address for the whole process, so a gateway rebuilt by a reload keeps the port. */
const listeners = new Map<string, Listener>();

export interface PrometheusHandle {
  /** Closes the listener, unless a newer gateway took it over meanwhile. */
  close(): Promise<void>;
}

export function startPrometheusServer(
  exporter: PrometheusExporterSettings,
  collect: () => Promise<ScopeMetrics[]>,
  resource: ResourceMetrics['resource'],
  sdk: OtelSdk,
  logger: Pick<Logger, 'info' | 'error'>,
): PrometheusHandle {
  const where = `${exporter.host}:${exporter.port}`;
  const source: Source = { collect, resource };
  let listener = listeners.get(where);
  if (listener !== undefined) listener.source = source;
  else {
    listener = { server: createListener(sdk, () => (listener as Listener).source, logger), source };
    listeners.set(where, listener);
    const owned = listener;
    owned.server.on('error', (error) => {
      if (listeners.get(where) === owned) listeners.delete(where);
      logger.error(`${LOG_PREFIX} exporter "${exporter.name}" cannot listen on ${where}: ${error.message}; its /metrics is not served`);
    });
    owned.server.listen(exporter.port, exporter.host, () => logger.info(`${LOG_PREFIX} exporter "${exporter.name}" serves /metrics on ${where}`));
  }
  const held = listener;
  return {
    close() {
      if (held.source !== source || listeners.get(where) !== held) return Promise.resolve();
      listeners.delete(where);
      return new Promise((resolve) => {
        held.server.closeAllConnections();
        held.server.close(() => resolve());
      });
    },
  };
}

function createListener(sdk: OtelSdk, current: () => Source, logger: Pick<Logger, 'error'>): Server {
  const serializer = new sdk.prometheus.PrometheusSerializer();
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/metrics') return plain(response, 404, '404 page not found\n');
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(response, 405, 'method not allowed\n');
    const { collect, resource } = current();
    collect().then(
      (scopeMetrics) => {
        const body = serializer.serialize({ resource, scopeMetrics });
        response.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
        response.end(request.method === 'HEAD' ? undefined : body);
      },
      (error: unknown) => {
        logger.error(`${LOG_PREFIX} cannot collect the metrics: ${(error as Error).message}`);
        plain(response, 500, 'cannot collect the metrics\n');
      },
    );
  });
  server.headersTimeout = 3_000;
  server.requestTimeout = 10_000;
  return server;
}

function plain(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}
