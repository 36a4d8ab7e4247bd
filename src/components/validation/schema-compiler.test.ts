/** The meta-schema validators the build generates answer as Ajv's own compiled meta-schemas do. */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import type { ValidateFunction } from 'ajv';
import { generatedCodeUrl } from '../../util/generated-code.js';
import { compileBodySchema, META_SCHEMA_ID, metaValidatorFile, newDraftAjv } from './schema-compiler.js';
import type { Draft } from './schema-compiler.js';

const SCHEMAS: Record<string, unknown>[] = [
  { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 64 } } },
  { type: 'object', properties: { a: { type: 'no-such-type' } } },
  { type: 'object', required: 'a' },
  { minLength: -1 },
  { $ref: 5 },
  { items: [{ type: 'string' }], additionalItems: false },
  { prefixItems: [{ type: 'string' }], items: false },
  { properties: { deep: { properties: { deeper: { enum: 'not-a-list' } } } } },
  { $defs: { a: { type: 'integer' } }, $ref: '#/$defs/a', definitions: { b: { pattern: 3 } } },
  { anyOf: [] },
  { patternProperties: { '^x-': { type: 'string' } }, dependentRequired: { a: 'b' } },
];

describe('generated meta-schema validators', () => {
  for (const draft of Object.keys(META_SCHEMA_ID) as Draft[]) {
    it(`${draft}: same verdicts and messages as Ajv compiling the meta-schema`, () => {
      const generated = createRequire(import.meta.url)(fileURLToPath(generatedCodeUrl(metaValidatorFile(draft)))) as ValidateFunction;
      const ajv = newDraftAjv(draft, { strict: false, validateFormats: false, verbose: true });
      const own = ajv.getSchema(META_SCHEMA_ID[draft]) as ValidateFunction;
      let refused = 0;
      for (const schema of SCHEMAS) {
        const verdict = generated(schema);
        assert.equal(verdict, own(schema), JSON.stringify(schema));
        assert.equal(ajv.errorsText(generated.errors), ajv.errorsText(own.errors), JSON.stringify(schema));
        if (!verdict) refused++;
      }
      assert.ok(refused >= 5, `${draft} refused only ${refused} schemas`);
    });
  }

  it('reads the draft from the URI whatever its scheme, as KrakenD does', () => {
    const tuple = compileBodySchema({ $schema: 'https://json-schema.org/draft-07/schema#', items: [{ type: 'string' }], additionalItems: false });
    assert.equal(tuple(['a']), true);
    assert.equal(tuple(['a', 'b']), false);
    assert.throws(() => compileBodySchema({ $schema: 'http://json-schema.org/draft/2020-12/schema', minLength: -1 }), /^Error: schema is invalid: data\/minLength must be >= 0$/);
  });
});
