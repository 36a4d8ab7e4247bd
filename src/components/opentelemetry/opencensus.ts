/**
 * `telemetry/opencensus` (krakend-opencensus, deprecated by KrakenD in favour of OpenTelemetry): read
 * and mapped onto the `telemetry/opentelemetry` pipeline for the exporters that still have a live
 * counterpart. Metric names are krakend-otel's, not OpenCensus's (a dashboard written for the old names
 * needs the new ones; deploy/grafana has one).
 * - `sample_rate` (percent, default 0: nothing traced) → `trace_sample_rate` (0 turns traces off);
 * - `reporting_period` (seconds, 0 = OpenCensus's 10 s) → `metric_reporting_period`;
 * - `enabled_layers` {router, pipe, backend} (all on when absent, each off when absent from it);
 * - `exporters.prometheus` {port} → a Prometheus exporter; `namespace` and the `tag_*` switches have no
 *   counterpart (the attributes are krakend-otel's);
 * - `exporters.ocagent` {address} → OTLP over gRPC at that address (an OpenTelemetry Collector receives
 *   both protocols; a bare OpenCensus agent does not);
 * - `exporters.jaeger` {endpoint} → OTLP over HTTP to the same host on 4318 (Jaeger takes OTLP since 1.35);
 * - the other exporters (zipkin, influxdb, xray, stackdriver, datadog, logger) are not mapped.
 */
import type { Block } from '../block-reader.js';
import type { ServiceConfig } from '../../config/types.js';
import { blockOf } from '../registry.js';
import { OTEL_NAMESPACE } from './settings.js';

export const OPENCENSUS_NAMESPACE = 'telemetry/opencensus';

export interface MappingNote {
  key: string;
  message: string;
}

function objectAt(block: Block, key: string): Block | undefined {
  const value = block[key];
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Block) : undefined;
}

const UNMAPPED = ['zipkin', 'influxdb', 'xray', 'stackdriver', 'datadog', 'logger'];

export function mapOpenCensus(block: Block, serviceName: string): { otel: Block; notes: MappingNote[] } {
  const notes: MappingNote[] = [];
  const exporters = objectAt(block, 'exporters') ?? {};
  const rate = typeof block['sample_rate'] === 'number' ? Math.min(Math.max(block['sample_rate'], 0), 100) : 0;
  const period = typeof block['reporting_period'] === 'number' && block['reporting_period'] > 0 ? Math.round(block['reporting_period']) : 10;
  const layers = objectAt(block, 'enabled_layers');
  const on = (name: string): boolean => layers === undefined || layers[name] === true;
  const prometheus: Block[] = [];
  const otlp: Block[] = [];

  const promBlock = objectAt(exporters, 'prometheus');
  if (promBlock) {
    prometheus.push({ name: 'opencensus-prometheus', port: typeof promBlock['port'] === 'number' ? promBlock['port'] : 9091, ...(typeof promBlock['listen_ip'] === 'string' ? { listen_ip: promBlock['listen_ip'] } : {}) });
    if (promBlock['namespace'] !== undefined || Object.keys(promBlock).some((key) => key.startsWith('tag_'))) {
      notes.push({ key: 'exporters.prometheus', message: 'namespace and tag_* have no OpenTelemetry counterpart: the metrics carry krakend-otel\'s names and attributes' });
    }
  }
  const agent = objectAt(exporters, 'ocagent');
  if (agent) {
    const address = typeof agent['address'] === 'string' && agent['address'] !== '' ? agent['address'] : 'localhost:55678';
    const [host, port] = splitAddress(address, 55678);
    otlp.push({ name: 'opencensus-ocagent', host: agent['insecure'] === false ? `https://${host}` : host, port, use_http: false });
    notes.push({ key: 'exporters.ocagent', message: `sent as OTLP over gRPC to ${host}:${port}: point it at an OpenTelemetry Collector (a plain OpenCensus agent does not speak OTLP)` });
  }
  const jaeger = objectAt(exporters, 'jaeger');
  if (jaeger) {
    let host = 'localhost';
    try {
      host = new URL(String(jaeger['endpoint'] ?? '')).hostname || host;
    } catch {
      // No usable endpoint: Jaeger on this host.
    }
    otlp.push({ name: 'opencensus-jaeger', host, port: 4318, use_http: true, disable_metrics: true });
    notes.push({ key: 'exporters.jaeger', message: `sent as OTLP over HTTP to ${host}:4318 (Jaeger receives OTLP since 1.35; its Thrift endpoint is not used)` });
  }
  for (const name of UNMAPPED) {
    if (exporters[name] !== undefined) notes.push({ key: `exporters.${name}`, message: `the ${name} exporter has no OpenTelemetry mapping in Portico and is ignored` });
  }
  const traced = rate > 0;
  const otel: Block = {
    service_name: serviceName,
    trace_sample_rate: traced ? rate / 100 : 1,
    metric_reporting_period: period,
    exporters: { prometheus, otlp },
    layers: {
      global: { disable_metrics: !on('router'), disable_traces: !on('router') || !traced },
      proxy: { disable_metrics: !on('pipe'), disable_traces: !on('pipe') || !traced },
      backend: {
        metrics: { disable_stage: !on('backend'), round_trip: on('backend'), read_payload: false, detailed_connection: false },
        traces: { disable_stage: !on('backend') || !traced, round_trip: on('backend') && traced, read_payload: false, detailed_connection: false },
      },
    },
  };
  return { otel, notes };
}

function splitAddress(address: string, fallbackPort: number): [string, number] {
  const match = /^(.*):(\d+)$/.exec(address);
  return match ? [match[1] as string, Number(match[2])] : [address, fallbackPort];
}

/** The root block the pipeline runs on: `telemetry/opentelemetry`, else a mapped `telemetry/opencensus`. */
export function otelRootBlock(service: Pick<ServiceConfig, 'extraConfig' | 'name'>): Block | undefined {
  const otel = blockOf(service.extraConfig, OTEL_NAMESPACE);
  if (otel !== undefined) return otel;
  const census = blockOf(service.extraConfig, OPENCENSUS_NAMESPACE);
  return census === undefined ? undefined : mapOpenCensus(census, service.name ?? '').otel;
}
