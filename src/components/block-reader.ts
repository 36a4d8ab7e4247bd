/**
 * Typed reads of a component's config block. The schema has already checked types when these run,
 * so each reader only supplies the default for an absent key.
 */
import { parseDuration } from '../config/duration.js';
import { DURATION_PATTERN } from '../config/schema.js';

export type Block = Readonly<Record<string, unknown>>;

export function readString(block: Block, key: string, fallback = ''): string {
  const value = block[key];
  return typeof value === 'string' ? value : fallback;
}

export function readStrings(block: Block, key: string): string[] {
  const value = block[key];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

export function readBoolean(block: Block, key: string, fallback = false): boolean {
  const value = block[key];
  return typeof value === 'boolean' ? value : fallback;
}

export function readInteger(block: Block, key: string, fallback: number): number {
  const value = block[key];
  return typeof value === 'number' && Number.isInteger(value) ? value : fallback;
}

/** A Go duration string in milliseconds; `fallback` when absent or not a duration. */
export function readDurationMs(block: Block, key: string, fallback: number): number {
  const value = block[key];
  if (typeof value !== 'string') return fallback;
  return parseDuration(value) ?? fallback;
}

/** JSON Schema of a component block: known keys only, `@comment`-style keys allowed. */
export function objectSchema(properties: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'object', properties, patternProperties: { '^[@$_#]': {} }, additionalProperties: false, ...extra };
}

export const DURATION_SCHEMA = { type: 'string', pattern: DURATION_PATTERN };
export const STRINGS_SCHEMA = { type: 'array', items: { type: 'string' } };
export const BOOLEAN_SCHEMA = { type: 'boolean' };
