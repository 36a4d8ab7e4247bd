/**
 * The OpenTelemetry SDK, loaded with `import()` only when a config names `telemetry/opentelemetry` (the
 * component's `prepare` step): a gateway without the namespace never loads a byte of it. The OTLP
 * exporters (gRPC pulls in @grpc/grpc-js) load on their first export, off the request path.
 */
import type * as Api from '@opentelemetry/api';
import type * as Core from '@opentelemetry/core';
import type * as Resources from '@opentelemetry/resources';
import type * as SdkMetrics from '@opentelemetry/sdk-metrics';
import type * as SdkTrace from '@opentelemetry/sdk-trace-base';
import type * as PrometheusExporter from '@opentelemetry/exporter-prometheus';
import type { OtlpProtoSpanSender } from './otlp-proto-exporter.js';

export interface OtelSdk {
  api: typeof Api;
  core: typeof Core;
  resources: typeof Resources;
  metrics: typeof SdkMetrics;
  trace: typeof SdkTrace;
  prometheus: typeof PrometheusExporter;
}

let loaded: OtelSdk | undefined;
let loading: Promise<OtelSdk> | undefined;

export function loadSdk(): Promise<OtelSdk> {
  loading ??= Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-metrics'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-prometheus'),
  ]).then(([api, core, resources, metrics, trace, prometheus]) => (loaded = { api, core, resources, metrics, trace, prometheus }));
  return loading;
}

/** The SDK, once `loadSdk` has resolved (the factories run after `prepare`). */
export function sdk(): OtelSdk {
  if (loaded === undefined) throw new Error('telemetry/opentelemetry: the OpenTelemetry SDK was not loaded before the gateway was built');
  return loaded;
}

export type SpanExporter = SdkTrace.SpanExporter;
export type PushMetricExporter = SdkMetrics.PushMetricExporter;

/** OTLP exporters, each loaded on first use. */
export async function otlpHttpSpanSender(url: string, timeoutMillis: number): Promise<OtlpProtoSpanSender> {
  // Protobuf, as krakend-otel's `use_http` sends (Go's otlptracehttp), encoded by Portico (cheaper).
  const { OtlpProtoSpanSender } = await import('./otlp-proto-exporter.js');
  return new OtlpProtoSpanSender(url, timeoutMillis);
}

export async function otlpGrpcSpanExporter(url: string, timeoutMillis: number): Promise<SpanExporter> {
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-grpc');
  return new OTLPTraceExporter({ url, timeoutMillis, concurrencyLimit: 2 });
}

export async function otlpMetricExporter(url: string, useHttp: boolean, timeoutMillis: number): Promise<PushMetricExporter> {
  if (useHttp) {
    // Protobuf, as krakend-otel's otlpmetrichttp sends it.
    const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-proto');
    return new OTLPMetricExporter({ url: `${url}/v1/metrics`, timeoutMillis, concurrencyLimit: 2 });
  }
  const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-grpc');
  return new OTLPMetricExporter({ url, timeoutMillis, concurrencyLimit: 2 });
}
