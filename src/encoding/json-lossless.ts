/**
 * JSON that keeps every number's literal text, as KrakenD does (Go decodes numbers as json.Number):
 * `1.50` stays `1.50`, `1E+2` stays `1E+2`, integers beyond 2^53 keep their digits. The fast path is
 * `JSON.parse`; only bodies where some number might not survive a round trip through a double (see
 * MAYBE_LITERAL) take the slow path: those numbers are rewritten as marker strings, the text goes
 * through `JSON.parse`, and the markers become RawNumbers that render back unchanged.
 */
import { randomBytes } from 'node:crypto';

/**
 * Text in which a number literal may differ from JavaScript's shortest form of its value: 16 digits in a
 * row, or 15 after a point (precision, 1e21 and beyond), a fraction ending in 0 (`1.50`, `2.0`), six
 * zeros after the point (`0.0000001` prints `1e-7`), an exponent (`1E+2`), or `-0`. Matches inside
 * strings only cost the slow path. Not caught (written back in shortest form): literals of 16-17
 * significant digits split by the point that are not already the shortest form.
 */
// The exponent and `-0` alternatives need what follows them in a number (a digit; a delimiter), so
// strings such as "item-0" or hex ids like "5e-f3" do not send every body down the slow path.
const MAYBE_LITERAL = /[.\d]\d{15}|\.(?:0{6}|\d*0(?!\d))|\d[eE][+-]?\d|-0(?=[\s,\]}]|$)/;
// Random per process: a string in backend data can never carry the marker and be turned into a number.
const MARKER_ID = randomBytes(12).toString('hex');
const RAW_PREFIX = `\u0000portico-raw-number-${MARKER_ID}:`;
const RAW_MARKER = `\\u0000portico-raw-number-${MARKER_ID}:`;
const RAW_PATTERN = new RegExp(`"\\\\u0000portico-raw-number-${MARKER_ID}:(-?\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?)"`, 'g');

const RAW_JSON_PREFIX = `\u0000portico-raw-json-${MARKER_ID}:`;
const RAW_JSON_PATTERN = new RegExp(`"\\\\u0000portico-raw-json-${MARKER_ID}:(\\d+)"`, 'g');

/** Fragments of the `stringifyJson` call in progress (saved and restored around nested calls). */
let fragments: string[] = [];

/**
 * JSON text written as-is by `stringifyJson`: for objects whose key order a JavaScript object cannot hold
 * (integer-like keys in Go's string order, `"10"` before `"2"`).
 */
export class RawJson {
  constructor(readonly text: string) {}
  toJSON(): string {
    fragments.push(this.text);
    return RAW_JSON_PREFIX + String(fragments.length - 1);
  }
}

/** A number whose literal text must survive re-encoding. */
export class RawNumber {
  constructor(readonly text: string) {}
  toJSON(): string {
    return RAW_PREFIX + this.text;
  }
  toString(): string {
    return this.text;
  }
  valueOf(): number {
    return Number(this.text);
  }
}

export function parseJson(text: string): unknown {
  if (!MAYBE_LITERAL.test(text)) return JSON.parse(text);
  const marked = markLiteralNumbers(text);
  if (marked === text) return JSON.parse(text);
  return restoreRawNumbers(JSON.parse(marked));
}

const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const QUOTE = 34;
const BACKSLASH = 92;

function isNumberChar(code: number): boolean {
  // 0-9 . + - e E
  return (code >= 48 && code <= 57) || code === 46 || code === 43 || code === 45 || code === 101 || code === 69;
}

/**
 * The text with every number literal (outside strings) that a double would print differently replaced
 * by a marker string; the text itself when there is none. Invalid JSON stays invalid.
 */
export function markLiteralNumbers(text: string): string {
  let out = '';
  let copied = 0;
  const length = text.length;
  let i = 0;
  while (i < length) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      // Skip the string: its closing quote is the first one not escaped by an odd run of backslashes.
      let end = text.indexOf('"', i + 1);
      while (end !== -1) {
        let slashes = 0;
        while (text.charCodeAt(end - 1 - slashes) === BACKSLASH) slashes++;
        if (slashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      if (end === -1) return text;
      i = end + 1;
    } else if (code === 45 || (code >= 48 && code <= 57)) {
      let end = i + 1;
      while (end < length && isNumberChar(text.charCodeAt(end))) end++;
      const literal = text.slice(i, end);
      if (String(Number(literal)) !== literal && JSON_NUMBER.test(literal)) {
        out += `${text.slice(copied, i)}"${RAW_MARKER}${literal}"`;
        copied = end;
      }
      i = end;
    } else i++;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** Turns marker strings back into RawNumbers, in place. */
function restoreRawNumbers(value: unknown): unknown {
  if (typeof value === 'string') return value.startsWith(RAW_PREFIX) ? new RawNumber(value.slice(RAW_PREFIX.length)) : value;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item !== null && (typeof item === 'object' || typeof item === 'string')) value[i] = restoreRawNumbers(item);
    }
    return value;
  }
  const object = value as Record<string, unknown>;
  for (const key in object) {
    const item = object[key];
    if (item !== null && (typeof item === 'object' || typeof item === 'string')) object[key] = restoreRawNumbers(item);
  }
  return value;
}

/** `JSON.stringify`, with raw numbers and raw JSON fragments written back as literals. */
export function stringifyJson(value: unknown): string {
  const outer = fragments;
  fragments = [];
  try {
    let text = JSON.stringify(value);
    if (text === undefined) return 'null';
    if (text.includes(RAW_MARKER)) text = text.replace(RAW_PATTERN, '$1');
    if (fragments.length > 0) {
      const table = fragments;
      text = text.replace(RAW_JSON_PATTERN, (_match, index: string) => table[Number(index)] as string);
    }
    return text;
  } finally {
    fragments = outer;
  }
}

/**
 * The value with every RawNumber replaced by its number, for consumers that compute with values (CEL);
 * `value` itself when it holds none.
 */
export function withPlainNumbers(value: unknown): unknown {
  if (value instanceof RawNumber) return Number(value.text);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const plain = withPlainNumbers(item);
      if (plain !== item) (copy ??= value.slice())[i] = plain;
    }
    return copy ?? value;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  const object = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const key in object) {
    const item = object[key];
    const plain = withPlainNumbers(item);
    if (plain !== item) (copy ??= { ...object })[key] = plain;
  }
  return copy ?? value;
}
