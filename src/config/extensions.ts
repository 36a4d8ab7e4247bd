/**
 * What loading a config needs from the components it may name: their schemas, their own checks and the
 * set-up some need first. The config layer sees only this; the component registry (pipeline/registry.ts)
 * provides it, handed in by whoever composes the program (cli, runtime, tests).
 */
import type { ProvidedPlugin } from './go-plugins.js';
import type { ConfigIssues } from './issues.js';
import type { NamespaceSchemas } from './schema.js';
import type { ServiceConfig } from './types.js';

export interface ConfigExtensions {
  /** Schema of each namespace, per level where it may appear. */
  namespaceSchemas(): NamespaceSchemas;
  /** Asynchronous set-up of the components the config uses, before `validate`. */
  prepare(service: ServiceConfig): Promise<void>;
  /** Each component's checks beyond its schema. */
  validate(service: ServiceConfig, issues: ConfigIssues): void;
  /** TypeScript plugins of the root `plugin` block, imported once per load (absent: none can load). */
  loadPlugins?(raw: Record<string, unknown>, issues: ConfigIssues): Promise<LoadedPluginSet>;
}

export interface LoadedPluginSet {
  /** Plugin name → what it provides: such names are not missing plugins. */
  provided: ReadonlyMap<string, ProvidedPlugin>;
  /** Ties the plugins to the normalised config their factories build from. */
  attach(config: ServiceConfig): void;
}
