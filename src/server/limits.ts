/**
 * Server timeouts and limits from the config. Node checks `headersTimeout` and `requestTimeout` only
 * every `connectionsCheckingInterval` (30 s by default); it is lowered to 500 ms so a slow client is cut
 * within about a second of its deadline.
 */
import type { ServerOptions } from 'node:http';
import type { ServerSettings } from '../config/types.js';

/** Used when the config leaves `read_header_timeout` and `read_timeout` unset. */
const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
const CHECK_INTERVAL_MS = 500;

export function serverOptions(settings: ServerSettings): ServerOptions {
  const headersTimeout = Math.max(1, Math.ceil(settings.readHeaderTimeoutMs || settings.readTimeoutMs || DEFAULT_HEADERS_TIMEOUT_MS));
  // read_timeout bounds reading the whole request; write_timeout the whole exchange.
  const whole = Math.max(settings.readTimeoutMs, settings.writeTimeoutMs);
  return {
    maxHeaderSize: settings.maxHeaderBytes,
    headersTimeout,
    requestTimeout: whole > 0 ? Math.max(Math.ceil(whole), headersTimeout) : 0,
    // Go's IdleTimeout between keep-alive requests; Node's 5 s when unset.
    keepAliveTimeout: settings.idleTimeoutMs > 0 ? Math.ceil(settings.idleTimeoutMs) : 5_000,
    connectionsCheckingInterval: CHECK_INTERVAL_MS,
    requireHostHeader: true,
    noDelay: true,
  };
}
