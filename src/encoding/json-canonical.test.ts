import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DetailedBackendError } from '../proxy/http-backend.js';
import { renderJson } from '../render/json.js';
import { canonicalMembers } from './json-canonical.js';
import { parseJson, RawJson } from './json-lossless.js';

/** What the general path writes for the same body: parse, then render. */
function general(text: string): string {
  return renderJson(parseJson(text));
}

function viaMembers(text: string): string | undefined {
  const members = canonicalMembers(text);
  return members && renderJson(members);
}

describe('top-level JSON members kept as written text', () => {
  it('renders exactly what parsing and rendering give', () => {
    const cases = [
      '{"a":1,"b":{"c":[1,2,{"d":true}]}}',
      '{"z":{"y":1,"x":[{"q":null,"p":"s"}]},"a":[]}',
      '{ "b" : [ 1 , 2 ] ,\n\t"a" : { "d" : { } , "c" : [ ] } }\r\n',
      '{"a":1,"a":2,"b":{"k":1,"j":2,"k":3}}',
      '{"10":1,"2":2,"a":{"10":"x","9":"y","b":"z"}}',
      '{"a":{"a b":1,"a":2,"a!":3,"b":4}}',
      '{"s":"\\u00e9\\/\\"\\n\\t\\\\","\\u0041":{"k\\u00e9":1,"k":2}}',
      '{"n":[1.50,2.0,1E+2,1e-7,-0,12345678901234567890,0.1,3,-42]}',
      '{"html":"<b>&amp;</b>","ls":"\u2028\u2029","emoji":"\ud83d\ude00","\u00e9":"é"}',
      '{"empty":{ },"list":[ ],"nested":[[],[{}],{"":""}]}',
      '{}',
      ' {"a":"x"} ',
    ];
    for (const text of cases) assert.equal(viaMembers(text), general(text), text);
  });

  it('copies objects already in order as they were written', () => {
    const members = canonicalMembers('{"b":{"x":[1,{"m":1,"n":2}],"y":"z"},"a":2}');
    assert.ok(members?.['b'] instanceof RawJson);
    assert.equal(members['b'].text, '{"x":[1,{"m":1,"n":2}],"y":"z"}');
  });

  it('renders alongside parsed values, as when another backend failed or took the general path', () => {
    const text = '{"b":{"y":1,"x":2},"a":[1.50]}';
    const mixed = { ...canonicalMembers(text), c: { e: 1, d: new DetailedBackendError(500, 'x', undefined) }, '10': true };
    const parsed = { ...(parseJson(text) as Record<string, unknown>), c: { e: 1, d: new DetailedBackendError(500, 'x', undefined) }, '10': true };
    assert.equal(renderJson(mixed), renderJson(parsed));
    assert.equal(renderJson(mixed), '{"10":true,"a":[1.50],"b":{"x":2,"y":1},"c":{"d":{"http_status_code":500,"http_body":"x"},"e":1}}');
  });

  it('gives up on what the general path must judge', () => {
    const refused = [
      '',
      'null',
      '[1,2]',
      '"text"',
      '{"a":1',
      '{"a":1}x',
      '{"a":01}',
      '{"a":1.}',
      '{"a":-}',
      '{"a":tru}',
      '{"a":"raw\u0001control"}',
      '{"a":"raw\nnewline"}',
      '{"a":1,}',
      '{"__proto__":{"x":1}}',
      `{"deep":${'['.repeat(600)}${']'.repeat(600)}}`,
    ];
    for (const text of refused) assert.equal(canonicalMembers(text), undefined, text);
  });

  it('matches the general path on random documents', () => {
    const random = seeded(20261204);
    for (let run = 0; run < 3000; run++) {
      const text = randomObject(random, 0);
      assert.equal(viaMembers(text), general(text), text);
    }
  });
});

type Random = () => number;

/** A small deterministic generator (mulberry32), so a failure reproduces. */
function seeded(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pickOf = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

// Keys that collide, sort around '"' (' ', '!'), look like array indexes, or need escapes.
const KEYS = ['a', 'b', 'ab', 'a b', 'a!', 'B', '0', '1', '10', '2', 'é', 'z', '<k>', '\\u0061', 'k\\"q', '\\/x', ''];
const STRINGS = ['x', 'hello world', '<p>&</p>', '\\u00e9', '\\"quoted\\"', 'line\\nbreak', '\\/path', '\u2028', '😀', '1.50', ''];
// Literals the general path writes back unchanged (shortest forms, or forms it keeps as written).
const NUMBERS = ['0', '1', '-1', '3.5', '100', '1.50', '2.0', '1E+2', '1e-7', '-0', '12345678901234567890', '0.1', '-2.5e3'];
const SPACES = ['', '', '', ' ', '\n  ', '\t'];

function randomObject(random: Random, depth: number): string {
  const count = Math.floor(random() * 5);
  const space = (): string => pickOf(random, SPACES);
  const members: string[] = [];
  for (let i = 0; i < count; i++) members.push(`${space()}"${pickOf(random, KEYS)}"${space()}:${space()}${randomValue(random, depth + 1)}${space()}`);
  return `{${members.join(',')}}`;
}

function randomValue(random: Random, depth: number): string {
  const kind = random();
  if (depth < 5 && kind < 0.2) return randomObject(random, depth);
  if (depth < 5 && kind < 0.35) {
    const items: string[] = [];
    const count = Math.floor(random() * 4);
    for (let i = 0; i < count; i++) items.push(randomValue(random, depth + 1));
    return `[${items.join(',')}]`;
  }
  if (kind < 0.6) return `"${pickOf(random, STRINGS)}"`;
  if (kind < 0.85) return pickOf(random, NUMBERS);
  return pickOf(random, ['true', 'false', 'null']);
}
