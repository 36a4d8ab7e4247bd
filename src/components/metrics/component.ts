/**
 * `telemetry/metrics` (KrakenD CE's krakend-metrics v2): counters and histograms at the router layer
 * (per endpoint: responses by status, size, time; connections), the proxy layer (`pipe`, per endpoint)
 * and the backend layer (per `url_pattern`), served as JSON on `/__stats` of their own listener.
 *
 * ```json
 * "extra_config": {
 *   "telemetry/metrics": { "collection_time": "60s", "listen_address": "127.0.0.1:8090" }
 * }
 * ```
 *
 * Names follow krakend-metrics (`router.go`, `proxy.go`, `gin/metrics.go`): the endpoint as gin routes it
 * (`/users/:id`) and the backend's `url_pattern` as lura rewrites it (`/users/{{.Id}}`). Nothing is added
 * to any layer without the namespace, nor with `endpoint_disabled` (nothing would read the numbers).
 */
import cluster from 'node:cluster';
import type { ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { BackendConfig, EndpointConfig } from '../../config/types.js';
import type { BuildContext, HandlerMiddleware } from '../../pipeline/types.js';
import type { Middleware } from '../../proxy/types.js';
import { BOOLEAN_SCHEMA, objectSchema } from '../block-reader.js';
import { blockOf } from '../registry.js';
import type { ComponentDefinition } from '../registry.js';
import type { Histogram } from './histogram.js';
import { MetricsRegistry } from './registry.js';
import type { MetricsSnapshot } from './registry.js';
import type { Counter } from './registry.js';
import { answerSnapshotRequests } from './relay.js';
import { METRICS_NAMESPACE, readMetricsSettings } from './settings.js';
import type { MetricsSettings } from './settings.js';
import { closeStatsServer, startStatsServer } from './stats-server.js';

interface Instrumentation {
  settings: MetricsSettings;
  registry: MetricsRegistry;
  connected: Counter;
  disconnected: Counter;
}

const INSTRUMENTATION = Symbol('telemetry/metrics');
/** The registry of each built config, for the console of a one-process `run` (it reads them from outside the build). */
const consoleRegistries = new WeakMap<object, MetricsRegistry>();

/** One set of metrics per built gateway, made by whichever factory runs first. */
function instrumentationFor(context: BuildContext): Instrumentation | undefined {
  const block = blockOf(context.service.extraConfig, METRICS_NAMESPACE);
  if (block === undefined) return undefined;
  const settings = readMetricsSettings(block);
  // With `endpoint_disabled` nothing reads the numbers, unless `telemetry/influx` pushes them (as in KrakenD).
  if (settings.endpointDisabled && blockOf(context.service.extraConfig, 'telemetry/influx') === undefined) return undefined;
  return context.instance(INSTRUMENTATION, () => {
    const made = start(settings, context);
    consoleRegistries.set(context.service, made.registry);
    return made;
  });
}

/** This gateway's metrics, for exporters that push them (`telemetry/influx`); undefined without `telemetry/metrics`. */
export function metricsRegistryOf(context: BuildContext): MetricsRegistry | undefined {
  return instrumentationFor(context)?.registry;
}

function start(settings: MetricsSettings, context: BuildContext): Instrumentation {
  const registry = new MetricsRegistry();
  const connected = registry.counter('krakend.router.connected');
  const disconnected = registry.counter('krakend.router.disconnected');
  const connectedTotal = registry.counter('krakend.router.connected-total');
  const disconnectedTotal = registry.counter('krakend.router.disconnected-total');
  const connectedGauge = registry.gauge('krakend.router.connected-gauge');
  const disconnectedGauge = registry.gauge('krakend.router.disconnected-gauge');
  // krakend-metrics `processMetrics`: each tick moves the connection counts into the totals and gauges
  // (`RouterMetrics.Aggregate`) and clears every histogram (`TakeSnapshot`).
  const timer = setInterval(() => {
    connectedGauge.value = connected.value;
    connectedTotal.value += connected.value;
    connected.value = 0;
    disconnectedGauge.value = disconnected.value;
    disconnectedTotal.value += disconnected.value;
    disconnected.value = 0;
    registry.clearHistograms();
  }, settings.collectionMs);
  timer.unref();
  context.onClose(() => clearInterval(timer));

  if (cluster.isWorker) {
    // The primary serves /__stats for the whole instance (cli/primary.ts).
    context.onClose(answerSnapshotRequests(registry));
  } else if (!settings.addressInvalid && !settings.endpointDisabled) {
    const server = startStatsServer(settings, () => Promise.resolve(registry.snapshot()), context.logger);
    context.onClose(() => closeStatsServer(server));
  }
  return { settings, registry, connected, disconnected };
}

/** gin's route for an endpoint: lura turns `/{id}` segments into `/:id`. */
export function ginRouteName(path: string): string {
  return path.replace(/\/\{([a-zA-Z\-_0-9]+)\}/g, '/:$1');
}

/** lura's `url_pattern` after parsing: `{id}` becomes `{{.Id}}` (first letter upper-cased). */
export function luraBackendName(urlPattern: string): string {
  return urlPattern.replace(/\{([\w\-.:/]+)\}/g, (_, key: string) => `{{.${key.charAt(0).toUpperCase()}${key.slice(1)}}}`);
}

function nanosSince(begin: number): number {
  return Math.round((performance.now() - begin) * 1e6);
}

function byteLength(chunk: unknown, encoding: unknown): number {
  if (typeof chunk === 'string') return Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  if (chunk instanceof Uint8Array) return chunk.byteLength;
  return -1;
}

/** Router layer (krakend-metrics `gin.NewHTTPHandlerFactory`). */
function routerMiddleware(instrumentation: Instrumentation, endpoint: EndpointConfig): HandlerMiddleware {
  const { registry, connected, disconnected } = instrumentation;
  const prefix = `krakend.router.response.${ginRouteName(endpoint.path)}`;
  // `RegisterResponseWriterMetrics`: registered at start, so they are listed before any request.
  registry.counter(`${prefix}.status`);
  const sizes = registry.histogram(`${prefix}.size`);
  const times = registry.histogram(`${prefix}.time`);
  const statuses = new Map<number, Counter>();
  const countStatus = (status: number): void => {
    let counter = statuses.get(status);
    if (counter === undefined) statuses.set(status, (counter = registry.counter(`${prefix}.status.${status}.count`)));
    counter.value++;
  };
  return (next) =>
    function measuredEndpoint(context) {
      const response = context.response;
      connected.value++;
      const socket = context.request.socket as Partial<TLSSocket>;
      if (socket.encrypted === true) countTls(registry, socket as TLSSocket);
      const begin = performance.now();
      const size = watchBodySize(response);
      response.on('close', () => {
        countStatus(response.statusCode);
        sizes.update(size.bytes);
        times.update(nanosSince(begin));
        disconnected.value++;
      });
      next(context);
    };
}

/** gin's `ResponseWriter.Size()`: body bytes written, -1 when nothing was. */
export function watchBodySize(response: ServerResponse): { bytes: number } {
  const size = { bytes: -1 };
  const write = response.write;
  const end = response.end;
  const add = (chunk: unknown, encoding: unknown): void => {
    const length = byteLength(chunk, encoding);
    // An empty write is no body: lura writes nothing for an error without a message (gin reports -1).
    if (length > 0) size.bytes = Math.max(size.bytes, 0) + length;
  };
  // Fixed parameters, no rest array a call: Node's write and end read no more than these three.
  response.write = function countedWrite(this: ServerResponse, chunk: unknown, encoding?: unknown, callback?: unknown) {
    add(chunk, encoding);
    return (write as (chunk: unknown, encoding: unknown, callback: unknown) => boolean).call(this, chunk, encoding, callback);
  } as ServerResponse['write'];
  response.end = function countedEnd(this: ServerResponse, chunk?: unknown, encoding?: unknown, callback?: unknown) {
    if (typeof chunk !== 'function') add(chunk, encoding);
    return (end as (chunk: unknown, encoding: unknown, callback: unknown) => ServerResponse).call(this, chunk, encoding, callback);
  } as ServerResponse['end'];
  return size;
}

const TLS_VERSIONS: Record<string, string> = { TLSv1: 'VersionTLS10', 'TLSv1.1': 'VersionTLS11', 'TLSv1.2': 'VersionTLS12', 'TLSv1.3': 'VersionTLS13', SSLv3: 'VersionSSL30' };

/** `RouterMetrics.Connection` on TLS: one count per version and cipher suite (IANA names, as Go's). */
function countTls(registry: MetricsRegistry, socket: TLSSocket): void {
  const version = TLS_VERSIONS[socket.getProtocol?.() ?? ''];
  const cipher = socket.getCipher?.()?.standardName;
  // Go's map lookup of an unknown value yields "".
  registry.counter(`krakend.router.tls_version.${version ?? ''}.count`).value++;
  registry.counter(`krakend.router.tls_cipher.${cipher ?? ''}.count`).value++;
}

/** krakend-metrics `NewProxyMiddleware`: requests and latency by completeness and error, all four registered at start. */
function layerMiddleware(registry: MetricsRegistry, layer: 'pipe' | 'backend', name: string): Middleware {
  const counters: Counter[] = [];
  const latencies: Histogram[] = [];
  for (const complete of [true, false]) {
    for (const errored of [true, false]) {
      const labels = `layer.${layer}.name.${name}.complete.${complete}.error.${errored}`;
      counters.push(registry.counter(`krakend.proxy.requests.${labels}`));
      latencies.push(registry.histogram(`krakend.proxy.latency.${labels}`));
    }
  }
  // Index: complete true/false × error true/false, in the order registered above.
  const record = (begin: number, complete: boolean, errored: boolean): void => {
    const index = (complete ? 0 : 2) + (errored ? 0 : 1);
    (counters[index] as Counter).value++;
    (latencies[index] as Histogram).update(nanosSince(begin));
  };
  return (next) =>
    async function measuredProxy(request, cancel) {
      const begin = performance.now();
      try {
        const response = await next(request, cancel);
        record(begin, response.isComplete, response.error !== undefined);
        return response;
      } catch (error) {
        record(begin, false, true);
        throw error;
      }
    };
}

export const metricsComponent: ComponentDefinition = {
  namespace: METRICS_NAMESPACE,
  schemas: {
    service: objectSchema({
      collection_time: { type: 'string' },
      listen_address: { type: 'string' },
      proxy_disabled: BOOLEAN_SCHEMA,
      router_disabled: BOOLEAN_SCHEMA,
      backend_disabled: BOOLEAN_SCHEMA,
      endpoint_disabled: BOOLEAN_SCHEMA,
    }),
  },
  validate(block, _scope, at, issues) {
    const settings = readMetricsSettings(block);
    if (settings.endpointDisabled) return;
    if (settings.collectionDefaulted) {
      issues.warning({ code: 'PRT_WARN_CONFIG_METRICS', at: [...at, 'collection_time'], message: 'collection_time is not a positive duration; using 1m, as KrakenD does with an unparseable one', found: block['collection_time'] });
    }
    if (settings.addressInvalid) {
      issues.warning({ code: 'PRT_WARN_CONFIG_METRICS', at: [...at, 'listen_address'], message: 'listen_address is not host:port; /__stats is not served (KrakenD logs the same failure and runs on)', found: settings.listenAddress });
    } else if (settings.hostDefaulted) {
      issues.warning({
        code: 'PRT_WARN_CONFIG_METRICS',
        at: [...at, 'listen_address'],
        message: `the stats listener binds 127.0.0.1:${settings.port}, not every interface as KrakenD does`,
        hint: `write "0.0.0.0:${settings.port}" to serve /__stats on every interface`,
        found: settings.listenAddress,
      });
    }
  },
  // Starts the stats listener (or, in a worker, answers the primary); adds no layer.
  service(_block, context) {
    instrumentationFor(context);
    return undefined;
  },
  endpoint(_block, endpoint, context) {
    const instrumentation = instrumentationFor(context);
    if (instrumentation === undefined || instrumentation.settings.routerDisabled) return undefined;
    return routerMiddleware(instrumentation, endpoint);
  },
  proxy(_block, endpoint, context) {
    const instrumentation = instrumentationFor(context);
    if (instrumentation === undefined || instrumentation.settings.proxyDisabled) return undefined;
    return layerMiddleware(instrumentation.registry, 'pipe', ginRouteName(endpoint.path));
  },
  backend(_block, backend: BackendConfig, _endpoint, context) {
    const instrumentation = instrumentationFor(context);
    if (instrumentation === undefined || instrumentation.settings.backendDisabled) return undefined;
    return layerMiddleware(instrumentation.registry, 'backend', luraBackendName(backend.urlPattern));
  },
};

/** This process's metrics of a built gateway (the console's live numbers without `run -w N`). */
export function localMetricsSnapshot(service: object): MetricsSnapshot | undefined {
  return consoleRegistries.get(service)?.snapshot();
}
