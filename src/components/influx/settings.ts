/**
 * `telemetry/influx` settings, as krakend-influx's `configGetter` reads them: `address` (required),
 * `ttl` (default 1m), `db` (default `krakend`), `username`, `password`, `buffer_size` (default 0).
 */
import { parseDuration } from '../../config/duration.js';
import { readString } from '../block-reader.js';
import type { Block } from '../block-reader.js';

export const INFLUX_NAMESPACE = 'telemetry/influx';
const DEFAULT_TTL_MS = 60_000;

export interface InfluxSettings {
  /** The server's base URL (`http://influx:8086`). */
  address: URL;
  ttlMs: number;
  db: string;
  username: string;
  password: string;
  /** Failed batches kept for the next write. */
  bufferSize: number;
}

/** The settings, or why the exporter cannot start (KrakenD logs the same and runs without it). */
export function readInfluxSettings(block: Block): InfluxSettings | { problem: string; key: string } {
  const address = readString(block, 'address');
  let url: URL | undefined;
  try {
    url = new URL(address);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    return { problem: address === '' ? 'address is required' : 'address is not an http(s) URL', key: 'address' };
  }
  const ttlText = readString(block, 'ttl');
  const ttlMs = ttlText === '' ? DEFAULT_TTL_MS : parseDuration(ttlText);
  if (ttlMs === undefined || ttlMs <= 0) return { problem: 'ttl is not a positive duration', key: 'ttl' };
  const buffer = block['buffer_size'];
  return {
    address: url,
    ttlMs,
    db: readString(block, 'db', 'krakend'),
    username: readString(block, 'username'),
    password: readString(block, 'password'),
    bufferSize: typeof buffer === 'number' && Number.isInteger(buffer) && buffer > 0 ? buffer : 0,
  };
}
