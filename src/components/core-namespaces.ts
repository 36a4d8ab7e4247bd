/**
 * Schemas of the namespaces the core itself reads: `router`, `backend/http` and `backend/http/client`
 * (`telemetry/logging` is its own component, logging/component.ts). Listed with the components so `check --lint`
 * knows them.
 */
import type { ComponentDefinition } from './registry.js';

const bool = { type: 'boolean' };
const strings = { type: 'array', items: { type: 'string' } };
const open = (properties: Record<string, unknown>) => ({ type: 'object', properties, patternProperties: { '^[@$_#]': {} }, additionalProperties: false });

export const routerNamespace: ComponentDefinition = {
  namespace: 'router',
  schemas: {
    service: open({
      app_engine: bool,
      auto_options: bool,
      disable_access_log: bool,
      // KrakenD EE: responses are gzipped unless true (Portico: see src/render/compression.ts).
      disable_gzip: bool,
      disable_handle_method_not_allowed: bool,
      disable_health: bool,
      disable_path_decoding: bool,
      disable_redirect_fixed_path: bool,
      disable_redirect_trailing_slash: bool,
      error_body: { type: 'object', properties: { '404': {}, '405': {} }, additionalProperties: false },
      forwarded_by_client_ip: bool,
      health_path: { type: 'string', pattern: '^/' },
      hide_version_header: bool,
      logger_skip_paths: strings,
      max_multipart_memory: { type: 'integer' },
      remote_ip_headers: strings,
      remove_extra_slash: bool,
      return_error_msg: bool,
      trusted_proxies: strings,
      use_h2c: bool,
    }),
  },
  validate(block, _scope, at, issues) {
    const proxies = block['trusted_proxies'];
    if (Array.isArray(proxies)) {
      proxies.forEach((entry, index) => {
        if (typeof entry === 'string' && !/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(entry)) {
          issues.error({ code: 'PRT_ERR_CONFIG_VALUE', at: [...at, 'trusted_proxies', index], message: 'invalid trusted proxy', expected: 'an IP address or CIDR such as "10.0.0.0/8"', found: entry });
        }
      });
    }
  },
};

export const backendHttpNamespace: ComponentDefinition = {
  namespace: 'backend/http',
  schemas: { backend: open({ return_error_code: bool, return_error_details: { type: 'string' } }) },
};

export const backendHttpClientNamespace: ComponentDefinition = {
  namespace: 'backend/http/client',
  schemas: { backend: open({ send_body_on_redirect: bool }) },
};
// The plugin namespaces (`plugin/http-server`, ...) are components of src/plugins/components.ts.
