/**
 * Where the build writes generated code: dist/src/config/. Resolved from this module's own URL, which is
 * one folder below dist/src both compiled (dist/src/util/) and bundled (dist/src/cli/portico-command.cjs).
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export function generatedCodeUrl(file: string): URL {
  return new URL(`../config/${file}`, import.meta.url);
}

/** A generated CommonJS script's exports; `undefined` when the build did not write it (running from sources). */
export function requireGenerated<T>(file: string): T | undefined {
  try {
    return createRequire(import.meta.url)(fileURLToPath(generatedCodeUrl(file))) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}
