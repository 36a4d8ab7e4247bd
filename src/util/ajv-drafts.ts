/**
 * Ajv's classes, one per JSON Schema draft, as the build bundles them into one script
 * (scripts/build-meta-validators.ts): required module by module, Ajv's ~100 files took about twice as
 * long to load. Ajv's own modules when running from sources, and for its standalone code generator.
 */
import { createRequire } from 'node:module';
import type { Ajv as AjvClass, Options } from 'ajv';
import { requireGenerated } from './generated-code.js';

type AjvConstructor = new (options: Options) => AjvClass;

export interface AjvDrafts {
  Ajv2020: AjvConstructor;
  Ajv2019: AjvConstructor;
  /** Draft-07 (and draft-06 with its meta-schema added). */
  Ajv: AjvConstructor;
  draft06: Record<string, unknown>;
}

export const AJV_BUNDLE = 'ajv-drafts.generated.cjs';

/** Where each class comes from: Ajv's module and the export taken from it (the module itself when absent). */
const SOURCES: Record<keyof AjvDrafts, readonly [module: string, name?: string]> = {
  Ajv2020: ['ajv/dist/2020', 'Ajv2020'],
  Ajv2019: ['ajv/dist/2019', 'Ajv2019'],
  Ajv: ['ajv', 'Ajv'],
  draft06: ['ajv/dist/refs/json-schema-draft-06.json'],
};

/** The bundle when built, else Ajv's own modules. */
export function ajvDrafts(): AjvDrafts {
  return requireGenerated<AjvDrafts>(AJV_BUNDLE) ?? ajvDraftsFromModules();
}

/** Ajv's own modules: what its standalone code generator works with. */
export function ajvDraftsFromModules(): AjvDrafts {
  const require = createRequire(import.meta.url);
  const entries = Object.entries(SOURCES).map(([key, [module, name]]) => {
    const exports = require(module) as Record<string, unknown>;
    return [key, name === undefined ? exports : exports[name]];
  });
  return Object.fromEntries(entries) as AjvDrafts;
}

/** The CommonJS module the build bundles into `AJV_BUNDLE`: the same exports as `ajvDraftsFromModules`. */
export function ajvDraftsBundleEntry(): string {
  const exports = Object.entries(SOURCES).map(([key, [module, name]]) => `${key}: require(${JSON.stringify(module)})${name === undefined ? '' : `.${name}`}`);
  return `module.exports = { ${exports.join(', ')} };`;
}
