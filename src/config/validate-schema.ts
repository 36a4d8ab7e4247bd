import { createHash } from 'node:crypto';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { ConfigIssues } from './issues.js';
import { formatKeyPath } from './source.js';
import type { KeyPath } from './source.js';
import type { JsonSchema } from './schema.js';
import { ajvDrafts } from '../util/ajv-drafts.js';
import { generatedCodeUrl } from '../util/generated-code.js';

// `inlineRefs: false`: each `$ref` target is a function of its own (see `compilableSchema`).
export const AJV_OPTIONS = { allErrors: true, strict: false, verbose: true, inlineRefs: false } as const;

/**
 * The schema as it is compiled: each component namespace's schema moved under `$defs` and referenced, so
 * that Ajv makes it a function of its own, which V8 compiles only when a config uses that namespace.
 * Inlined, the whole config schema was one function of several hundred KB that the first check of any
 * config compiled: 34-48 ms of every start (one endpoint), 124 ms on 5,000 endpoints (now 5 and 54-79).
 * Same language, same errors (`schemaPath` aside, which nothing reads).
 */
export function compilableSchema(schema: JsonSchema): JsonSchema {
  const defs: Record<string, unknown> = { ...(schema['$defs'] as Record<string, unknown> | undefined) };
  const split = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(split);
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      const namespaces = key === 'extra_config' ? ((value as JsonSchema | undefined)?.['properties'] as Record<string, unknown> | undefined) : undefined;
      if (namespaces === undefined || typeof namespaces !== 'object') {
        out[key] = split(value);
        continue;
      }
      const refs: Record<string, unknown> = {};
      for (const [namespace, namespaceSchema] of Object.entries(namespaces)) {
        const id = `namespace${Object.keys(defs).length}`;
        defs[id] = split(namespaceSchema);
        refs[namespace] = { $ref: `#/$defs/${id}` };
      }
      out[key] = { ...(value as JsonSchema), properties: refs };
    }
    return out;
  };
  const { $defs: _defs, ...rest } = schema;
  const body = split(rest) as JsonSchema;
  return { ...body, $defs: defs };
}

const compiled = new WeakMap<JsonSchema, ValidateFunction>();

export function schemaHash(schema: JsonSchema): string {
  return createHash('sha256').update(JSON.stringify(schema)).digest('hex');
}

interface GeneratedValidator {
  schemaHash: string;
  default: ValidateFunction;
}

/**
 * Loads the validator precompiled at build time (scripts/build-validator.ts) when it was built from this
 * very schema; compiling the schema costs ~80 ms of start-up otherwise.
 */
export async function preloadValidator(schema: JsonSchema): Promise<void> {
  if (compiled.has(schema)) return;
  try {
    const generated = (await import(generatedCodeUrl('config-validator.generated.js').href)) as GeneratedValidator;
    if (generated.schemaHash === schemaHash(schema)) compiled.set(schema, generated.default);
  } catch {
    // not built (running from sources, or a build without the step): compile on first use
  }
}

function compile(schema: JsonSchema): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    // Ajv itself is only needed when no precompiled validator matches (sources, plugins' namespaces).
    validate = new (ajvDrafts().Ajv)(AJV_OPTIONS).compile(compilableSchema(schema));
    compiled.set(schema, validate);
  }
  return validate;
}

export interface SchemaCheckOptions {
  /** `check --lint`: unknown keys and namespaces are errors instead of warnings. */
  strictUnknownKeys: boolean;
  /** Keys set from the environment, for messages (`port` → `KRAKEND_PORT`). */
  envSources: ReadonlyMap<string, string>;
  /** The levels (service, endpoint, backend) each supported namespace is read at. */
  namespaceLevels?: ReadonlyMap<string, readonly string[]>;
}

/** Runs the JSON Schema and turns each failure into a located, readable issue. */
export function checkAgainstSchema(value: unknown, schema: JsonSchema, issues: ConfigIssues, options: SchemaCheckOptions): void {
  const validate = compile(schema);
  if (validate(value)) return;
  const unknownNamespaces = new Map<string, KeyPath[]>();
  for (const error of dedupe(validate.errors ?? [])) {
    const at = toKeyPath(error.instancePath);
    if (error.keyword === 'additionalProperties' && at[at.length - 1] === 'extra_config') {
      const namespace = String(error.params['additionalProperty']);
      const key = `${namespace}\n${levelOf(at.slice(0, -1))}`;
      unknownNamespaces.set(key, [...(unknownNamespaces.get(key) ?? []), [...at, namespace]]);
    } else report(error, issues, options);
  }
  for (const places of unknownNamespaces.values()) reportUnknownNamespace(places, issues, options);
}

/** Where an extra_config sits, so one namespace gets one report per level (service, endpoint…). */
function levelOf(owner: KeyPath): string {
  return owner.filter((part) => typeof part === 'string').join('.') || 'service';
}

const LISTED_PLACES = 5;

/** One report per unknown namespace and level, at its first use, naming the others. */
function reportUnknownNamespace(places: KeyPath[], issues: ConfigIssues, options: SchemaCheckOptions): void {
  const first = places[0] as KeyPath;
  const namespace = String(first[first.length - 1]);
  const readAt = options.namespaceLevels?.get(namespace);
  // A block at a level its component does not read (`qos/http-cache` on an endpoint) is ignored by KrakenD too.
  const misplaced = readAt !== undefined && readAt.length > 0;
  let message = misplaced
    ? `namespace "${namespace}" is read at the ${readAt.join(' and ')} level only, as KrakenD reads it; ignored here`
    : `namespace "${namespace}" is not supported by Portico and is ignored`;
  if (places.length > 1) {
    const others = places.slice(1, LISTED_PLACES + 1).map((place) => formatKeyPath(place.slice(0, -2)) || 'the root');
    const more = places.length - 1 - others.length;
    message += `; also used at ${others.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
  }
  const input = { code: misplaced ? 'PRT_WARN_CONFIG_NAMESPACE_LEVEL' : 'PRT_WARN_CONFIG_UNKNOWN_NAMESPACE', at: first, message };
  if (options.strictUnknownKeys) issues.error({ ...input, code: input.code.replace('PRT_WARN', 'PRT_ERR') });
  else issues.warning(input);
}

/** `anyOf`/`oneOf` noise and the same path reported twice help nobody. */
function dedupe(errors: ErrorObject[]): ErrorObject[] {
  const seen = new Set<string>();
  return errors.filter((error) => {
    if (error.keyword === 'if' || error.keyword === 'anyOf' || error.keyword === 'oneOf') return false;
    const key = `${error.instancePath}|${error.keyword}|${JSON.stringify(error.params)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function toKeyPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/** The `x-krakend-ignores-invalid` annotation of the failing key (components/block-reader.ts `ignoredWhenInvalid`). */
function ignoredEffect(error: ErrorObject): string | undefined {
  const schema = error.parentSchema as Record<string, unknown> | undefined;
  const note = schema?.['x-krakend-ignores-invalid'] as { keywords?: unknown; effect?: unknown } | undefined;
  if (!note || !Array.isArray(note.keywords) || !note.keywords.includes(error.keyword)) return undefined;
  return String(note.effect);
}

function report(error: ErrorObject, issues: ConfigIssues, options: SchemaCheckOptions): void {
  const at: KeyPath = toKeyPath(error.instancePath);
  const found = error.data;
  const effect = ignoredEffect(error);
  if (effect !== undefined) {
    const expected = error.keyword === 'type' ? article(String(error.params['type'])) : 'a Go duration such as "300ms", "2s" or "1m30s"';
    issues.warning({ code: 'PRT_WARN_CONFIG_IGNORED_VALUE', at, message: `KrakenD cannot read this value and ignores it, so Portico does too: ${effect}`, expected, found });
    return;
  }
  const envNote = at.length === 1 ? options.envSources.get(String(at[0])) : undefined;
  const hint = envNote ? `set by the environment variable ${envNote}` : undefined;
  const withHint = hint ? { hint } : {};
  switch (error.keyword) {
    case 'additionalProperties': {
      const input = { code: 'PRT_WARN_CONFIG_UNKNOWN_KEY', at: [...at, String(error.params['additionalProperty'])], message: `unknown key "${String(error.params['additionalProperty'])}" is ignored` };
      if (options.strictUnknownKeys) issues.error({ ...input, code: input.code.replace('PRT_WARN', 'PRT_ERR') });
      else issues.warning(input);
      return;
    }
    case 'required': {
      const key = String(error.params['missingProperty']);
      issues.error({
        code: key === 'version' ? 'PRT_ERR_CONFIG_VERSION' : 'PRT_ERR_CONFIG_REQUIRED',
        at: [...at, key],
        message: key === 'version' ? 'the config has no "version"' : `missing required key "${key}"`,
        ...(key === 'version' ? { expected: '"version": 3 (KrakenD v3 configuration format)' } : {}),
      });
      return;
    }
    case 'const': {
      const isVersion = at.length === 1 && at[0] === 'version';
      issues.error({
        code: isVersion ? 'PRT_ERR_CONFIG_VERSION' : 'PRT_ERR_CONFIG_VALUE',
        at,
        message: isVersion ? 'unsupported config version' : 'unexpected value',
        expected: JSON.stringify(error.params['allowedValue']),
        found,
        ...withHint,
      });
      return;
    }
    case 'type':
      issues.error({ code: 'PRT_ERR_CONFIG_TYPE', at, message: 'wrong type', expected: article(String(error.params['type'])), found, ...withHint });
      return;
    case 'pattern': {
      const isDuration = String(error.params['pattern']).includes('ms|s|m|h');
      issues.error({
        code: isDuration ? 'PRT_ERR_CONFIG_DURATION' : 'PRT_ERR_CONFIG_VALUE',
        at,
        message: isDuration ? 'invalid duration' : 'invalid value',
        expected: isDuration ? 'a Go duration such as "300ms", "2s" or "1m30s"' : `text matching ${String(error.params['pattern'])}`,
        found,
        ...withHint,
      });
      return;
    }
    case 'enum':
      issues.error({
        code: 'PRT_ERR_CONFIG_VALUE',
        at,
        message: 'unsupported value',
        expected: `one of ${(error.params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
        found,
        ...withHint,
      });
      return;
    default:
      issues.error({ code: 'PRT_ERR_CONFIG_VALUE', at, message: error.message ?? 'invalid value', found, ...withHint });
  }
}

function article(type: string): string {
  if (type === 'integer') return 'an integer';
  if (type === 'object') return 'an object';
  if (type === 'array') return 'an array';
  return `a ${type}`;
}
