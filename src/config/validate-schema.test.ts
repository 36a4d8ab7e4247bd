/** The config schema as compiled (namespaces split into functions of their own) says what the schema says. */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import type { Ajv as AjvClass, ErrorObject } from 'ajv';
import { createBuiltinRegistry } from '../components/builtin.js';
import { configSchema } from './load.js';
import { AJV_OPTIONS, compilableSchema } from './validate-schema.js';

const Ajv = (createRequire(import.meta.url)('ajv') as { Ajv: typeof AjvClass }).Ajv;

const backend = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ host: ['http://127.0.0.1:1'], url_pattern: '/x', extra_config: extra });
const CONFIGS: Record<string, unknown>[] = [
  { version: 3, endpoints: [{ endpoint: '/a', backend: [backend()] }] },
  { version: 2, port: 'eighty', timeout: '3 seconds', endpoints: [{ endpoint: '/a', backend: [backend({ 'qos/circuit-breaker': { interval: 'x', max_errors: -1 } })] }] },
  {
    version: 3,
    extra_config: { 'security/cors': { allow_origins: 'all', max_age: '1 day' }, 'security/http': { sts_seconds: '60' }, 'telemetry/logging': { level: 3 }, 'made/up': {} },
    endpoints: [
      { endpoint: '/b', method: ['GET', 5], extra_config: { 'qos/ratelimit/router': { max_rate: 'fast', every: '1 minute' }, 'auth/validator': { alg: 7 } }, backend: [backend({ 'qos/http-cache': { shared: 'yes' }, 'modifier/martian': 'no' })] },
      { endpoint: '/c', backend: [{ host: 'one', extra_config: { 'backend/http': { return_error_code: 'sure' } } }] },
    ],
  },
  { version: 3, async_agent: [{ name: 1, extra_config: { 'async/amqp': { name: 3 } } }], endpoints: [] },
];

/** What reporting reads of an error: of its schema, only the `x-krakend-ignores-invalid` annotation. */
function describeErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? [])
    .map((error) => `${error.instancePath} ${error.keyword} ${JSON.stringify(error.params)} ${error.message ?? ''} ${JSON.stringify(error.data)} ${JSON.stringify((error.parentSchema as Record<string, unknown> | undefined)?.['x-krakend-ignores-invalid'])}`)
    .sort();
}

describe('compilableSchema', () => {
  it('moves each namespace under $defs, and validates as the schema inlined does', () => {
    const schema = configSchema(createBuiltinRegistry());
    const split = compilableSchema(schema);
    const refs = JSON.stringify(split).match(/"\$ref":"#\/\$defs\/namespace\d+"/g) ?? [];
    assert.ok(refs.length > 40, `only ${refs.length} namespaces referenced`);
    const inlined = new Ajv({ ...AJV_OPTIONS, inlineRefs: true }).compile(schema);
    const compiled = new Ajv(AJV_OPTIONS).compile(split);
    let failures = 0;
    for (const config of CONFIGS) {
      const verdict = compiled(config);
      assert.equal(verdict, inlined(config), JSON.stringify(config));
      assert.deepEqual(describeErrors(compiled.errors), describeErrors(inlined.errors));
      failures += compiled.errors?.length ?? 0;
    }
    assert.ok(failures >= 15, `the bad configs raised only ${failures} errors`);
  });
});
