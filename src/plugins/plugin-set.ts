/**
 * The plugin step of a config load (config/extensions.ts `loadPlugins`): imports the root `plugin`
 * folder's modules once, tells the loader which plugin names they provide, and ties them to the
 * normalised config for the plugin components' factories.
 */
import type { LoadedPluginSet } from '../config/extensions.js';
import type { ConfigIssues } from '../config/issues.js';
import { attachPlugins } from './loaded.js';
import { loadPlugins } from './loader.js';

export async function loadPluginSet(raw: Record<string, unknown>, issues: ConfigIssues): Promise<LoadedPluginSet> {
  const plugins = await loadPlugins(raw, issues);
  return { provided: plugins, attach: (config) => attachPlugins(config, plugins) };
}
