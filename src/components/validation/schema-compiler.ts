/**
 * Compiles a request-body JSON Schema with Ajv, picking the draft from `$schema` as KrakenD's validator
 * (santhosh-tekuri/jsonschema) does: 2020-12 when `$schema` is absent. Formats are annotations only and
 * unknown keywords are ignored, as there. Ajv is loaded synchronously on first use (it is CommonJS), so
 * gateways without this component never load it.
 */
import type { Ajv as AjvClass, ErrorObject, Options, ValidateFunction } from 'ajv';
import type { RegExpEngine } from 'ajv/dist/types/index.js';
import { ajvDrafts } from '../../util/ajv-drafts.js';
import type { AjvDrafts } from '../../util/ajv-drafts.js';
import { requireGenerated } from '../../util/generated-code.js';
import { compileGoPattern, goPatternError } from '../../util/go-regexp.js';

export type Draft = 'draft-06' | 'draft-07' | '2019-09' | '2020-12';

const DRAFT_BY_URI: [RegExp, Draft][] = [
  [/^https?:\/\/json-schema\.org\/draft-06\/schema#?$/, 'draft-06'],
  [/^https?:\/\/json-schema\.org\/draft-07\/schema#?$/, 'draft-07'],
  [/^https?:\/\/json-schema\.org\/draft\/2019-09\/schema#?$/, '2019-09'],
  [/^https?:\/\/json-schema\.org\/draft\/2020-12\/schema#?$/, '2020-12'],
];

export const SUPPORTED_DRAFTS = 'draft-06, draft-07, 2019-09 or 2020-12';

/** Each draft's meta-schema, by the id Ajv registers it under. */
export const META_SCHEMA_ID: Readonly<Record<Draft, string>> = {
  'draft-06': 'http://json-schema.org/draft-06/schema',
  'draft-07': 'http://json-schema.org/draft-07/schema',
  '2019-09': 'https://json-schema.org/draft/2019-09/schema',
  '2020-12': 'https://json-schema.org/draft/2020-12/schema',
};

/** The meta-schema validator the build compiles for `draft` (scripts/build-meta-validators.ts). */
export function metaValidatorFile(draft: Draft): string {
  return `json-schema-meta.${draft}.generated.cjs`;
}

/** The draft a schema declares; `undefined` for a `$schema` this validator does not support. */
export function draftOf(schema: Record<string, unknown>): Draft | undefined {
  const declared = schema['$schema'];
  if (declared === undefined) return '2020-12';
  if (typeof declared !== 'string') return undefined;
  return DRAFT_BY_URI.find(([pattern]) => pattern.test(declared))?.[1];
}

/**
 * `pattern` and `patternProperties` run on RE2, as in KrakenD (its validator uses Go's regexp): Ajv's
 * default, JavaScript's backtracking `RegExp`, lets one crafted body hold the worker for seconds.
 */
const re2Engine: RegExpEngine = Object.assign(
  (pattern: string) => {
    const compiled = compileGoPattern(pattern);
    // Ajv keys its compiled patterns by `toString()`.
    return { test: compiled.test, toString: () => `re2:${pattern}` };
  },
  { code: 're2js' },
);

const OPTIONS: Options = {
  code: { regExp: re2Engine },
  strict: false,
  validateFormats: false,
  // The first failure is enough to refuse a request, and it bounds the work an invalid body can cause.
  allErrors: false,
  // The failing value is on the error, to name its type as krakend-jsonschema does.
  verbose: true,
  // Each endpoint's schema may reuse an `$id` another endpoint's schema has: keep them apart.
  addUsedSchema: false,
  // Checked against the draft's meta-schema before compiling, with the validator the build generated.
  validateSchema: false,
};

/** An Ajv for `draft`, its meta-schemas added. */
export function newDraftAjv(draft: Draft, options: Options, drafts: AjvDrafts = ajvDrafts()): AjvClass {
  if (draft === '2020-12') return new drafts.Ajv2020(options);
  if (draft === '2019-09') return new drafts.Ajv2019(options);
  const ajv = new drafts.Ajv(options);
  if (draft === 'draft-06') ajv.addMetaSchema(drafts.draft06);
  return ajv;
}

interface DraftCompiler {
  ajv: AjvClass;
  meta: ValidateFunction;
}

const compilers = new Map<Draft, DraftCompiler>();

function compilerFor(draft: Draft): DraftCompiler {
  let compiler = compilers.get(draft);
  if (compiler === undefined) {
    const ajv = newDraftAjv(draft, OPTIONS);
    const meta = generatedMetaValidator(draft) ?? ajv.getSchema(META_SCHEMA_ID[draft]);
    if (meta === undefined) throw new Error(`no meta-schema for JSON Schema ${draft}`);
    compiler = { ajv, meta };
    compilers.set(draft, compiler);
  }
  return compiler;
}

/**
 * Compiling a draft's meta-schema took 65-130 ms of start-up the first time a config's schema was
 * checked; the build compiles it to code instead. Running from sources, Ajv compiles it as before.
 */
function generatedMetaValidator(draft: Draft): ValidateFunction | undefined {
  return requireGenerated<ValidateFunction>(metaValidatorFile(draft));
}

/** Where a schema holds a pattern RE2 refuses (`pattern` values, `patternProperties` keys), with the reason. */
export function refusedSchemaPatterns(schema: unknown, at: readonly (string | number)[] = []): { at: (string | number)[]; pattern: string; reason: string }[] {
  const refused: { at: (string | number)[]; pattern: string; reason: string }[] = [];
  const visit = (node: unknown, path: readonly (string | number)[]): void => {
    if (Array.isArray(node)) {
      node.forEach((item, index) => visit(item, [...path, index]));
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      if (key === 'pattern' && typeof value === 'string') {
        const reason = goPatternError(value);
        if (reason !== undefined) refused.push({ at: [...path, key], pattern: value, reason });
      } else if (key === 'patternProperties' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
        for (const pattern of Object.keys(value)) {
          const reason = goPatternError(pattern);
          if (reason !== undefined) refused.push({ at: [...path, key, pattern], pattern, reason });
        }
      }
      // `enum`/`const`/`examples` values are data, not schemas: a `pattern` key inside one is not a pattern.
      if (key !== 'enum' && key !== 'const' && key !== 'examples' && key !== 'default') visit(value, [...path, key]);
    }
  };
  visit(schema, at);
  return refused;
}

/**
 * Validators by schema text: endpoints that repeat a schema share one compiled function (compiling costs
 * milliseconds and a generated function each; 5,000 endpoints with one schema compiled it 5,000 times).
 * Sharing is safe: a validator's `errors` is read right after the synchronous call that set it.
 */
const compiled = new Map<string, ValidateFunction>();
/** Reloads with ever-new schemas must not grow the cache without end. */
const MAX_CACHED_VALIDATORS = 10_000;

/** The same block is compiled when checked and again when built: the second time skips the text key. */
const compiledBlocks = new WeakMap<Record<string, unknown>, ValidateFunction>();

/** Compiles `schema`; throws with Ajv's explanation when the schema itself is invalid. */
export function compileBodySchema(schema: Record<string, unknown>): ValidateFunction {
  const known = compiledBlocks.get(schema);
  if (known !== undefined) return known;
  const draft = draftOf(schema);
  if (draft === undefined) throw new Error(`unsupported $schema ${JSON.stringify(schema['$schema'])}: use ${SUPPORTED_DRAFTS}`);
  const key = `${draft} ${JSON.stringify(schema)}`;
  let validate = compiled.get(key);
  if (validate === undefined) {
    const { ajv, meta } = compilerFor(draft);
    // Ajv's own words for an invalid schema, as when it checked the meta-schema itself. The draft picks the
    // meta-schema, so `https://` spellings of the draft-07 URI are read as draft-07, as KrakenD's validator does.
    if (!meta(schema)) throw new Error(`schema is invalid: ${ajv.errorsText(meta.errors)}`);
    validate = ajv.compile(schema);
    if (compiled.size >= MAX_CACHED_VALIDATORS) compiled.clear();
    compiled.set(key, validate);
  }
  compiledBlocks.set(schema, validate);
  return validate;
}

/** One line per failure, as KrakenD lists them: `- at '/age': got string, want integer`. */
export function describeFailures(errors: readonly ErrorObject[] | null | undefined): string {
  if (!errors || errors.length === 0) return '- the body does not match the schema';
  return errors.map((error) => `- at '${error.instancePath}': ${reasonOf(error)}`).join('\n');
}

/** santhosh-tekuri/jsonschema v6's wording (krakend-jsonschema's validator) where known, else Ajv's. */
function reasonOf(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required' && typeof params['missingProperty'] === 'string') return `missing property '${params['missingProperty']}'`;
  if (error.keyword === 'type' && params['type'] !== undefined) {
    const wanted = Array.isArray(params['type']) ? (params['type'] as string[]).join(' or ') : String(params['type']);
    return `got ${jsonTypeOf(error.data)}, want ${wanted}`;
  }
  return error.message ?? error.keyword;
}

function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
