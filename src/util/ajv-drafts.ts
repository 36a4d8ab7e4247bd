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

/** The bundle when built, else Ajv's own modules. */
export function ajvDrafts(): AjvDrafts {
  return requireGenerated<AjvDrafts>(AJV_BUNDLE) ?? ajvDraftsFromModules();
}

/** Ajv's own modules: what its standalone code generator works with. */
export function ajvDraftsFromModules(): AjvDrafts {
  const require = createRequire(import.meta.url);
  return {
    Ajv2020: (require('ajv/dist/2020') as { Ajv2020: AjvConstructor }).Ajv2020,
    Ajv2019: (require('ajv/dist/2019') as { Ajv2019: AjvConstructor }).Ajv2019,
    Ajv: (require('ajv') as { Ajv: AjvConstructor }).Ajv,
    draft06: require('ajv/dist/refs/json-schema-draft-06.json') as Record<string, unknown>,
  };
}
