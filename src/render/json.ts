/**
 * JSON output as KrakenD writes it (Go's encoding/json over maps): keys sorted at every level, and
 * `<`, `>`, `&`, U+2028, U+2029 escaped. Objects already in order are not copied, which is the common
 * case for data that came from another KrakenD-style service.
 */
import { RawJson, stringifyJson } from '../encoding/json-lossless.js';

const NEEDS_ESCAPE = /[<>&\u2028\u2029]/;
const ESCAPED: Readonly<Record<string, string>> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

export function renderJson(value: unknown): string {
  const text = isRawMembers(value) ? joinRawMembers(value) : stringifyJson(sortKeysDeep(value));
  return NEEDS_ESCAPE.test(text) ? text.replace(/[<>&\u2028\u2029]/g, (ch) => ESCAPED[ch] as string) : text;
}

/**
 * A plain object whose every value is already written (`encoding/json-canonical.ts`): only its own keys
 * need sorting. Gives up at the first other value, so other data costs one property read.
 */
function isRawMembers(value: unknown): value is Record<string, RawJson> {
  if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false;
  let any = false;
  for (const key in value) {
    if (!((value as Record<string, unknown>)[key] instanceof RawJson)) return false;
    any = true;
  }
  return any;
}

function joinRawMembers(members: Record<string, RawJson>): string {
  // Default sort: UTF-16 order, as sortedCopy's comparisons; Go's order for integer-like keys too.
  const keys = Object.keys(members).sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    out += `${i === 0 ? '' : ','}${JSON.stringify(key)}:${(members[key] as RawJson).text}`;
  }
  return `${out}}`;
}

/** Returns `value` itself when every plain object in it is already sorted; a sorted copy otherwise. */
export function sortKeysDeep(value: unknown): unknown {
  // Check first without allocating: data from Go services (or KrakenD) is already in order.
  return !isContainer(value) || isSortedDeep(value) ? value : sortedCopy(value);
}

/** Objects and arrays: the only values the walks below visit (scalars are most of a payload). */
function isContainer(value: unknown): value is object {
  return value !== null && typeof value === 'object';
}

function isSortedDeep(value: object): boolean {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (isContainer(item) && !isSortedDeep(item)) return false;
    }
    return true;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return true;
  const object = value as Record<string, unknown>;
  let previous: string | undefined;
  for (const key in object) {
    if (previous !== undefined && previous > key) return false;
    previous = key;
    const item = object[key];
    if (isContainer(item) && !isSortedDeep(item)) return false;
  }
  return true;
}

const INTEGER_KEY = /^(0|[1-9]\d{0,9})$/;

function isArrayIndex(key: string): boolean {
  return INTEGER_KEY.test(key) && Number(key) < 4294967295;
}

/** True when a plain object can enumerate `keys` in Go's (byte-wise) order. */
function representable(keys: string[]): boolean {
  const goOrder = [...keys].sort();
  const integers = goOrder.filter(isArrayIndex);
  const others = goOrder.filter((key) => !isArrayIndex(key));
  const enumerated = [...integers.sort((a, b) => Number(a) - Number(b)), ...others];
  return enumerated.every((key, index) => key === goOrder[index]);
}

function goOrdered(object: Record<string, unknown>, keys: string[]): RawJson {
  const parts = [...keys].sort().map((key) => `${JSON.stringify(key)}:${stringifyJson(sortKeysDeep(object[key]))}`);
  return new RawJson(`{${parts.join(',')}}`);
}

/** Sorts a few keys in place: an insertion sort beats `Array#sort`'s set-up on the 2–10 keys of most objects. */
function sortFewKeys(keys: string[]): void {
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i] as string;
    let j = i - 1;
    while (j >= 0 && (keys[j] as string) > key) {
      keys[j + 1] = keys[j] as string;
      j--;
    }
    keys[j + 1] = key;
  }
}

function isIntegerLike(key: string): boolean {
  const first = key.charCodeAt(0);
  return first >= 0x30 && first <= 0x39 && INTEGER_KEY.test(key);
}

function sortedCopy(value: object): unknown {
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (!isContainer(item)) continue;
      const sorted = sortedCopy(item);
      if (sorted !== item) (copy ??= value.slice())[i] = sorted;
    }
    return copy ?? value;
  }
  // Class instances (raw numbers, detailed errors) keep their own order, as Go structs do. Objects
  // without a prototype (config values from the JSON parser) are plain maps and get sorted.
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  // JavaScript enumerates integer-like keys first, in numeric order ("2" before "10"); Go sorts every key
  // as a string ("10" before "2"). Such an object is written as raw JSON in Go's order.
  if (keys.length > 1 && isIntegerLike(keys[0] as string) && !representable(keys)) return goOrdered(object, keys);
  let inOrder = true;
  for (let i = 1; i < keys.length; i++) {
    if ((keys[i - 1] as string) > (keys[i] as string)) {
      inOrder = false;
      break;
    }
  }
  let changed: Record<string, unknown> | undefined;
  if (!inOrder) {
    if (keys.length <= 16) sortFewKeys(keys);
    else keys.sort();
    changed = {};
  }
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    let item = object[key];
    if (isContainer(item)) {
      const sorted = sortedCopy(item);
      if (changed === undefined && sorted !== item) {
        changed = {};
        for (let j = 0; j < i; j++) changed[keys[j] as string] = object[keys[j] as string];
      }
      item = sorted;
    }
    if (changed !== undefined) changed[key] = item;
  }
  return changed ?? object;
}
