/**
 * The root `plugin` block (`{"folder": "./plugins/", "pattern": ".js"}`): every file of `folder` whose
 * name contains `pattern` (lura's plugin scan) is imported once at start-up, as an ES module that
 * default-exports a PluginDefinition. `folder` is relative to the working directory, as in KrakenD.
 * Go plugins (`.so`) in the folder are reported and left alone: their names stay missing.
 */
import { readdir, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ConfigIssues } from '../config/issues.js';
import { pluginKinds } from './api.js';
import type { PluginDefinition } from './api.js';
import type { LoadedPlugin } from './loaded.js';

const DOCS = 'see docs/plugins.md';
const IMPORTABLE = /\.(m?js)$/;

type Raw = Record<string, unknown>;

export async function loadPlugins(raw: Raw, issues: ConfigIssues): Promise<Map<string, LoadedPlugin>> {
  const plugins = new Map<string, LoadedPlugin>();
  const block = raw['plugin'];
  if (block === undefined) return plugins;
  if (block === null || typeof block !== 'object' || Array.isArray(block)) return plugins; // the schema reports the type
  const { folder, pattern } = block as Raw;
  if (typeof folder !== 'string' || folder === '') {
    issues.error({ code: 'PRT_ERR_CONFIG_PLUGIN_LOAD', at: ['plugin', 'folder'], message: 'the plugin block needs "folder", the directory of the plugin modules', hint: DOCS });
    return plugins;
  }
  const directory = resolve(folder);
  let entries: string[];
  try {
    entries = (await readdir(directory, { withFileTypes: true })).filter((entry) => entry.isFile() || entry.isSymbolicLink()).map((entry) => entry.name);
  } catch (error) {
    // KrakenD logs this and starts; a plugin the config names is then reported as missing.
    issues.warning({ code: 'PRT_WARN_CONFIG_PLUGIN', at: ['plugin', 'folder'], message: `cannot read the plugin folder ${directory}: ${(error as Error).message}`, hint: DOCS });
    return plugins;
  }
  const wanted = typeof pattern === 'string' ? pattern : '';
  for (const name of entries.filter((entry) => entry.includes(wanted)).sort()) {
    const file = resolve(directory, name);
    if (name.endsWith('.so')) {
      issues.warning({ code: 'PRT_WARN_CONFIG_PLUGIN', at: ['plugin'], message: `${file} is a Go plugin: Node.js cannot load it, so the names it provides stay missing`, hint: DOCS });
      continue;
    }
    if (!IMPORTABLE.test(name)) continue; // source maps, declarations
    const loaded = await importPlugin(file, issues);
    if (loaded === undefined) continue;
    const previous = plugins.get(loaded.name);
    if (previous) {
      issues.error({ code: 'PRT_ERR_CONFIG_PLUGIN_LOAD', at: ['plugin'], message: `plugin "${loaded.name}" is defined twice: ${previous.file} and ${file}`, hint: 'give each plugin its own name' });
      continue;
    }
    plugins.set(loaded.name, loaded);
  }
  return plugins;
}

async function importPlugin(file: string, issues: ConfigIssues): Promise<LoadedPlugin | undefined> {
  const fail = (message: string): undefined => {
    issues.error({ code: 'PRT_ERR_CONFIG_PLUGIN_LOAD', at: ['plugin'], message: `plugin module ${file} ${message}`, hint: DOCS });
    return undefined;
  };
  let module: { default?: unknown };
  try {
    // The modification time in the URL: a reload after the file changed imports the new code.
    const { mtimeMs } = await stat(file);
    module = (await import(`${pathToFileURL(file).href}?mtime=${mtimeMs}`)) as { default?: unknown };
  } catch (error) {
    return fail(`failed to load: ${firstLine(error)}`);
  }
  const definition = module.default;
  if (definition === null || typeof definition !== 'object') return fail('has no default export (export default definePlugin({...}))');
  const name = (definition as Raw)['name'];
  if (typeof name !== 'string' || name === '') return fail('default-exports a plugin without a "name"');
  const kinds = pluginKinds(definition as PluginDefinition);
  if (kinds.length === 0) return fail(`default-exports plugin "${name}" with no factory: give it httpServer, httpClient or reqRespModifier`);
  return { name, file, definition: definition as PluginDefinition, kinds };
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}
