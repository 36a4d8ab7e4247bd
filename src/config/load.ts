import { readEnvOverrides } from './env.js';
import { allowedMissingPlugins, checkGoPlugins } from './go-plugins.js';
import { ConfigError, ConfigIssues } from './issues.js';
import { renameLegacyNamespaces } from './legacy-namespaces.js';
import { applyWeakTypes } from './weak-types.js';
import type { ConfigIssue } from './issues.js';
import { normalizeConfig } from './normalize.js';
import { buildSchema } from './schema.js';
import type { JsonSchema } from './schema.js';
import { flexibleOptionsFrom } from './flexible/options.js';
import { renderFlexibleConfig } from './flexible/render.js';
import { parseSource, readSource } from './source.js';
import type { SourceDocument } from './source.js';
import type { ServiceConfig } from './types.js';
import { checkAgainstSchema, preloadValidator } from './validate-schema.js';
import type { ConfigExtensions } from './extensions.js';
import { checkTlsConfig } from './tls-settings.js';

export interface LoadOptions {
  /** The components whose namespaces the config may use (the program's registry). */
  components: ConfigExtensions;
  env?: NodeJS.ProcessEnv;
  /** `check --lint`: unknown keys are errors. */
  lint?: boolean;
  /** Go plugins the operator lets the gateway start without (`--allow-missing-plugin`). */
  allowMissingPlugins?: readonly string[];
  /**
   * Text already rendered from a flexible configuration (a worker gets its primary's, so every process
   * runs the same config even when the template calls uuidv4 or now). `parseAs` picks the parser.
   */
  rendered?: { text: string; parseAs: string; displayName: string };
  /** The file's text, already read: a worker builds from the very text its primary checked. */
  text?: string;
}

export interface LoadResult {
  config: ServiceConfig | undefined;
  issues: ConfigIssue[];
  /** The parsed file (positions of keys), when it could be parsed. */
  document?: SourceDocument;
  /** The document's root object with environment overrides applied, when it is an object. */
  raw?: Record<string, unknown>;
  /** With FC_ENABLE: what the template rendered (for `check --debug` and for workers). */
  rendered?: { text: string; parseAs: string; displayName: string };
}

const schemas = new WeakMap<ConfigExtensions, JsonSchema>();

/** The schema of every key Portico supports, including the namespace of each component in `components`. */
export function configSchema(components: ConfigExtensions): JsonSchema {
  let schema = schemas.get(components);
  if (schema === undefined) {
    schema = buildSchema(components.namespaceSchemas());
    schemas.set(components, schema);
  }
  return schema;
}

/** Reads, checks and normalises a config file; collects every problem instead of stopping at the first. */
export async function loadConfig(file: string, options: LoadOptions): Promise<LoadResult> {
  const issues = new ConfigIssues(file);
  const env = options.env ?? process.env;
  // A worker or a reload builds from text its primary already read (and rendered, for a template).
  const source =
    options.text !== undefined ? { document: await parseSource(file, options.text, issues) } : await readConfigText(file, env, issues, options.rendered);
  const rendered = source.rendered ? { rendered: source.rendered } : {};
  const document = source.document;
  if (!document) return { config: undefined, issues: issues.list, ...rendered };
  issues.document = document;
  if (document.value === null || typeof document.value !== 'object' || Array.isArray(document.value)) {
    issues.error({ code: 'PRT_ERR_CONFIG_TYPE', message: 'the config must be an object', expected: 'an object', found: document.value });
    return { config: undefined, issues: issues.list, document, ...rendered };
  }
  const overrides = readEnvOverrides(env);
  const schema = configSchema(options.components);
  await preloadValidator(schema);
  const renamed = renameLegacyNamespaces({ ...(document.value as Record<string, unknown>), ...overrides.values }, issues);
  const raw = applyWeakTypes(renamed, schema, issues);
  // TypeScript plugins are imported now, once: the names they provide are not missing.
  const plugins = await options.components.loadPlugins?.(raw, issues);
  checkGoPlugins(raw, issues, allowedMissingPlugins(env, options.allowMissingPlugins), plugins?.provided);
  checkAgainstSchema(raw, schema, issues, { strictUnknownKeys: options.lint === true, envSources: overrides.sources, namespaceLevels: namespaceLevels(options.components) });
  if (issues.list.some((issue) => issue.code === 'PRT_ERR_CONFIG_VERSION')) return { config: undefined, issues: issues.list, document, raw, ...rendered };
  const config = normalizeConfig(raw, file, issues);
  await options.components.prepare(config);
  options.components.validate(config, issues);
  checkTlsConfig(config, issues);
  plugins?.attach(config);
  return { config: issues.hasErrors ? undefined : config, issues: issues.list, document, raw, ...rendered };
}

/**
 * The config as a parsed document. With FC_ENABLE the file is a template, rendered here once; every
 * position after that refers to the rendered text (FC_OUT when written), which `check -d` prints.
 */
async function readConfigText(
  file: string,
  env: NodeJS.ProcessEnv,
  issues: ConfigIssues,
  prerendered: LoadOptions['rendered'],
): Promise<{ document: SourceDocument | undefined; rendered?: NonNullable<LoadOptions['rendered']> }> {
  const flexible = flexibleOptionsFrom(env);
  if (!flexible && !prerendered) return { document: await readSource(file, issues) };
  const rendered = prerendered ?? (await renderFlexibleConfig(file, flexible as NonNullable<typeof flexible>, env, issues));
  if (!rendered || issues.hasErrors) return { document: undefined, ...(rendered ? { rendered } : {}) };
  issues.file = rendered.displayName;
  const document = await parseSource(rendered.parseAs, rendered.text, issues);
  if (document) document.file = rendered.displayName;
  return { document, rendered };
}

/** Like loadConfig, but throws a ConfigError carrying every issue when the config cannot run. */
export async function loadConfigOrThrow(file: string, options: LoadOptions): Promise<{ config: ServiceConfig; warnings: ConfigIssue[] }> {
  const result = await loadConfig(file, options);
  if (!result.config) throw new ConfigError(result.issues);
  return { config: result.config, warnings: result.issues.filter((issue) => issue.severity === 'warning') };
}

/** Each component namespace and the levels it is read at, for a block placed at another level. */
function namespaceLevels(components: ConfigExtensions): Map<string, string[]> {
  const levels = new Map<string, string[]>();
  for (const [level, schemas] of Object.entries(components.namespaceSchemas())) {
    for (const namespace of Object.keys(schemas)) levels.set(namespace, [...(levels.get(namespace) ?? []), level]);
  }
  return levels;
}
