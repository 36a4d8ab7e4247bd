/**
 * The plugins one loaded config brought in, kept beside that config: `loadConfig` imports them, the
 * plugin components' factories read them at build time. Keyed by the config object, so two configs
 * in one process (a reload, tests) never see each other's plugins.
 */
import type { ServiceConfig } from '../config/types.js';
import type { PluginDefinition, PluginKind } from './api.js';

export interface LoadedPlugin {
  name: string;
  /** The module it came from (absolute path). */
  file: string;
  definition: PluginDefinition;
  kinds: readonly PluginKind[];
}

export type LoadedPlugins = ReadonlyMap<string, LoadedPlugin>;

const NONE: LoadedPlugins = new Map();
const pluginsByConfig = new WeakMap<ServiceConfig, LoadedPlugins>();

export function attachPlugins(config: ServiceConfig, plugins: LoadedPlugins): void {
  if (plugins.size > 0) pluginsByConfig.set(config, plugins);
}

export function pluginsOf(config: ServiceConfig): LoadedPlugins {
  return pluginsByConfig.get(config) ?? NONE;
}
