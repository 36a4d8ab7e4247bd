/**
 * The shipped schema/portico.schema.json must be exactly what `portico schema` prints, so editors and
 * `check --lint` users see the keys Portico supports today.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { configSchema } from '../../src/config/load.js';
import { components } from '../helpers/components.js';

const REGENERATE = 'schema/portico.schema.json is out of date: regenerate it with `npm run schema` (node dist/src/cli/portico.js schema > schema/portico.schema.json) and commit the result';

function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!(existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src')))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the repository root above this test');
    dir = parent;
  }
  return dir;
}

const root = repositoryRoot();
const schemaFile = join(root, 'schema', 'portico.schema.json');

test('schema/portico.schema.json equals configSchema()', () => {
  const shipped: unknown = JSON.parse(readFileSync(schemaFile, 'utf8'));
  assert.deepStrictEqual(shipped, JSON.parse(JSON.stringify(configSchema(components))), REGENERATE);
});

test('schema/portico.schema.json is byte for byte what `portico schema` prints', async () => {
  const cli = fileURLToPath(new URL('../../src/cli/portico.js', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, [cli, 'schema'], { cwd: root, timeout: 30_000 });
  assert.ok(stdout.includes('"endpoints"'), 'portico schema printed no schema');
  assert.equal(readFileSync(schemaFile, 'utf8'), stdout, REGENERATE);
});
