/**
 * Keeps the error catalogue honest: every stable code written as a string literal in `src/` has an
 * entry (a heading) in docs/errors.md, and every entry names a code the sources still use.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest directory above this file holding package.json and src/. */
function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!(existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src')))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the repository root above this test');
    dir = parent;
  }
  return dir;
}

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !entry.name.endsWith('.test.ts')) files.push(path);
  }
  return files;
}

/** Only quoted literals count: comments such as `PRT_ERR_CONFIG_*` name families, not codes. */
const CODE_LITERAL = /['"`](PRT_(?:ERR|WARN)_[A-Z_]*[A-Z])['"`]/g;
/** A catalogue entry is a heading holding the code: "### `PRT_ERR_TIMEOUT`". */
const CODE_HEADING = /^#{2,4}\s+`?(PRT_(?:ERR|WARN)_[A-Z_]*[A-Z])`?\s*$/gm;

const root = repositoryRoot();

function usedCodes(): Map<string, string[]> {
  const used = new Map<string, string[]>();
  for (const file of sourceFiles(join(root, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(CODE_LITERAL)) {
      const code = match[1] as string;
      used.set(code, [...(used.get(code) ?? []), relative(root, file)]);
    }
  }
  return used;
}

function documentedCodes(): string[] {
  const text = readFileSync(join(root, 'docs', 'errors.md'), 'utf8');
  return [...text.matchAll(CODE_HEADING)].map((match) => match[1] as string);
}

test('every error code used in src/ is documented in docs/errors.md', () => {
  const used = usedCodes();
  const documented = new Set(documentedCodes());
  assert.ok(used.size >= 10, `expected to find the codes in src/, found only ${used.size}`);
  const missing = [...used.keys()].filter((code) => !documented.has(code)).sort();
  assert.deepEqual(
    missing,
    [],
    `add a "### \`CODE\`" entry to docs/errors.md for: ${missing.map((code) => `${code} (${(used.get(code) ?? []).join(', ')})`).join('; ')}`,
  );
});

test('every code documented in docs/errors.md is still used in src/', () => {
  const used = usedCodes();
  const documented = documentedCodes();
  assert.ok(documented.length >= 10, `expected catalogue entries in docs/errors.md, found only ${documented.length}`);
  const stale = documented.filter((code) => !used.has(code)).sort();
  assert.deepEqual(stale, [], `docs/errors.md documents codes no source uses any more: ${stale.join(', ')}`);
});

test('docs/errors.md documents each code once', () => {
  const documented = documentedCodes();
  const repeated = documented.filter((code, index) => documented.indexOf(code) !== index);
  assert.deepEqual(repeated, [], `documented more than once: ${repeated.join(', ')}`);
});
