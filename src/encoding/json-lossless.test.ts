import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJson, stringifyJson } from './json-lossless.js';

describe('lossless JSON', () => {
  it('writes big integers back with their literal text', () => {
    assert.equal(stringifyJson(parseJson('{"id":12345678901234567890,"n":1.50}')), '{"id":12345678901234567890,"n":1.5}');
  });

  it('keeps a string that looks like the internal raw-number marker a string', () => {
    // A backend (or a client's data echoed by one) must not turn a string into a number in the output.
    const text = '{"s":"\\u0000portico-raw-number:5","big":12345678901234567890}';
    assert.deepEqual(JSON.parse(stringifyJson(parseJson(text))), { s: '\u0000portico-raw-number:5', big: 12345678901234567000 });
    assert.match(stringifyJson(parseJson(text)), /"s":"\\u0000portico-raw-number:5"/);
    assert.equal(stringifyJson({ s: '\u0000portico-raw-number:7' }), '{"s":"\\u0000portico-raw-number:7"}');
  });
});
