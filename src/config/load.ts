import { readEnvOverrides } from './env.js';
import { allowedMissingPlugins, checkGoPlugins } from './go-plugins.js';
import { ConfigError, ConfigIssues } from './issues.js';
import { renameLegacyNamespaces } from './legacy-namespaces.js';
import { applyWeakTypes } from './weak-types.js';
import type { ConfigIssue } from './issues.js';
import { normalizeConfig } from './normalize.js';
import { buildSchema } from './schema.js';
import type { JsonSchema } from './schema.js';
import { readSource } from './source.js';
import type { SourceDocument } from './source.js';
import type { ServiceConfig } from './types.js';
import { checkAgainstSchema, preloadValidator } from './validate-schema.js';
import { namespaceSchemas, prepareComponents, validateComponentConfigs } from '../components/registry.js';
import '../components/builtin.js';
import { checkTlsConfig } from '../server/tls-settings.js';

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** `check --lint`: unknown keys are errors. */
  lint?: boolean;
  /** Go plugins the operator lets the gateway start without (`--allow-missing-plugin`). */
  allowMissingPlugins?: readonly string[];
}

export interface LoadResult {
  config: ServiceConfig | undefined;
  issues: ConfigIssue[];
  /** The parsed file (positions of keys), when it could be parsed. */
  document?: SourceDocument;
  /** The document's root object with environment overrides applied, when it is an object. */
  raw?: Record<string, unknown>;
}

let cachedSchema: JsonSchema | undefined;

/** The schema of every key Portico supports, including each registered component's namespace. */
export function configSchema(): JsonSchema {
  cachedSchema ??= buildSchema(namespaceSchemas());
  return cachedSchema;
}

/** Reads, checks and normalises a config file; collects every problem instead of stopping at the first. */
export async function loadConfig(file: string, options: LoadOptions = {}): Promise<LoadResult> {
  const issues = new ConfigIssues(file);
  const document = await readSource(file, issues);
  if (!document) return { config: undefined, issues: issues.list };
  issues.document = document;
  if (document.value === null || typeof document.value !== 'object' || Array.isArray(document.value)) {
    issues.error({ code: 'PRT_ERR_CONFIG_TYPE', message: 'the config must be an object', expected: 'an object', found: document.value });
    return { config: undefined, issues: issues.list, document };
  }
  const env = options.env ?? process.env;
  const overrides = readEnvOverrides(env);
  await preloadValidator(configSchema());
  const renamed = renameLegacyNamespaces({ ...(document.value as Record<string, unknown>), ...overrides.values }, issues);
  const raw = applyWeakTypes(renamed, configSchema(), issues);
  checkGoPlugins(raw, issues, allowedMissingPlugins(env, options.allowMissingPlugins));
  checkAgainstSchema(raw, configSchema(), issues, { strictUnknownKeys: options.lint === true, envSources: overrides.sources });
  if (issues.list.some((issue) => issue.code === 'PRT_ERR_CONFIG_VERSION')) return { config: undefined, issues: issues.list, document, raw };
  const config = normalizeConfig(raw, file, issues);
  await prepareComponents(config);
  validateComponentConfigs(config, issues);
  checkTlsConfig(config, issues);
  return { config: issues.hasErrors ? undefined : config, issues: issues.list, document, raw };
}

/** Like loadConfig, but throws a ConfigError carrying every issue when the config cannot run. */
export async function loadConfigOrThrow(file: string, options: LoadOptions = {}): Promise<{ config: ServiceConfig; warnings: ConfigIssue[] }> {
  const result = await loadConfig(file, options);
  if (!result.config) throw new ConfigError(result.issues);
  return { config: result.config, warnings: result.issues.filter((issue) => issue.severity === 'warning') };
}
