import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { markLiteralNumbers, parseJson, RawNumber, stringifyJson, withPlainNumbers } from './json-lossless.js';

describe('lossless JSON', () => {
  it('writes numbers back with their literal text, as Go json.Number does', () => {
    const text = '{"id":12345678901234567890,"n":1.50,"e":1E+2,"f":2.0,"z":-0,"tiny":0.0000001,"exp":1e-7,"plain":[1,1.5,-3,0,100,0.5]}';
    assert.equal(stringifyJson(parseJson(text)), text);
  });

  it('keeps numbers that round-trip as plain numbers', () => {
    const parsed = parseJson('{"a":1.50,"b":1.5,"c":[100,-2,0.25]}') as Record<string, unknown>;
    assert.ok(parsed['a'] instanceof RawNumber);
    assert.equal(parsed['b'], 1.5);
    assert.deepEqual(parsed['c'], [100, -2, 0.25]);
  });

  it('never touches numbers inside strings, escaped quotes included', () => {
    const text = '{"s":"price 1.50 \\" 2.0","t":"\\\\","n":3.10}';
    const parsed = parseJson(text) as Record<string, unknown>;
    assert.equal(parsed['s'], 'price 1.50 " 2.0');
    assert.equal(parsed['t'], '\\');
    assert.equal(stringifyJson(parsed), text);
  });

  it('gives plain numbers to consumers that compute, copying only what holds a raw one', () => {
    const parsed = parseJson('{"a":{"p":1.50},"b":{"q":2},"c":[1E+2]}') as Record<string, unknown>;
    const plain = withPlainNumbers(parsed) as Record<string, unknown>;
    assert.deepEqual(plain, { a: { p: 1.5 }, b: { q: 2 }, c: [100] });
    assert.equal(plain['b'], parsed['b']);
    assert.ok((parsed['a'] as Record<string, unknown>)['p'] instanceof RawNumber, 'the original keeps its text');
    const none = { x: 1 };
    assert.equal(withPlainNumbers(none), none);
  });

  it('leaves invalid JSON invalid', () => {
    assert.equal(markLiteralNumbers('{"a":01.0}'), '{"a":01.0}');
    assert.throws(() => parseJson('{"a":1.50'));
    assert.throws(() => parseJson('{"a":"1.50}'));
  });

  it('keeps a string that looks like the internal raw-number marker a string', () => {
    // A backend (or a client's data echoed by one) must not turn a string into a number in the output.
    const text = '{"s":"\\u0000portico-raw-number:5","big":12345678901234567890}';
    assert.deepEqual(JSON.parse(stringifyJson(parseJson(text))), { s: '\u0000portico-raw-number:5', big: 12345678901234567000 });
    assert.match(stringifyJson(parseJson(text)), /"s":"\\u0000portico-raw-number:5"/);
    assert.equal(stringifyJson({ s: '\u0000portico-raw-number:7' }), '{"s":"\\u0000portico-raw-number:7"}');
  });
});
