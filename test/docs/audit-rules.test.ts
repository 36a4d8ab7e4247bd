/** docs/audit.md lists every audit rule with its severity and message, and marks Portico's own. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AUDIT_RULES } from '../../src/audit/rules.js';

/** From dist/test/docs/ the repository root is three levels up. */
const text = readFileSync(fileURLToPath(new URL('../../../docs/audit.md', import.meta.url)), 'utf8');

/** `| \`1.1.1\` | HIGH | message | when |` rows. */
const rows = [...text.matchAll(/^\| `([P\d][\d.]*)` \| ([A-Z]+) \| (.+?) \| (.+) \|$/gm)].map((match) => ({ id: match[1] as string, severity: match[2], message: match[3], when: match[4] as string }));

test('docs/audit.md has one row per rule, with its severity and message', () => {
  assert.deepEqual(
    rows.map((row) => row.id),
    AUDIT_RULES.map((rule) => rule.id),
  );
  for (const rule of AUDIT_RULES) {
    const row = rows.find((candidate) => candidate.id === rule.id);
    assert.equal(row?.severity, rule.severity, rule.id);
    assert.equal(row?.message, rule.message, rule.id);
    assert.equal(row?.when.includes('**(Portico)**'), rule.portico === true, `${rule.id}: Portico's own rules, and only they, are marked`);
  }
});
