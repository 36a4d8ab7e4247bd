/**
 * `telemetry/opentelemetry` (krakend-otel): traces to OTLP collectors, metrics to OTLP collectors and a
 * Prometheus `/metrics` endpoint, with krakend-otel's span names, metric names, units and attributes.
 *
 * ```json
 * "telemetry/opentelemetry": {
 *   "service_name": "gateway", "trace_sample_rate": 0.25,
 *   "exporters": {
 *     "prometheus": [{ "name": "local", "port": 9091, "listen_ip": "0.0.0.0", "process_metrics": true }],
 *     "otlp": [{ "name": "collector", "host": "otel-collector", "port": 4317 }]
 *   }
 * }
 * ```
 *
 * The SDK is imported only when the namespace is in the config (`prepare`); without it nothing is
 * added to any layer. An endpoint's block may replace `layers.proxy` (and add `layers.global` static
 * attributes); a backend's block may replace `layers.backend`.
 */
import type { BackendConfig, EndpointConfig } from '../../config/types.js';
import type { BuildContext } from '../../pipeline/types.js';
import { BOOLEAN_SCHEMA, objectSchema, STRINGS_SCHEMA } from '../block-reader.js';
import { blockOf } from '../registry.js';
import type { ComponentDefinition } from '../registry.js';
import { backendMiddleware, clientMiddleware, endpointMiddleware, proxyMiddleware, routerMiddleware } from './layers.js';
import { mapOpenCensus, OPENCENSUS_NAMESPACE, otelRootBlock } from './opencensus.js';
import { loadSdk } from './sdk.js';
import { layersOf, normalizeRoute, OTEL_NAMESPACE, readBackendLayer, readGlobalLayer, readOtelSettings, readProxyLayer } from './settings.js';
import type { BackendLayer } from './settings.js';
import { startTelemetry } from './telemetry.js';
import type { Telemetry } from './telemetry.js';

const TELEMETRY = Symbol('telemetry/opentelemetry pipeline');

/** One pipeline per built gateway, closed with it. */
function telemetryFor(context: BuildContext): Telemetry | undefined {
  const block = otelRootBlock(context.service);
  if (block === undefined) return undefined;
  return context.instance(TELEMETRY, () => {
    const telemetry = startTelemetry(readOtelSettings(block, context.service.name ?? ''), context.logger);
    context.onClose(() => telemetry.close());
    return telemetry;
  });
}

function skipsEndpoint(telemetry: Telemetry, endpoint: EndpointConfig): boolean {
  return telemetry.settings.skipPaths.has(endpoint.path) || telemetry.settings.skipPaths.has(normalizeRoute(endpoint.path));
}

/** krakend-otel `mergedBackendOpts`: the backend's own `layers.backend` replaces the service's. */
function backendLayerOf(telemetry: Telemetry, backend: BackendConfig): BackendLayer {
  const own = blockOf(backend.extraConfig, OTEL_NAMESPACE);
  const layer = own === undefined ? undefined : layersOf(own).backend;
  return layer === undefined ? telemetry.settings.backend : readBackendLayer(layer);
}

const ATTRIBUTES_SCHEMA = { type: 'array', items: objectSchema({ key: { type: 'string' }, value: { type: 'string' } }) };
const STAGE_SCHEMA = {
  disable_metrics: BOOLEAN_SCHEMA,
  disable_traces: BOOLEAN_SCHEMA,
  report_headers: BOOLEAN_SCHEMA,
  skip_headers: STRINGS_SCHEMA,
  metrics_static_attributes: ATTRIBUTES_SCHEMA,
  traces_static_attributes: ATTRIBUTES_SCHEMA,
};
const BACKEND_PART = {
  disable_stage: BOOLEAN_SCHEMA,
  round_trip: BOOLEAN_SCHEMA,
  read_payload: BOOLEAN_SCHEMA,
  detailed_connection: BOOLEAN_SCHEMA,
  static_attributes: ATTRIBUTES_SCHEMA,
};
const LAYERS_SCHEMA = objectSchema({
  global: objectSchema({ ...STAGE_SCHEMA, disable_propagation: BOOLEAN_SCHEMA, semantic_convention: { type: 'string' } }),
  proxy: objectSchema(STAGE_SCHEMA),
  backend: objectSchema({
    metrics: objectSchema(BACKEND_PART),
    traces: objectSchema({ ...BACKEND_PART, report_headers: BOOLEAN_SCHEMA, skip_headers: STRINGS_SCHEMA }),
  }),
});
const PORT_SCHEMA = { type: 'integer', minimum: 0, maximum: 65535 };

/**
 * The layers of one namespace. `telemetry/opencensus` adds them only when `telemetry/opentelemetry` is
 * absent (both present: OpenTelemetry wins, one set of layers).
 */
function factoriesFor(namespace: string): Pick<ComponentDefinition, 'service' | 'endpoint' | 'proxy' | 'backend' | 'client'> {
  const active = (context: BuildContext): Telemetry | undefined =>
    namespace !== OTEL_NAMESPACE && blockOf(context.service.extraConfig, OTEL_NAMESPACE) !== undefined ? undefined : telemetryFor(context);
  return {
    service(_block, context) {
      const telemetry = active(context);
      if (telemetry === undefined) return undefined;
      const global = telemetry.settings.global;
      if (global.disableMetrics && global.disableTraces && global.disablePropagation) return undefined;
      return routerMiddleware(telemetry, global);
    },
    endpoint(block, endpoint, context) {
      const telemetry = active(context);
      if (telemetry === undefined || skipsEndpoint(telemetry, endpoint)) return undefined;
      const own = blockOf(endpoint.extraConfig, OTEL_NAMESPACE) === block ? layersOf(block).global : undefined;
      return endpointMiddleware(endpoint, own === undefined ? undefined : readGlobalLayer(own));
    },
    proxy(block, endpoint, context) {
      const telemetry = active(context);
      if (telemetry === undefined || skipsEndpoint(telemetry, endpoint)) return undefined;
      const own = blockOf(endpoint.extraConfig, OTEL_NAMESPACE) === block ? layersOf(block).proxy : undefined;
      return proxyMiddleware(telemetry, endpoint, own === undefined ? telemetry.settings.proxy : readProxyLayer(own));
    },
    backend(_block, backend, endpoint, context) {
      const telemetry = active(context);
      if (telemetry === undefined || skipsEndpoint(telemetry, endpoint)) return undefined;
      return backendMiddleware(telemetry, backend, endpoint, backendLayerOf(telemetry, backend));
    },
    client(_block, backend, endpoint, context) {
      const telemetry = active(context);
      if (telemetry === undefined || skipsEndpoint(telemetry, endpoint)) return undefined;
      return clientMiddleware(telemetry, backend, endpoint, backendLayerOf(telemetry, backend));
    },
  };
}

export const openTelemetryComponent: ComponentDefinition = {
  namespace: OTEL_NAMESPACE,
  schemas: {
    service: objectSchema({
      service_name: { type: 'string' },
      service_version: { type: 'string' },
      deploy_env: { type: 'string' },
      trace_sample_rate: { type: 'number', minimum: 0, maximum: 1 },
      metric_reporting_period: { type: 'integer', minimum: 0 },
      skip_paths: STRINGS_SCHEMA,
      exporters: objectSchema({
        prometheus: {
          type: 'array',
          items: objectSchema({
            name: { type: 'string' },
            port: PORT_SCHEMA,
            listen_ip: { type: 'string' },
            host: { type: 'string' },
            process_metrics: BOOLEAN_SCHEMA,
            go_metrics: BOOLEAN_SCHEMA,
            disable_metrics: BOOLEAN_SCHEMA,
          }),
        },
        otlp: {
          type: 'array',
          items: objectSchema({
            name: { type: 'string' },
            host: { type: 'string' },
            port: PORT_SCHEMA,
            use_http: BOOLEAN_SCHEMA,
            disable_metrics: BOOLEAN_SCHEMA,
            disable_traces: BOOLEAN_SCHEMA,
            custom_metric_reporting_period: { type: 'integer', minimum: 0 },
          }),
        },
      }),
      layers: LAYERS_SCHEMA,
    }),
    endpoint: objectSchema({ layers: LAYERS_SCHEMA }),
    backend: objectSchema({ layers: LAYERS_SCHEMA }),
  },
  prepare: async () => {
    await loadSdk();
  },
  validate(block, scope, at, issues, service) {
    if (scope !== 'service') {
      if (blockOf(service.extraConfig, OTEL_NAMESPACE) === undefined) {
        issues.warning({ code: 'PRT_WARN_CONFIG_OTEL', at, message: 'telemetry/opentelemetry is not set at the root of the configuration; this override has no effect', found: Object.keys(block) });
      }
      return;
    }
    const settings = readOtelSettings(block, service.name ?? '');
    const names = new Map<string, string>();
    const ports = new Map<number, number>();
    settings.prometheus.forEach((exporter, index) => {
      const where = [...at, 'exporters', 'prometheus', index];
      if (names.has(exporter.name)) {
        issues.warning({ code: 'PRT_WARN_CONFIG_OTEL', at: [...where, 'name'], message: `exporter name "${exporter.name}" is already used by ${names.get(exporter.name)}; KrakenD refuses to start OpenTelemetry with duplicate names, Portico runs both`, found: exporter.name });
      }
      names.set(exporter.name, `exporters.prometheus[${index}]`);
      if (ports.has(exporter.port)) {
        issues.warning({ code: 'PRT_WARN_CONFIG_OTEL', at: [...where, 'port'], message: `port ${exporter.port} is also the port of exporters.prometheus[${ports.get(exporter.port)}]; only one of them can listen`, found: exporter.port });
      }
      ports.set(exporter.port, index);
      if (exporter.hostDefaulted) {
        issues.warning({
          code: 'PRT_WARN_CONFIG_OTEL',
          at: [...where, 'listen_ip'],
          message: `the Prometheus exporter binds 127.0.0.1:${exporter.port}, not every interface as KrakenD does`,
          hint: 'write "listen_ip": "0.0.0.0" to let a Prometheus server on another host scrape it',
        });
      }
    });
    settings.otlp.forEach((exporter, index) => {
      const where = [...at, 'exporters', 'otlp', index];
      if (names.has(exporter.name)) {
        issues.warning({ code: 'PRT_WARN_CONFIG_OTEL', at: [...where, 'name'], message: `exporter name "${exporter.name}" is already used by ${names.get(exporter.name)}; KrakenD refuses to start OpenTelemetry with duplicate names, Portico runs both`, found: exporter.name });
      }
      names.set(exporter.name, `exporters.otlp[${index}]`);
    });
    if (settings.prometheus.length === 0 && settings.otlp.length === 0) {
      issues.warning({ code: 'PRT_WARN_CONFIG_OTEL', at: [...at, 'exporters'], message: 'no exporter is configured: traces and metrics go nowhere (only the trace context is propagated to the backends)' });
    }
    if (block['trace_sample_rate'] === 0) {
      issues.warning({ code: 'PRT_WARN_CONFIG_OTEL', at: [...at, 'trace_sample_rate'], message: 'a sample rate of 0 samples every trace, as in KrakenD; set layers.global.disable_traces to stop tracing', found: 0 });
    }
  },
  ...factoriesFor(OTEL_NAMESPACE),
};

/** `telemetry/opencensus`: deprecated by KrakenD; mapped onto the OpenTelemetry pipeline (opencensus.ts). */
export const openCensusComponent: ComponentDefinition = {
  namespace: OPENCENSUS_NAMESPACE,
  schemas: {
    service: objectSchema({
      sample_rate: { type: 'integer', minimum: 0, maximum: 100 },
      reporting_period: { type: 'integer', minimum: 0 },
      enabled_layers: objectSchema({ router: BOOLEAN_SCHEMA, pipe: BOOLEAN_SCHEMA, backend: BOOLEAN_SCHEMA }),
      exporters: { type: 'object' },
    }),
  },
  prepare: async () => {
    await loadSdk();
  },
  validate(block, _scope, at, issues, service) {
    if (blockOf(service.extraConfig, OTEL_NAMESPACE) !== undefined) {
      issues.warning({ code: 'PRT_WARN_CONFIG_OPENCENSUS', at, message: 'telemetry/opencensus is ignored: telemetry/opentelemetry is also configured' });
      return;
    }
    issues.warning({
      code: 'PRT_WARN_CONFIG_OPENCENSUS',
      at,
      message: 'telemetry/opencensus is deprecated (KrakenD replaced it with telemetry/opentelemetry); Portico maps it onto its OpenTelemetry pipeline, with krakend-otel metric names',
      hint: 'move to telemetry/opentelemetry: https://www.krakend.io/docs/telemetry/opentelemetry/',
    });
    for (const note of mapOpenCensus(block, service.name ?? '').notes) {
      issues.warning({ code: 'PRT_WARN_CONFIG_OPENCENSUS', at: [...at, ...note.key.split('.')], message: note.message });
    }
  },
  ...factoriesFor(OPENCENSUS_NAMESPACE),
};
