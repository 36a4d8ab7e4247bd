/**
 * KrakenD's Go plugins (`.so` files loaded by the root `plugin` block and named under `plugin/http-server`,
 * `plugin/http-client` and `plugin/req-resp-modifier`) cannot be loaded by Node.js. A plugin may be the
 * piece that authenticates an endpoint, so a config that names one does not start, unless the operator
 * says that this plugin may be missing (`--allow-missing-plugin NAME` or PORTICO_ALLOW_MISSING_PLUGINS).
 * Each plugin is reported once, with every place that names it. See docs/plugins.md.
 */
import type { ConfigIssues } from './issues.js';
import { formatKeyPath } from './source.js';
import type { KeyPath } from './source.js';

/** The namespaces that name Go plugins, and where KrakenD reads each. */
export const PLUGIN_NAMESPACES = {
  'plugin/http-server': ['service'],
  'plugin/http-client': ['backend'],
  'plugin/req-resp-modifier': ['endpoint', 'backend'],
} as const;

export const ALLOW_MISSING_PLUGINS_ENV = 'PORTICO_ALLOW_MISSING_PLUGINS';

const DOCS = 'see docs/plugins.md';

type Raw = Record<string, unknown>;

function isObject(value: unknown): value is Raw {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The names a plugin block lists: `name` is a string or a list of strings (http-server, req-resp-modifier). */
function pluginNames(block: Raw): string[] {
  const name = block['name'];
  if (typeof name === 'string') return name === '' ? [] : [name];
  if (Array.isArray(name)) return name.filter((item): item is string => typeof item === 'string' && item !== '');
  return [];
}

/** `PORTICO_ALLOW_MISSING_PLUGINS=a,b` plus the names given on the command line. */
export function allowedMissingPlugins(env: NodeJS.ProcessEnv, fromOptions: readonly string[] = []): Set<string> {
  const fromEnv = (env[ALLOW_MISSING_PLUGINS_ENV] ?? '').split(',').map((name) => name.trim()).filter(Boolean);
  return new Set([...fromEnv, ...fromOptions]);
}

/** Reports every Go plugin the config names (one issue per plugin) and the root `plugin` block. */
export function checkGoPlugins(raw: Raw, issues: ConfigIssues, allowed: ReadonlySet<string>): void {
  const uses = new Map<string, KeyPath[]>();
  const blocksWithoutName: KeyPath[] = [];
  const visit = (owner: unknown, at: KeyPath, scope: 'service' | 'endpoint' | 'backend'): void => {
    if (!isObject(owner) || !isObject(owner['extra_config'])) return;
    const extra = owner['extra_config'];
    for (const [namespace, scopes] of Object.entries(PLUGIN_NAMESPACES)) {
      const block = extra[namespace];
      if (block === undefined || !(scopes as readonly string[]).includes(scope)) continue;
      const blockAt = [...at, 'extra_config', namespace];
      const names = isObject(block) ? pluginNames(block) : [];
      if (names.length === 0) blocksWithoutName.push(blockAt);
      for (const name of names) uses.set(name, [...(uses.get(name) ?? []), [...blockAt, 'name']]);
    }
  };
  visit(raw, [], 'service');
  const endpoints = Array.isArray(raw['endpoints']) ? raw['endpoints'] : [];
  endpoints.forEach((endpoint, e) => {
    visit(endpoint, ['endpoints', e], 'endpoint');
    const backends = isObject(endpoint) && Array.isArray(endpoint['backend']) ? endpoint['backend'] : [];
    backends.forEach((backend, b) => visit(backend, ['endpoints', e, 'backend', b], 'backend'));
  });

  if (raw['plugin'] !== undefined) {
    issues.warning({ code: 'PRT_WARN_CONFIG_UNSUPPORTED', at: ['plugin'], message: 'Go plugins cannot be loaded by Portico (Node.js); the "plugin" block is ignored', hint: DOCS });
  }
  for (const at of blocksWithoutName) {
    issues.warning({ code: 'PRT_WARN_CONFIG_UNSUPPORTED', at, message: 'this Go plugin block names no plugin and is ignored', hint: DOCS });
  }
  for (const [name, places] of uses) {
    const where = places.map(formatKeyPath).join(', ');
    const first = (places[0] as KeyPath).slice(0, -1); // the namespace, so tools see which one
    if (allowed.has(name)) {
      issues.warning({ code: 'PRT_WARN_CONFIG_UNSUPPORTED', at: first, message: `Go plugin "${name}" is not loaded (allowed to be missing); everything it would do is skipped, used at ${where}`, hint: DOCS });
    } else {
      issues.error({
        code: 'PRT_ERR_CONFIG_PLUGIN_MISSING',
        at: first,
        message: `Go plugin "${name}" cannot be loaded by Portico (Node.js cannot load Go plugins), used at ${where}; it may be what protects these routes, so Portico does not start without it`,
        hint: `${DOCS}; to start without it, pass --allow-missing-plugin ${name} or set ${ALLOW_MISSING_PLUGINS_ENV}=${name}`,
      });
    }
  }
}
