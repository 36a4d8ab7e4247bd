/**
 * `telemetry/metrics` settings, read as krakend-metrics v2 `ConfigGetter` reads them: `collection_time`
 * (default 1m; an unparseable one falls back to 1m), `listen_address` (default `:8090`) and the four
 * `*_disabled` switches.
 */
import { parseDuration } from '../../config/duration.js';
import { readBoolean, readString } from '../block-reader.js';
import type { Block } from '../block-reader.js';

export const METRICS_NAMESPACE = 'telemetry/metrics';
const DEFAULT_LISTEN_ADDRESS = ':8090';
const DEFAULT_COLLECTION_MS = 60_000;

export interface MetricsSettings {
  collectionMs: number;
  /** Whether `collection_time` was unusable and the default was taken. */
  collectionDefaulted: boolean;
  listenAddress: string;
  /** Where the stats listener binds; `host` is 127.0.0.1 when the address names no host (see README). */
  host: string;
  port: number;
  /** The address names no host: KrakenD binds every interface, Portico the loopback. */
  hostDefaulted: boolean;
  /** The address is not `host:port`. */
  addressInvalid: boolean;
  proxyDisabled: boolean;
  routerDisabled: boolean;
  backendDisabled: boolean;
  endpointDisabled: boolean;
}

export function readMetricsSettings(block: Block): MetricsSettings {
  const collection = readString(block, 'collection_time', '');
  const parsed = collection === '' ? undefined : parseDuration(collection);
  const collectionMs = parsed !== undefined && parsed > 0 ? parsed : DEFAULT_COLLECTION_MS;
  const listenAddress = readString(block, 'listen_address', DEFAULT_LISTEN_ADDRESS);
  const address = splitHostPort(listenAddress);
  return {
    collectionMs,
    collectionDefaulted: collection !== '' && collectionMs !== parsed,
    listenAddress,
    host: address?.host || '127.0.0.1',
    port: address?.port ?? 8090,
    hostDefaulted: address !== undefined && address.host === '',
    addressInvalid: address === undefined,
    proxyDisabled: readBoolean(block, 'proxy_disabled'),
    routerDisabled: readBoolean(block, 'router_disabled'),
    backendDisabled: readBoolean(block, 'backend_disabled'),
    endpointDisabled: readBoolean(block, 'endpoint_disabled'),
  };
}

/** Go's `net.SplitHostPort` for the forms a listen address takes: `:8090`, `host:8090`, `[::1]:8090`. */
export function splitHostPort(address: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(address);
  if (match === null) return undefined;
  const port = Number(match[3]);
  if (port > 65535) return undefined;
  return { host: match[1] ?? match[2] ?? '', port };
}
