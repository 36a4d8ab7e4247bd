/**
 * Where the build writes generated code: dist/src/config/. Resolved from this module's own URL, which is
 * one folder below dist/src both compiled (dist/src/util/) and bundled (dist/src/cli/portico-command.cjs).
 */
export function generatedCodeUrl(file: string): URL {
  return new URL(`../config/${file}`, import.meta.url);
}
