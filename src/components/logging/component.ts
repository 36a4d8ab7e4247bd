/**
 * Schemas and checks of the logging namespaces. They add no pipeline layer: the logger is built from them
 * before the gateway (runtime/start.ts `loggerFor`, settings.ts).
 */
import { BOOLEAN_SCHEMA, objectSchema, readBoolean, readString } from '../block-reader.js';
import type { ComponentDefinition } from '../registry.js';

import { parseGelfAddress } from '../../core/gelf.js';
import { parseSyslogAddress, SYSLOG_FACILITIES } from '../../core/syslog.js';
import { GELF_NAMESPACE, LOGGING_NAMESPACE, LOGSTASH_NAMESPACE } from './settings.js';

export const loggingComponent: ComponentDefinition = {
  namespace: LOGGING_NAMESPACE,
  schemas: {
    service: objectSchema({
      level: { type: 'string', enum: ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL', 'debug', 'info', 'warning', 'error', 'critical'] },
      prefix: { type: 'string' },
      stdout: BOOLEAN_SCHEMA,
      syslog: BOOLEAN_SCHEMA,
      syslog_facility: { type: 'string' },
      /** Portico: where syslog lines go (`udp://host:514`, `tcp://host:514`, `unix:///dev/log`); default the local socket. */
      syslog_address: { type: 'string' },
      format: { type: 'string', enum: ['default', 'logstash', 'custom', 'json'] },
      custom_format: { type: 'string' },
    }),
  },
  validate(block, _scope, at, issues) {
    const facility = block['syslog_facility'];
    if (typeof facility === 'string' && SYSLOG_FACILITIES[facility.toLowerCase()] === undefined) {
      issues.warning({ code: 'PRT_WARN_CONFIG_LOGGING', at: [...at, 'syslog_facility'], message: 'unknown syslog facility; local3 is used, as KrakenD does', expected: 'local0 … local7', found: facility });
    }
    const address = block['syslog_address'];
    if (typeof address === 'string' && address !== '' && parseSyslogAddress(address) === undefined) {
      issues.error({ code: 'PRT_ERR_CONFIG_VALUE', at: [...at, 'syslog_address'], message: 'invalid syslog address', expected: '"udp://host:port", "tcp://host:port" or "unix:///path"', found: address });
    }
    if (block['format'] === 'custom' && typeof block['custom_format'] !== 'string') {
      issues.warning({ code: 'PRT_WARN_CONFIG_LOGGING', at: [...at, 'custom_format'], message: 'format is "custom" but there is no custom_format; the default line is printed' });
    }
  },
};

export const gelfComponent: ComponentDefinition = {
  namespace: GELF_NAMESPACE,
  schemas: { service: objectSchema({ address: { type: 'string' }, enable_tcp: BOOLEAN_SCHEMA }) },
  validate(block, _scope, at, issues) {
    // krakend-gelf logs "missing addr" and the gateway runs on without GELF.
    if (parseGelfAddress(readString(block, 'address')) === undefined) {
      issues.warning({ code: 'PRT_WARN_CONFIG_LOGGING', at: [...at, 'address'], message: 'no usable GELF address: nothing is sent to Graylog', expected: '"host:port", such as "graylog:12201"', found: block['address'] });
    }
  },
};

export const logstashComponent: ComponentDefinition = {
  namespace: LOGSTASH_NAMESPACE,
  schemas: { service: objectSchema({ enabled: BOOLEAN_SCHEMA }) },
  validate(block, _scope, at, issues) {
    if (!readBoolean(block, 'enabled', true)) {
      // krakend-logstash only looks for the namespace: KrakenD prints logstash JSON even with enabled false.
      issues.warning({ code: 'PRT_WARN_CONFIG_LOGGING', at: [...at, 'enabled'], message: 'logstash lines are off; KrakenD would print them anyway (it only checks that the namespace is present)' });
    }
  },
};
