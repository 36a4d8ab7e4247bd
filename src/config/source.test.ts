import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigIssues } from './issues.js';
import { duplicateJsonKeys, parseSource } from './source.js';

test('duplicate keys are found in every object, past strings holding quotes, braces, commas and escapes', () => {
  const text = JSON.stringify({ a: 1 }).replace('}', ',"a":2}');
  assert.deepEqual(duplicateJsonKeys(text), [{ path: ['a'], offset: 7 }]);
  const tricky = `{"x":"a\\"},{[\\\\","y":[{"k":1,"k":2},{"k":3}],"z":{"":1,"":2,"\\u0071":1,"q":2},"w":"\\\\","w":1}`;
  assert.doesNotThrow(() => JSON.parse(tricky));
  const found = duplicateJsonKeys(tricky).map((duplicate) => duplicate.path);
  assert.deepEqual(found, [['y', 0, 'k'], ['z', ''], ['z', 'q'], ['w']]);
  assert.deepEqual(duplicateJsonKeys('{"a":{"b":1},"c":{"b":2},"arr":[1,"a",{"a":1}]}'), []);
});

test('duplicate keys are found in objects of many keys, and reused frames do not carry keys over', () => {
  const many = Array.from({ length: 40 }, (_, i) => `"k${i}":${i}`).join(',');
  assert.deepEqual(duplicateJsonKeys(`{"o":{${many},"k3":0,"k39":0}}`).map((duplicate) => duplicate.path), [['o', 'k3'], ['o', 'k39']]);
  // Sibling objects at one depth reuse a frame: the second starts empty.
  assert.deepEqual(duplicateJsonKeys(`[{${many}},{"k1":1,"k2":2},{"k1":1,"k1":2}]`).map((duplicate) => duplicate.path), [[2, 'k1']]);
});

test('a JSON config is read natively; duplicates and positions are reported as before', async () => {
  const issues = new ConfigIssues('krakend.json');
  const text = '{\n  "version": 3,\n  "endpoints": [\n    { "endpoint": "/a", "method": "GET", "method": "POST" }\n  ]\n}\n';
  const document = await parseSource('krakend.json', text, issues);
  assert.deepEqual(document?.value, { version: 3, endpoints: [{ endpoint: '/a', method: 'POST' }] });
  assert.deepEqual(
    issues.list.map((issue) => [issue.code, issue.position?.line, issue.position?.column]),
    [['PRT_WARN_CONFIG_DUPLICATE_KEY', 4, 42]],
  );
  assert.deepEqual(document?.locate(['endpoints', 0, 'endpoint']), { line: 4, column: 7 });
  assert.equal(document?.locate(['nowhere']), undefined);
});

test('invalid JSON still gets jsonc-parser positions and wording', async () => {
  const issues = new ConfigIssues('krakend.json');
  assert.equal(await parseSource('krakend.json', '{\n  "version": 3,\n}', issues), undefined);
  assert.equal(issues.list[0]?.code, 'PRT_ERR_CONFIG_SYNTAX');
  assert.equal(issues.list[0]?.position?.line, 3);
  assert.match(issues.list[0]?.message ?? '', /trailing commas/);
});
