import { readEnvOverrides } from './env.js';
import { ConfigError, ConfigIssues } from './issues.js';
import type { ConfigIssue } from './issues.js';
import { normalizeConfig } from './normalize.js';
import { buildSchema } from './schema.js';
import type { JsonSchema } from './schema.js';
import { parseSource, readSource } from './source.js';
import type { ServiceConfig } from './types.js';
import { checkAgainstSchema, preloadValidator } from './validate-schema.js';
import { namespaceSchemas, prepareComponents, validateComponentConfigs } from '../components/registry.js';
import '../components/builtin.js';
import { checkTlsConfig } from '../server/tls-settings.js';

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** `check --lint`: unknown keys are errors. */
  lint?: boolean;
  /** The file's text, already read: a worker builds from the very text its primary checked. */
  text?: string;
}

export interface LoadResult {
  config: ServiceConfig | undefined;
  issues: ConfigIssue[];
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
  const document = options.text === undefined ? await readSource(file, issues) : await parseSource(file, options.text, issues);
  if (!document) return { config: undefined, issues: issues.list };
  issues.document = document;
  if (document.value === null || typeof document.value !== 'object' || Array.isArray(document.value)) {
    issues.error({ code: 'PRT_ERR_CONFIG_TYPE', message: 'the config must be an object', expected: 'an object', found: document.value });
    return { config: undefined, issues: issues.list };
  }
  const overrides = readEnvOverrides(options.env ?? process.env);
  await preloadValidator(configSchema());
  const raw = { ...(document.value as Record<string, unknown>), ...overrides.values };
  checkAgainstSchema(raw, configSchema(), issues, { strictUnknownKeys: options.lint === true, envSources: overrides.sources });
  if (issues.list.some((issue) => issue.code === 'PRT_ERR_CONFIG_VERSION')) return { config: undefined, issues: issues.list };
  const config = normalizeConfig(raw, file, issues);
  await prepareComponents(config);
  validateComponentConfigs(config, issues);
  checkTlsConfig(config, issues);
  return { config: issues.hasErrors ? undefined : config, issues: issues.list };
}

/** Like loadConfig, but throws a ConfigError carrying every issue when the config cannot run. */
export async function loadConfigOrThrow(file: string, options: LoadOptions = {}): Promise<{ config: ServiceConfig; warnings: ConfigIssue[] }> {
  const result = await loadConfig(file, options);
  if (!result.config) throw new ConfigError(result.issues);
  return { config: result.config, warnings: result.issues.filter((issue) => issue.severity === 'warning') };
}
