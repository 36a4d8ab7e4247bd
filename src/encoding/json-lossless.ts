/**
 * JSON that keeps integers beyond 2^53 exact, as KrakenD does (Go decodes numbers as text). The fast
 * path is `JSON.parse`; only bodies holding a run of 16+ digits take the lossless parser, whose big
 * numbers carry their literal text and render back unchanged.
 */
import { randomBytes } from 'node:crypto';
import { parse as parseLossless, isSafeNumber } from 'lossless-json';

const LONG_DIGITS = /\d{16}/;
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

function parseNumber(text: string): number | RawNumber {
  return isSafeNumber(text) ? Number(text) : new RawNumber(text);
}

export function parseJson(text: string): unknown {
  if (!LONG_DIGITS.test(text)) return JSON.parse(text);
  return parseLossless(text, null, parseNumber);
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
