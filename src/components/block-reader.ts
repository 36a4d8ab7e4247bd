/**
 * Typed reads of a component's config block. The schema has already checked types when these run,
 * so each reader only supplies the default for an absent key.
 */
import { DURATION_PATTERN } from '../config/schema.js';

export type { Block } from '../config/read.js';
export { readBoolean, readDurationMs, readInteger, readObject, readString, readStrings } from '../config/read.js';

/** JSON Schema of a component block: known keys only, `@comment`-style keys allowed. */
export function objectSchema(properties: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'object', properties, patternProperties: { '^[@$_#]': {} }, additionalProperties: false, ...extra };
}

export const DURATION_SCHEMA = { type: 'string', pattern: DURATION_PATTERN };
export const STRINGS_SCHEMA = { type: 'array', items: { type: 'string' } };
export const BOOLEAN_SCHEMA = { type: 'boolean' };

/** Schema annotation read by the schema check: see `ignoredWhenInvalid`. */
export const IGNORED_WHEN_INVALID = 'x-krakend-ignores-invalid';

/**
 * Marks a key that KrakenD's module skips when it cannot read it (the option keeps its zero value and
 * the service starts): a failure of one of `keywords` is then a warning naming `effect`, not an error.
 * Only for keys whose loss opens nothing; the readers already fall back to the default for such values.
 */
export function ignoredWhenInvalid(schema: Record<string, unknown>, keywords: readonly ('type' | 'pattern')[], effect: string): Record<string, unknown> {
  return { ...schema, [IGNORED_WHEN_INVALID]: { keywords, effect } };
}
