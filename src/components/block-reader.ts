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
