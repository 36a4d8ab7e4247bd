/**
 * One OpenTelemetry pipeline per built gateway: a lean tracer (lean-tracer.ts) whose spans go through a bounded
 * queue to each OTLP exporter, a meter provider read by the Prometheus endpoint (pull) and by each OTLP
 * exporter (push every `metric_reporting_period`), and the instruments of krakend-otel with its names,
 * units and bucket boundaries, so a KrakenD Grafana dashboard reads Portico's numbers unchanged.
 */
import cluster from 'node:cluster';
import type { Meter } from '@opentelemetry/api';
import type { MetricProducer, MetricReader, ScopeMetrics } from '@opentelemetry/sdk-metrics';
import type { Logger } from '../../core/logger.js';
import { PORTICO_VERSION } from '../../version.js';
import { startPrometheusServer } from './prometheus-server.js';
import { answerOtelRequests, sendFinalSnapshot } from './relay.js';
import { LeanTracer } from './lean-tracer.js';
import { registerProcessMetrics, registerRuntimeMetrics } from './runtime-metrics.js';
import { otlpGrpcSpanExporter, otlpHttpSpanSender, otlpMetricExporter, sdk } from './sdk.js';
import type { OtelSdk } from './sdk.js';
import type { OtelSettings } from './settings.js';
import { BoundedSpanQueue } from './span-queue.js';
import type { SpanQueueOptions } from './span-queue.js';
import { EncodedSpanQueue } from './encoded-span-queue.js';
import { ExportFraming } from './otlp-proto-encoder.js';
import { InstrumentSet, VALUE_INT } from './instruments.js';
import type { CounterInstrument, HistogramInstrument } from './instruments.js';

/** krakend-otel `config/histogram_buckets.go`: seconds and bytes. */
export const TIME_BUCKETS = [0.01, 0.02, 0.05, 0.075, 0.1, 0.125, 0.15, 0.175, 0.2, 0.25, 0.3, 0.35, 0.5, 0.75, 1, 1.5, 2, 3.5, 5, 10];
export const SIZE_BUCKETS = [128, 256, 512, 1024, 4096, 8192, 16384, 32768, 65536, 262144, 524288, 1048576, 4194304, 16777216, 67108864];

/** krakend-otel's instrumentation scope. */
export const SCOPE_NAME = 'io.krakend.krakend-otel';
const LOG_PREFIX = '[SERVICE: OpenTelemetry]';
/** Bounds on what the trace pipeline may hold and how long one export may take. */
const SPAN_QUEUE = 2048;
const SPAN_BATCH = 512;
const SPAN_INTERVAL_MS = 2_000;
const EXPORT_TIMEOUT_MS = 5_000;

export interface Instruments {
  serverDuration: HistogramInstrument;
  serverSize: HistogramInstrument;
  proxyDuration: HistogramInstrument;
  backendDuration: HistogramInstrument;
  clientStarted: CounterInstrument;
  clientFailed: CounterInstrument;
  clientCanceled: CounterInstrument;
  clientTimedOut: CounterInstrument;
  clientRequestSize: CounterInstrument;
  clientDuration: HistogramInstrument;
  clientResponseSize: HistogramInstrument;
  clientNoContentLength: CounterInstrument;
}

export interface Telemetry {
  settings: OtelSettings;
  sdk: OtelSdk;
  /** Undefined when no exporter takes traces. */
  tracer: LeanTracer | undefined;
  /** Undefined when no exporter takes metrics. */
  instruments: Instruments | undefined;
  /** Spans dropped because an exporter's queue was full (a slow or absent collector). */
  droppedSpans(): number;
  /** What the Prometheus endpoint shows (this process only). */
  collect(): Promise<ScopeMetrics[]>;
  close(): Promise<void>;
}

export function resourceAttributes(settings: OtelSettings): Record<string, string> {
  const attributes: Record<string, string> = { 'service.name': settings.serviceName, 'service.version': settings.serviceVersion || PORTICO_VERSION };
  if (settings.deployEnv !== '') attributes['deployment.environment'] = settings.deployEnv;
  return attributes;
}

/** A reader the Prometheus endpoint pulls from (cumulative, as Prometheus wants). */
export function createPullReader(api: OtelSdk, metricProducers: MetricProducer[] = []): MetricReader {
  class PullReader extends api.metrics.MetricReader {
    protected onForceFlush(): Promise<void> {
      return Promise.resolve();
    }
    protected onShutdown(): Promise<void> {
      return Promise.resolve();
    }
  }
  return new PullReader({ metricProducers });
}

export async function collectFrom(readers: readonly MetricReader[]): Promise<ScopeMetrics[]> {
  const results = await Promise.all(readers.map((reader) => reader.collect({ timeoutMillis: 2_000 })));
  return results.flatMap((result) => result.resourceMetrics.scopeMetrics);
}

export function startTelemetry(settings: OtelSettings, logger: Logger): Telemetry {
  const api = sdk();
  const resource = api.resources.resourceFromAttributes(resourceAttributes(settings));
  const cleanups: (() => void | Promise<void>)[] = [];
  const onError = (message: string): void => logger.error(`${LOG_PREFIX} ${message}`);

  // Traces: one bounded queue per OTLP exporter that takes them.
  // OTLP/HTTP batches are encoded as spans end; gRPC goes through the official exporter, spans queued as objects.
  const scope = { name: SCOPE_NAME };
  const framing = new ExportFraming(resource, scope);
  const queueOptions: SpanQueueOptions = { maxQueue: SPAN_QUEUE, batchSize: SPAN_BATCH, intervalMs: SPAN_INTERVAL_MS, exportTimeoutMs: EXPORT_TIMEOUT_MS + 1_000, onError: (message) => onError(`[OTLP] ${message}`) };
  const queues = settings.otlp
    .filter((exporter) => !exporter.disableTraces)
    .map((exporter) =>
      exporter.useHttp
        ? new EncodedSpanQueue(otlpHttpSpanSender(exporter.url, EXPORT_TIMEOUT_MS), framing, queueOptions)
        : new BoundedSpanQueue(otlpGrpcSpanExporter(exporter.url, EXPORT_TIMEOUT_MS), queueOptions),
    );
  let tracer: LeanTracer | undefined;
  if (queues.length > 0) {
    // The request path records its spans with the lean tracer; the queues flush them off that path.
    tracer = new LeanTracer({ resource, scope, sampleRate: settings.sampleRate, sinks: queues });
    cleanups.push(async () => {
      await Promise.all(queues.map((queue) => queue.shutdown()));
    });
  }
  const droppedSpans = (): number => queues.reduce((sum, queue) => sum + queue.dropped, 0);

  // Metrics: the Prometheus endpoint pulls; each OTLP exporter is pushed to periodically. krakend-otel's
  // instruments reach the SDK's readers as an extra producer (instruments.ts says why).
  const prometheus = settings.prometheus.filter((exporter) => !exporter.disableMetrics);
  const pushed = settings.otlp.filter((candidate) => !candidate.disableMetrics);
  let instruments: Instruments | undefined;
  let pullReader: MetricReader | undefined;
  if (prometheus.length > 0 || pushed.length > 0) {
    const set = new InstrumentSet(SCOPE_NAME, resource);
    instruments = createInstruments(set);
    if (queues.length > 0) set.observedCounter('portico.otel.spans.dropped', 'Spans dropped because an exporter queue was full.', droppedSpans);
    const readers: MetricReader[] = pushed.map(
      (exporter) =>
        new api.metrics.PeriodicExportingMetricReader({
          metricProducers: [set],
          exporter: lazyMetricExporter(otlpMetricExporter(exporter.url, exporter.useHttp, EXPORT_TIMEOUT_MS), api, (message) => onError(`[OTLP] ${message}`)),
          exportIntervalMillis: exporter.periodMs || settings.metricPeriodMs,
          exportTimeoutMillis: Math.min(EXPORT_TIMEOUT_MS, exporter.periodMs || settings.metricPeriodMs),
        }),
    );
    if (prometheus.length > 0) readers.push((pullReader = createPullReader(api, [set])));
    // The provider binds the readers (a reader collects only once bound).
    const provider = new api.metrics.MeterProvider({ resource, readers });
    cleanups.push(() => provider.shutdown({ timeoutMillis: 2_000 }).catch(() => undefined));
  }

  // Process and runtime metrics: a meter of their own, read by the Prometheus endpoint only.
  const pullReaders: MetricReader[] = pullReader ? [pullReader] : [];
  const wantsProcess = prometheus.some((exporter) => exporter.processMetrics);
  const wantsRuntime = prometheus.some((exporter) => exporter.runtimeMetrics);
  if (wantsProcess || wantsRuntime) {
    const runtimeReader = createPullReader(api);
    const provider = new api.metrics.MeterProvider({ resource, readers: [runtimeReader] });
    const meter: Meter = provider.getMeter('portico-runtime');
    if (wantsProcess) registerProcessMetrics(meter);
    if (wantsRuntime) cleanups.push(registerRuntimeMetrics(meter));
    pullReaders.push(runtimeReader);
    cleanups.push(() => provider.shutdown().catch(() => undefined));
  }
  const collect = (): Promise<ScopeMetrics[]> => collectFrom(pullReaders);

  if (prometheus.length > 0) {
    if (cluster.isWorker) {
      // The primary serves /metrics for the whole instance (cli/primary.ts).
      const unsubscribe = answerOtelRequests(collect);
      cleanups.unshift(async () => {
        unsubscribe();
        await Promise.race([sendFinalSnapshot(collect).catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
      });
    } else {
      for (const exporter of prometheus) {
        const listener = startPrometheusServer(exporter, collect, resource, api, logger);
        cleanups.unshift(() => listener.close());
      }
    }
  }

  return {
    settings,
    sdk: api,
    tracer,
    instruments,
    droppedSpans,
    collect,
    async close() {
      for (const cleanup of cleanups) await cleanup();
    },
  };
}

function createInstruments(set: InstrumentSet): Instruments {
  return {
    serverDuration: set.histogram('http.server.duration', TIME_BUCKETS),
    serverSize: set.histogram('http.server.response.size', SIZE_BUCKETS, VALUE_INT),
    proxyDuration: set.histogram('krakend.proxy.duration', TIME_BUCKETS),
    backendDuration: set.histogram('krakend.backend.duration', TIME_BUCKETS),
    clientStarted: set.counter('http.client.request.started.count'),
    clientFailed: set.counter('http.client.request.failed.count'),
    clientCanceled: set.counter('http.client.request.canceled.count'),
    clientTimedOut: set.counter('http.client.request.timedout.count'),
    clientRequestSize: set.counter('http.client.request.size'),
    clientDuration: set.histogram('http.client.duration', TIME_BUCKETS),
    clientResponseSize: set.histogram('http.client.response.size', SIZE_BUCKETS, VALUE_INT),
    clientNoContentLength: set.counter('http.client.response.no-content-length'),
  };
}

/** A push exporter whose OTLP client loads on first use; a failure to load fails that export only. */
function lazyMetricExporter(loading: Promise<import('./sdk.js').PushMetricExporter>, api: OtelSdk, onError: (message: string) => void): import('./sdk.js').PushMetricExporter {
  let lastError = 0;
  loading.catch((error: Error) => onError(`cannot load the metric exporter: ${error.message}`));
  return {
    export(metrics, done) {
      loading.then(
        (exporter) =>
          exporter.export(metrics, (result) => {
            const now = Date.now();
            if (result.code !== 0 && now - lastError > 30_000) {
              lastError = now;
              onError(`could not export metrics: ${result.error?.message ?? 'failed'}`);
            }
            done(result);
          }),
        (error: Error) => done({ code: api.core.ExportResultCode.FAILED, error }),
      );
    },
    async forceFlush() {
      await (await loading).forceFlush();
    },
    async shutdown() {
      try {
        await (await loading).shutdown();
      } catch {
        // Never loaded.
      }
    },
  };
}
