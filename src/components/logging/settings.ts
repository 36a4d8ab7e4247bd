/**
 * Reads the logging namespaces the way krakend-ce's logger builder combines them: `telemetry/logging`
 * (krakend-gologging), `telemetry/logstash` (krakend-logstash) and `telemetry/gelf` (krakend-gelf).
 */
import { readBoolean, readString } from '../block-reader.js';
import { blockOf } from '../registry.js';
import { parseGelfAddress } from '../../core/gelf.js';
import type { LoggingSettings } from '../../core/logger.js';
import { DEFAULT_FACILITY } from '../../core/syslog.js';

export const LOGGING_NAMESPACE = 'telemetry/logging';
export const GELF_NAMESPACE = 'telemetry/gelf';
export const LOGSTASH_NAMESPACE = 'telemetry/logstash';

export type ConsoleLoggingSettings = Omit<LoggingSettings, 'accessLog' | 'skipPaths'>;

export function readLoggingSettings(extraConfig: Readonly<Record<string, unknown>>, debug = false): ConsoleLoggingSettings {
  const logging = blockOf(extraConfig, LOGGING_NAMESPACE) ?? {};
  const settings: ConsoleLoggingSettings = {
    level: debug ? 'DEBUG' : readString(logging, 'level', 'INFO'),
    prefix: readString(logging, 'prefix', '[PORTICO]'),
    stdout: readBoolean(logging, 'stdout', true),
    format: readString(logging, 'format', 'default'),
  };
  const customFormat = logging['custom_format'];
  if (typeof customFormat === 'string') settings.customFormat = customFormat;
  if (readBoolean(logging, 'syslog')) {
    const address = logging['syslog_address'];
    settings.syslog = {
      address: typeof address === 'string' && address !== '' ? address : undefined,
      facility: readString(logging, 'syslog_facility', DEFAULT_FACILITY),
      tag: readString(logging, 'prefix'),
    };
  }
  const logstash = blockOf(extraConfig, LOGSTASH_NAMESPACE);
  if (logstash !== undefined && readBoolean(logstash, 'enabled', true)) settings.logstash = true;
  const gelf = blockOf(extraConfig, GELF_NAMESPACE);
  const gelfAddress = gelf && parseGelfAddress(readString(gelf, 'address'));
  if (gelf && gelfAddress) settings.gelf = { ...gelfAddress, tcp: readBoolean(gelf, 'enable_tcp') };
  return settings;
}
