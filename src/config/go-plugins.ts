/**
 * Plugins are named under `plugin/http-server`, `plugin/http-client` and `plugin/req-resp-modifier`.
 * A name is satisfied by a TypeScript plugin of that kind loaded from the root `plugin` folder
 * (src/plugins/loader.ts); KrakenD's Go plugins (`.so`) cannot be loaded by Node.js. A plugin may be the
 * piece that authenticates an endpoint, so a config that names a missing one does not start, unless the
 * operator says that this plugin may be missing (`--allow-missing-plugin NAME` or
 * PORTICO_ALLOW_MISSING_PLUGINS). Each plugin is reported once, with every place that names it.
 * See docs/plugins.md.
 */
import type { ConfigIssues } from './issues.js';
import { ownerKeyPath } from './raw-walk.js';
import { formatKeyPath } from './source.js';
import type { KeyPath } from './source.js';

/** The namespaces that name plugins, and where KrakenD reads each. */
export const PLUGIN_NAMESPACES = {
  'plugin/http-server': ['service'],
  'plugin/http-client': ['backend'],
  'plugin/req-resp-modifier': ['endpoint', 'backend'],
} as const;

const PLUGIN_NAMESPACE_LIST = Object.entries(PLUGIN_NAMESPACES) as [keyof typeof PLUGIN_NAMESPACES, readonly string[]][];

export const ALLOW_MISSING_PLUGINS_ENV = 'PORTICO_ALLOW_MISSING_PLUGINS';

const DOCS = 'see docs/plugins.md';

type Raw = Record<string, unknown>;

function isObject(value: unknown): value is Raw {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The names a plugin block lists: `name` is a string or a list of strings (http-server, req-resp-modifier). */
export function pluginNames(block: Raw): string[] {
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

/** A loaded TypeScript plugin, as far as this check needs it: the kinds it implements and its file. */
export interface ProvidedPlugin {
  kinds: readonly string[];
  file: string;
}

/** `plugin/http-server` → `http-server`: the kind a namespace asks for. */
function kindOf(namespace: string): string {
  return namespace.slice('plugin/'.length);
}

/** Reports every plugin the config names that no loaded plugin provides (one issue per plugin). */
export function checkGoPlugins(raw: Raw, issues: ConfigIssues, allowed: ReadonlySet<string>, provided: ReadonlyMap<string, ProvidedPlugin> = new Map()): void {
  const uses = new Map<string, KeyPath[]>();
  const blocksWithoutName: KeyPath[] = [];
  // `endpoint`, `backend`: where the owner is, turned into a key path only for a plugin block.
  const visit = (owner: unknown, scope: 'service' | 'endpoint' | 'backend', endpoint?: number, backend?: number): void => {
    if (!isObject(owner) || !isObject(owner['extra_config'])) return;
    const extra = owner['extra_config'];
    for (const [namespace, scopes] of PLUGIN_NAMESPACE_LIST) {
      const block = extra[namespace];
      if (block === undefined || !scopes.includes(scope)) continue;
      const blockAt = [...ownerKeyPath('endpoints', endpoint, backend), 'extra_config', namespace];
      const names = isObject(block) ? pluginNames(block) : [];
      if (names.length === 0) blocksWithoutName.push(blockAt);
      for (const name of names) {
        if (provided.get(name)?.kinds.includes(kindOf(namespace))) continue;
        uses.set(name, [...(uses.get(name) ?? []), [...blockAt, 'name']]);
      }
    }
  };
  visit(raw, 'service');
  const endpoints = Array.isArray(raw['endpoints']) ? raw['endpoints'] : [];
  endpoints.forEach((endpoint, e) => {
    visit(endpoint, 'endpoint', e);
    const backends = isObject(endpoint) && Array.isArray(endpoint['backend']) ? endpoint['backend'] : [];
    backends.forEach((backend, b) => visit(backend, 'backend', e, b));
  });

  for (const at of blocksWithoutName) {
    issues.warning({ code: 'PRT_WARN_CONFIG_UNSUPPORTED', at, message: 'this plugin block names no plugin and is ignored', hint: DOCS });
  }
  for (const [name, places] of uses) {
    const where = places.map(formatKeyPath).join(', ');
    const first = (places[0] as KeyPath).slice(0, -1); // the namespace, so tools see which one
    const other = provided.get(name);
    if (other && !allowed.has(name)) {
      const kinds = [...new Set(places.map((place) => kindOf(String(place[place.length - 2]))))].join(', ');
      issues.error({
        code: 'PRT_ERR_CONFIG_PLUGIN_MISSING',
        at: first,
        message: `plugin "${name}" (${other.file}) is not a ${kinds} plugin (it implements ${other.kinds.join(', ')}), used at ${where}`,
        hint: `${DOCS}: give it the factory of that kind (httpServer, httpClient, reqRespModifier)`,
      });
    } else if (allowed.has(name)) {
      issues.warning({ code: 'PRT_WARN_CONFIG_UNSUPPORTED', at: first, message: `plugin "${name}" is not loaded (allowed to be missing); everything it would do is skipped, used at ${where}`, hint: DOCS });
    } else {
      issues.error({
        code: 'PRT_ERR_CONFIG_PLUGIN_MISSING',
        at: first,
        message: `plugin "${name}" is not loaded: no TypeScript plugin of that name came from the root "plugin" folder (Node.js cannot load Go plugins), used at ${where}; it may be what protects these routes, so Portico does not start without it`,
        hint: `${DOCS}; to start without it, pass --allow-missing-plugin ${name} or set ${ALLOW_MISSING_PLUGINS_ENV}=${name}`,
      });
    }
  }
}
