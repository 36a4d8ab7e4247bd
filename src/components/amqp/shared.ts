/** Start-up checks shared by the AMQP backend blocks. */
import type { ConfigIssues } from '../../config/issues.js';
import type { KeyPath } from '../../config/source.js';
import type { BackendConfig } from '../../config/types.js';

/** The broker URL is the backend's first host; anything else cannot reach RabbitMQ. */
export function amqpHostOf(backend: BackendConfig | undefined, issues: ConfigIssues): void {
  if (backend === undefined) return;
  const host = backend.hosts[0];
  if (host === undefined || !/^amqps?:\/\//i.test(host)) {
    issues.warning({
      code: 'PRT_WARN_CONFIG_AMQP_HOST',
      at: [...backend.at, 'host'],
      message: 'the AMQP backend connects to its first host, which is not an amqp:// or amqps:// URL: every call fails',
      expected: '"host": ["amqp://user:password@rabbitmq:5672"] with "disable_host_sanitize": true',
      found: host ?? '(no host)',
    });
  }
}

/** Keys RabbitMQ or amqplib cannot honour: accepted, ignored, said once. */
export function warnUnsupportedAmqpKeys(block: Record<string, unknown>, at: KeyPath, issues: ConfigIssues, flags: string[]): void {
  for (const key of flags) {
    if (block[key] === true) {
      issues.warning({ code: 'PRT_WARN_CONFIG_UNSUPPORTED', at: [...at, key], message: `"${key}" is not supported by RabbitMQ 3 and is ignored` });
    }
  }
  if (typeof block['prefetch_size'] === 'number' && block['prefetch_size'] > 0) {
    issues.warning({ code: 'PRT_WARN_CONFIG_UNSUPPORTED', at: [...at, 'prefetch_size'], message: 'RabbitMQ implements no prefetch size; only prefetch_count is sent' });
  }
}
