/**
 * Typed reads of a config object (the root, an endpoint, a backend or a component block). The schema has
 * already checked types when these run, so each reader only supplies the default for an absent key.
 */
import { parseDuration } from './duration.js';

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

/** A nested object; `{}` when absent or not an object. */
export function readObject(block: Block, key: string): Record<string, unknown> {
  const value = block[key];
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
