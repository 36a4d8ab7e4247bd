/**
 * Live numbers come from `telemetry/metrics`' counters and histograms. With `run --console` and no
 * `telemetry/metrics` block, one is added in memory with no listener of its own (an empty
 * `listen_address`), so the console sees the traffic without opening KrakenD's /__stats port. A config
 * that sets the block keeps it as written (with `endpoint_disabled`, the console shows no live numbers).
 */
import { METRICS_NAMESPACE } from '../components/metrics/settings.js';
import type { ServiceConfig } from '../config/types.js';

/** Set in the workers' environment by a primary serving a console. */
export const CONSOLE_WORKER_ENV = 'PORTICO_WORKER_CONSOLE';

/** Histograms (latency percentiles) cover this window. */
const CONSOLE_COLLECTION_TIME = '10s';

export function withConsoleMetrics(config: ServiceConfig): ServiceConfig {
  if (METRICS_NAMESPACE in config.extraConfig) return config;
  return { ...config, extraConfig: { ...config.extraConfig, [METRICS_NAMESPACE]: { collection_time: CONSOLE_COLLECTION_TIME, listen_address: '' } } };
}
