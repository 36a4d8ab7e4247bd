import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJson, RawNumber } from '../encoding/json-lossless.js';
import { DetailedBackendError } from '../proxy/http-backend.js';
import { renderJson, sortKeysDeep } from './json.js';

describe('renderJson', () => {
  it('sorts keys at every level, like Go maps', () => {
    assert.equal(renderJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } }), '{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}');
  });

  it('escapes <, >, &, U+2028 and U+2029 as Go does', () => {
    assert.equal(renderJson({ html: '<a href="x">&</a>', ls: '\u2028\u2029' }), '{"html":"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e","ls":"\\u2028\\u2029"}');
  });

  it('sorts objects without a prototype (config values) too', () => {
    const value = Object.assign(Object.create(null) as Record<string, unknown>, { b: 1, a: 2 });
    assert.equal(renderJson(value), '{"a":2,"b":1}');
    assert.equal(renderJson({ outer: value }), '{"outer":{"a":2,"b":1}}');
  });

  it('keeps the field order of class instances, as Go structs keep theirs', () => {
    assert.equal(renderJson({ e: new DetailedBackendError(404, 'x', 'text/plain') }), '{"e":{"http_status_code":404,"http_body":"x","http_body_encoding":"text/plain"}}');
  });

  it('writes big integers back exactly', () => {
    const parsed = parseJson('{"big":12345678901234567890,"neg":-98765432109876543210,"small":1}');
    assert.ok((parsed as Record<string, unknown>)['big'] instanceof RawNumber);
    assert.equal(renderJson(parsed), '{"big":12345678901234567890,"neg":-98765432109876543210,"small":1}');
  });

  it('renders scalars, arrays and undefined', () => {
    assert.equal(renderJson([3, 'x', true, null]), '[3,"x",true,null]');
    assert.equal(renderJson('text'), '"text"');
    assert.equal(renderJson(undefined), 'null');
  });
});

describe('sortKeysDeep', () => {
  it('returns the same object when it is already sorted', () => {
    const value = { a: 1, b: { c: [{ d: 1, e: 2 }] } };
    assert.equal(sortKeysDeep(value), value);
  });

  it('copies instead of changing the input', () => {
    const value = { b: 1, a: { d: 1, c: 2 } };
    const sorted = sortKeysDeep(value) as Record<string, unknown>;
    assert.notEqual(sorted, value);
    assert.deepEqual(Object.keys(value), ['b', 'a'], 'the input keeps its order');
    assert.deepEqual(Object.keys(sorted), ['a', 'b']);
    assert.deepEqual(Object.keys(sorted['a'] as object), ['c', 'd']);
  });

  it('sorts objects of any size the way Array#sort orders strings', () => {
    for (const size of [2, 3, 16, 17, 40]) {
      const keys = Array.from({ length: size }, (_, i) => `k${(i * 7919) % 1000}-${String.fromCharCode(0x41 + (i % 50))}`);
      const value = Object.fromEntries(keys.map((key, i) => [key, { z: i, a: [i] }]));
      const sorted = sortKeysDeep(value) as Record<string, Record<string, unknown>>;
      assert.deepEqual(Object.keys(sorted), [...keys].sort(), `${size} keys`);
      for (const key of keys) assert.deepEqual(Object.keys(sorted[key] as object), ['a', 'z']);
    }
  });

  it('sorts inside arrays', () => {
    assert.equal(JSON.stringify(sortKeysDeep([{ b: 1, a: 2 }, 3])), '[{"a":2,"b":1},3]');
  });
});

it('writes integer-like keys in Go order ("10" before "2"), at any depth', () => {
  const render = renderJson;
  assert.equal(render({ paths: { '1': 'a', '10': 'b', '2': 'c' } }), '{"paths":{"1":"a","10":"b","2":"c"}}');
  assert.equal(render([{ '9': 1, '10': { '20': true, '3': false } }]), '[{"10":{"20":true,"3":false},"9":1}]');
  // Orders a plain object can hold stay plain objects.
  assert.equal(render({ '2': 1, '1': 2, a: 3 }), '{"1":2,"2":1,"a":3}');
  // Escaping still applies inside such objects.
  assert.equal(render({ '10': '<b>', '9': '&' }), '{"10":"\\u003cb\\u003e","9":"\\u0026"}');
});
