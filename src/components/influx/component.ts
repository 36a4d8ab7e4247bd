/**
 * `telemetry/influx` (krakend-influx): pushes the `telemetry/metrics` measurements to InfluxDB 1.x every
 * `ttl`. It adds no layer to any request: the service factory only starts the pusher beside the gateway.
 * With `run -w N` the primary pushes the workers' summed metrics (cli/primary.ts), one series per instance
 * as with one KrakenD process; the workers push nothing.
 *
 * ```json
 * "telemetry/influx": { "address": "http://influx:8086", "ttl": "25s", "buffer_size": 100, "db": "krakend" }
 * ```
 */
import cluster from 'node:cluster';
import type { Logger } from '../../core/logger.js';
import { BOOLEAN_SCHEMA, objectSchema } from '../block-reader.js';
import { metricsRegistryOf } from '../metrics/component.js';
import type { MetricsSnapshot } from '../metrics/registry.js';
import { METRICS_NAMESPACE } from '../metrics/settings.js';
import type { ComponentDefinition } from '../registry.js';
import { blockOf } from '../registry.js';
import { startInfluxPusher } from './pusher.js';
import type { InfluxPusher } from './pusher.js';
import { INFLUX_NAMESPACE, readInfluxSettings } from './settings.js';

/** Starts the pusher when the block is usable; undefined otherwise (the reason was a config warning). */
export function startInflux(block: Record<string, unknown>, collect: () => Promise<MetricsSnapshot>, logger: Logger): InfluxPusher | undefined {
  const settings = readInfluxSettings(block);
  if ('problem' in settings) return undefined;
  return startInfluxPusher(settings, collect, logger);
}

export const influxComponent: ComponentDefinition = {
  namespace: INFLUX_NAMESPACE,
  schemas: {
    service: objectSchema({
      address: { type: 'string' },
      ttl: { type: 'string' },
      buffer_size: { type: 'integer', minimum: 0 },
      db: { type: 'string' },
      username: { type: 'string' },
      password: { type: 'string' },
      /** KrakenD's schema lists it; krakend-influx never reads it. */
      data_server_enabled: BOOLEAN_SCHEMA,
    }),
  },
  validate(block, _scope, at, issues, service) {
    const settings = readInfluxSettings(block);
    if ('problem' in settings) {
      issues.warning({ code: 'PRT_WARN_CONFIG_INFLUX', at: [...at, settings.key], message: `${settings.problem}: nothing is pushed to InfluxDB (KrakenD logs the same and runs on)`, found: block[settings.key] });
      return;
    }
    if (blockOf(service.extraConfig, METRICS_NAMESPACE) === undefined) {
      issues.warning({ code: 'PRT_WARN_CONFIG_INFLUX', at, message: 'telemetry/influx pushes what telemetry/metrics measures, and it is not configured: nothing is pushed', hint: 'add "telemetry/metrics": {} to extra_config' });
    }
  },
  service(block, context) {
    // A worker's numbers reach InfluxDB through the primary's sum.
    if (cluster.isWorker) return undefined;
    const registry = metricsRegistryOf(context);
    if (registry === undefined) return undefined;
    const pusher = startInflux(block, () => Promise.resolve(registry.snapshot()), context.logger);
    if (pusher) context.onClose(() => pusher.stop());
    return undefined;
  },
};
