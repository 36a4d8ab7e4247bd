/**
 * `telemetry/opentelemetry` settings, read as krakend-otel's `config` package reads them (`config.go`,
 * `UnsetFieldsToDefaults`): 30 s metric period, sample rate 1, every layer on, the default skip paths,
 * OTLP on localhost:4317 (gRPC), Prometheus on port 9090. Endpoint and backend blocks may override
 * `layers.proxy` and `layers.backend` (and static attributes of `layers.global`), replacing the service's
 * block for that layer as krakend-otel's `state/config.go` does (no merge).
 * Pure: nothing of the OpenTelemetry SDK is loaded here.
 */
import { readBoolean, readInteger, readString, readStrings } from '../block-reader.js';
import type { Block } from '../block-reader.js';

export const OTEL_NAMESPACE = 'telemetry/opentelemetry';

export interface PrometheusExporterSettings {
  name: string;
  host: string;
  port: number;
  /** No host configured: Portico binds the loopback where KrakenD binds every interface (see README). */
  hostDefaulted: boolean;
  processMetrics: boolean;
  runtimeMetrics: boolean;
  disableMetrics: boolean;
}

export interface OtlpExporterSettings {
  name: string;
  /** `http://host:port` for OTLP/HTTP, `host:port` for gRPC. */
  url: string;
  useHttp: boolean;
  disableMetrics: boolean;
  disableTraces: boolean;
  /** `custom_metric_reporting_period` in ms; 0 uses the service's period. */
  periodMs: number;
}

export type Attributes = Record<string, string>;

export interface ProxyLayer {
  disableMetrics: boolean;
  disableTraces: boolean;
  reportHeaders: boolean;
  skipHeaders: ReadonlySet<string>;
  metricsAttributes: Attributes;
  tracesAttributes: Attributes;
}

/** `layers.global`: the proxy layer's keys plus `disable_propagation`. */
export interface GlobalLayer extends ProxyLayer {
  disablePropagation: boolean;
}

export interface BackendLayer {
  metrics: { disableStage: boolean; roundTrip: boolean; readPayload: boolean; detailedConnection: boolean; attributes: Attributes };
  traces: { disableStage: boolean; roundTrip: boolean; readPayload: boolean; detailedConnection: boolean; attributes: Attributes; reportHeaders: boolean; skipHeaders: ReadonlySet<string> };
}

export interface OtelSettings {
  serviceName: string;
  serviceVersion: string;
  deployEnv: string;
  sampleRate: number;
  metricPeriodMs: number;
  skipPaths: ReadonlySet<string>;
  prometheus: PrometheusExporterSettings[];
  otlp: OtlpExporterSettings[];
  global: GlobalLayer;
  proxy: ProxyLayer;
  backend: BackendLayer;
}

/** krakend-otel's default `skip_paths`: a list with an empty string turns them off. */
export const DEFAULT_SKIP_PATHS = ['/__health', '/__debug/', '/__echo/', '/__stats/'];

function objectAt(block: Block, key: string): Block | undefined {
  const value = block[key];
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Block) : undefined;
}

function listAt(block: Block, key: string): Block[] {
  const value = block[key];
  return Array.isArray(value) ? value.filter((item): item is Block => item !== null && typeof item === 'object' && !Array.isArray(item)) : [];
}

/** `[{ "key": "k", "value": "v" }]`; pairs with an empty key or value are dropped, as krakend-otel does. */
function readAttributes(block: Block | undefined, key: string): Attributes {
  const attributes: Attributes = {};
  if (block === undefined) return attributes;
  for (const pair of listAt(block, key)) {
    const name = pair['key'];
    const value = pair['value'];
    if (typeof name === 'string' && typeof value === 'string' && name !== '' && value !== '') attributes[name] = value;
  }
  return attributes;
}

/** Header names as Go canonicalises them, lower-cased for lookups against Node's header names. */
function readSkipHeaders(block: Block | undefined): ReadonlySet<string> {
  return new Set((block === undefined ? [] : readStrings(block, 'skip_headers')).map((name) => name.toLowerCase()));
}

export function readProxyLayer(block: Block | undefined): ProxyLayer {
  return {
    disableMetrics: block !== undefined && readBoolean(block, 'disable_metrics'),
    disableTraces: block !== undefined && readBoolean(block, 'disable_traces'),
    reportHeaders: block !== undefined && readBoolean(block, 'report_headers'),
    skipHeaders: readSkipHeaders(block),
    metricsAttributes: readAttributes(block, 'metrics_static_attributes'),
    tracesAttributes: readAttributes(block, 'traces_static_attributes'),
  };
}

export function readGlobalLayer(block: Block | undefined): GlobalLayer {
  return { ...readProxyLayer(block), disablePropagation: block !== undefined && readBoolean(block, 'disable_propagation') };
}

/** An absent `metrics` or `traces` object means everything on (krakend-otel's defaults). */
export function readBackendLayer(block: Block | undefined): BackendLayer {
  const metrics = block === undefined ? undefined : objectAt(block, 'metrics');
  const traces = block === undefined ? undefined : objectAt(block, 'traces');
  const flags = (part: Block | undefined) => ({
    disableStage: part !== undefined && readBoolean(part, 'disable_stage'),
    roundTrip: part === undefined || readBoolean(part, 'round_trip'),
    readPayload: part === undefined || readBoolean(part, 'read_payload'),
    detailedConnection: part === undefined || readBoolean(part, 'detailed_connection'),
    attributes: readAttributes(part, 'static_attributes'),
  });
  return {
    metrics: flags(metrics),
    traces: { ...flags(traces), reportHeaders: traces !== undefined && readBoolean(traces, 'report_headers'), skipHeaders: readSkipHeaders(traces) },
  };
}

export function layersOf(block: Block): { global?: Block; proxy?: Block; backend?: Block } {
  const layers = objectAt(block, 'layers');
  if (layers === undefined) return {};
  const result: { global?: Block; proxy?: Block; backend?: Block } = {};
  const global = objectAt(layers, 'global');
  const proxy = objectAt(layers, 'proxy');
  const backend = objectAt(layers, 'backend');
  if (global) result.global = global;
  if (proxy) result.proxy = proxy;
  if (backend) result.backend = backend;
  return result;
}

export function readOtelSettings(block: Block, serviceName: string): OtelSettings {
  const exporters = objectAt(block, 'exporters') ?? {};
  const layers = layersOf(block);
  const skip = readStrings(block, 'skip_paths');
  const rate = block['trace_sample_rate'];
  const period = readInteger(block, 'metric_reporting_period', 30);
  return {
    serviceName: readString(block, 'service_name', '') || serviceName || 'KrakenD',
    serviceVersion: readString(block, 'service_version', ''),
    deployEnv: readString(block, 'deploy_env', ''),
    sampleRate: typeof rate === 'number' ? rate : 1,
    metricPeriodMs: (period > 0 ? period : 30) * 1000,
    skipPaths: new Set(skip.length === 0 ? DEFAULT_SKIP_PATHS : skip),
    prometheus: listAt(exporters, 'prometheus').map(readPrometheusExporter),
    otlp: listAt(exporters, 'otlp').map(readOtlpExporter),
    global: readGlobalLayer(layers.global),
    proxy: readProxyLayer(layers.proxy),
    backend: readBackendLayer(layers.backend),
  };
}

function readPrometheusExporter(block: Block): PrometheusExporterSettings {
  // KrakenD's documentation names the bind address `listen_ip`; krakend-otel's struct reads `host`.
  const host = readString(block, 'listen_ip', '') || readString(block, 'host', '');
  return {
    name: readString(block, 'name', ''),
    host: host || '127.0.0.1',
    hostDefaulted: host === '',
    port: readInteger(block, 'port', 0) || 9090,
    processMetrics: readBoolean(block, 'process_metrics'),
    runtimeMetrics: readBoolean(block, 'go_metrics'),
    disableMetrics: readBoolean(block, 'disable_metrics'),
  };
}

function readOtlpExporter(block: Block): OtlpExporterSettings {
  const useHttp = readBoolean(block, 'use_http');
  const host = readString(block, 'host', '') || 'localhost';
  const port = readInteger(block, 'port', 0) || 4317;
  // krakend-otel: a host with a scheme keeps it (https means TLS); without one, plain text.
  const hasScheme = /^https?:\/\//.test(host);
  const base = hasScheme ? `${host}:${port}` : `http://${host}:${port}`;
  const period = readInteger(block, 'custom_metric_reporting_period', 0);
  return {
    name: readString(block, 'name', ''),
    url: base,
    useHttp,
    disableMetrics: readBoolean(block, 'disable_metrics'),
    disableTraces: readBoolean(block, 'disable_traces'),
    periodMs: period >= 1 ? period * 1000 : 0,
  };
}

/** krakend-otel's `SkipEndpoint`: exact match against the endpoint (or, for the router, the path). */
export function skips(settings: OtelSettings, path: string): boolean {
  return settings.skipPaths.has(path);
}

/**
 * lura's URL patterns as krakend-otel reports them (`NormalizeURLPattern`): `{{.Id}}` → `:id`; an
 * endpoint's `{id}` is `:id` as gin routes it.
 */
export function normalizeRoute(pattern: string): string {
  return pattern.replace(/\{\{\.([^}]*)\}\}/g, (_, name: string) => `:${name.toLowerCase()}`).replace(/\{([a-zA-Z\-_0-9]+)\}/g, (_, name: string) => `:${name}`);
}

/** Backend `url_pattern` `{id}` becomes lura's `{{.Id}}`, then krakend-otel lower-cases it: `:id`. */
export function normalizeBackendRoute(urlPattern: string): string {
  return urlPattern.replace(/\{([\w\-.:/]+)\}/g, (_, name: string) => `:${name.toLowerCase()}`);
}
