/**
 * The `proxy` namespace (lura `proxy.Namespace`): its schema and checks. The block is parsed once into
 * `EndpointConfig.proxy` and `BackendConfig.proxy` (config/core-namespaces.ts). At the endpoint:
 * `sequential` and `sequential_propagated_params` (used by the merge, see `sequential-merge.ts`), `static`
 * and `flatmap_filter` (this component's proxy-layer middleware: static data outside, the endpoint flatmap
 * inside, as lura's factory stacks them). At the backend: `flatmap_filter` (used by the shaper), `shadow`
 * and `shadow_timeout` (used when the endpoint is built).
 *
 * ```json
 * "extra_config": { "proxy": {
 *   "static": { "strategy": "incomplete", "data": { "degraded": true } },
 *   "flatmap_filter": [{ "type": "del", "args": ["items.*.internal_id"] }]
 * } }
 * ```
 */
import type { ConfigIssues } from '../config/issues.js';
import type { KeyPath } from '../config/source.js';
import { DURATION_PATTERN } from '../config/schema.js';
import { createEndpointFlatmapMiddleware } from '../proxy/endpoint-flatmap.js';
import { createStaticMiddleware, STATIC_STRATEGIES } from '../proxy/static.js';
import type { Middleware } from '../proxy/types.js';
import type { ComponentDefinition } from './registry.js';

const COMMENT_KEYS = { '^[@$_#]': {} };

const flatmapSchema = {
  type: 'array',
  items: {
    type: 'object',
    properties: {
      type: { enum: ['move', 'del', 'append'] },
      args: { type: 'array', items: { type: 'string' }, minItems: 1 },
    },
    required: ['type', 'args'],
    patternProperties: COMMENT_KEYS,
    additionalProperties: false,
  },
};

const endpointSchema = {
  type: 'object',
  properties: {
    sequential: { type: 'boolean' },
    sequential_propagated_params: { type: 'array', items: { type: 'string', pattern: '^[Rr]esp\\d+(_[\\w\\-.]+)?$' } },
    static: {
      type: 'object',
      properties: { strategy: { enum: [...STATIC_STRATEGIES] }, data: { type: 'object' } },
      required: ['data'],
      patternProperties: COMMENT_KEYS,
      additionalProperties: false,
    },
    flatmap_filter: flatmapSchema,
  },
  patternProperties: COMMENT_KEYS,
  additionalProperties: false,
};

const backendSchema = {
  type: 'object',
  properties: {
    flatmap_filter: flatmapSchema,
    shadow: { type: 'boolean' },
    shadow_timeout: { type: 'string', pattern: DURATION_PATTERN },
  },
  patternProperties: COMMENT_KEYS,
  additionalProperties: false,
};

function startsWith(path: KeyPath, prefix: KeyPath): boolean {
  return prefix.length <= path.length && prefix.every((part, index) => path[index] === part);
}

function validateFlatmap(value: unknown, at: KeyPath, issues: ConfigIssues): void {
  if (!Array.isArray(value)) return;
  value.forEach((entry: { type?: unknown; args?: unknown }, index) => {
    if (entry === null || typeof entry !== 'object' || !Array.isArray(entry.args)) return;
    const needed = entry.type === 'del' ? 1 : 2;
    if (entry.args.length < needed) {
      issues.error({
        code: 'PRT_ERR_CONFIG_FLATMAP_ARGS',
        at: [...at, index, 'args'],
        message: `a flatmap "${String(entry.type)}" needs ${needed === 1 ? 'one path' : 'a source and a destination path'}`,
        expected: needed === 1 ? '["a.*.b"]' : '["a.*.b", "a.*.c"]',
        found: entry.args,
      });
    } else if (entry.args.length > needed && entry.type !== 'del') {
      issues.warning({
        code: 'PRT_WARN_CONFIG_FLATMAP_ARGS',
        at: [...at, index, 'args'],
        message: `a flatmap "${String(entry.type)}" uses only the first two paths; the rest are ignored`,
      });
    }
  });
}

export const proxyComponent: ComponentDefinition = {
  namespace: 'proxy',
  schemas: { endpoint: endpointSchema, backend: backendSchema },
  validate(block, scope, at, issues, _service, { endpoint }) {
    validateFlatmap(block['flatmap_filter'], [...at, 'flatmap_filter'], issues);
    if (!endpoint) return;
    const regular = endpoint.backends.filter((backend) => !backend.proxy.shadow).length;
    if (scope === 'backend') {
      // Reported once, by the first backend.
      const first = endpoint.backends[0];
      if (regular === 0 && first !== undefined && startsWith(at, first.at)) {
        issues.error({
          code: 'PRT_ERR_CONFIG_ONLY_SHADOW',
          at: [...endpoint.at, 'backend'],
          message: 'every backend of this endpoint is a shadow backend; at least one must answer',
        });
      }
      return;
    }
    if (scope !== 'endpoint') return;
    if (block['flatmap_filter'] !== undefined && regular <= 1) {
      issues.warning({
        code: 'PRT_WARN_CONFIG_FLATMAP_SINGLE_BACKEND',
        at: [...at, 'flatmap_filter'],
        message: 'an endpoint flatmap_filter only runs with more than one backend (KrakenD ignores it too)',
        hint: 'move it into the backend\'s "extra_config": {"proxy": {...}}',
      });
    }
    const propagated = block['sequential_propagated_params'];
    if (Array.isArray(propagated)) {
      if (block['sequential'] !== true) {
        issues.warning({ code: 'PRT_WARN_CONFIG_SEQUENTIAL_PARAMS', at: [...at, 'sequential_propagated_params'], message: 'sequential_propagated_params is ignored without "sequential": true' });
      }
      propagated.forEach((name, index) => {
        const match = typeof name === 'string' ? /^[Rr]esp(\d+)/.exec(name) : null;
        if (match && Number(match[1]) >= regular - 1) {
          issues.warning({
            code: 'PRT_WARN_CONFIG_SEQUENTIAL_PARAMS',
            at: [...at, 'sequential_propagated_params', index],
            message: `${String(name)} refers to backend ${match[1]}, whose answer no later backend can use (the endpoint has ${regular} backends)`,
          });
        }
      });
    }
  },
  proxy(_block, endpoint): Middleware | undefined {
    const settings = endpoint.proxy;
    const regular = endpoint.backends.filter((backend) => !backend.proxy.shadow).length;
    const flatmap = regular > 1 ? createEndpointFlatmapMiddleware(settings.flatmapFilter) : undefined;
    const staticData = settings.static && createStaticMiddleware(settings.static);
    if (flatmap && staticData) return (next) => staticData(flatmap(next));
    return staticData ?? flatmap;
  },
};
