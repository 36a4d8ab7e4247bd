/**
 * A backend's JSON object split into its top-level members, each kept as text already in the form the
 * JSON renderer writes (`render/json.ts`: keys sorted at every level, no whitespace, numbers as
 * written, strings as `JSON.stringify` writes them). For data the pipeline only filters, renames and
 * merges at the top level, this replaces parsing every value and sorting it again on the way out: most
 * of the text is copied as slices, and only objects out of order (or with whitespace or escapes) are
 * rebuilt. Anything unusual (invalid JSON, control characters, very deep nesting, `__proto__`) returns
 * `undefined`, and the caller takes the general path, which also gives the errors.
 */
import { RawJson } from './json-lossless.js';

export type Members = Record<string, RawJson>;

/**
 * Text needing the careful scan: escapes, or control characters (tab, line feed and carriage return may be
 * whitespace, or raw in a string, which JSON forbids). Compact JSON without escapes needs neither.
 */
const NEEDS_CAREFUL_SCAN = /[\x00-\x1f\\]/;
/** Control characters JSON only allows escaped and never as whitespace. */
const FORBIDDEN = /[\x00-\x08\x0b\x0c\x0e-\x1f]/;
/** Deeper than this, the general path (whose walks are recursive too) decides. */
const MAX_DEPTH = 512;

class Unusual {}
const UNUSUAL = new Unusual();

/** The scanner's state for the document in progress; reset after each, so no body stays referenced. */
let text = '';
let pos = 0;
let careful = false;
/** Set when the value just scanned differs from its source text (rebuilt, unescaped, or had whitespace). */
let changed = false;
let depth = 0;
/** Work stacks shared by nested containers: member keys (decoded) and texts, element texts. */
const parts: string[] = [];
const names: string[] = [];
const order: number[] = [];
let top = 0;

export function canonicalMembers(source: string): Members | undefined {
  careful = NEEDS_CAREFUL_SCAN.test(source);
  if ((careful && FORBIDDEN.test(source)) || source.includes('__proto__')) return undefined;
  text = source;
  pos = 0;
  changed = false;
  depth = 0;
  try {
    return members();
  } catch (error) {
    if (error === UNUSUAL) return undefined;
    throw error;
  } finally {
    text = '';
    top = 0;
    parts.length = 0;
    names.length = 0;
    order.length = 0;
  }
}

function members(): Members | undefined {
  if (skipSpace() !== 0x7b) return undefined;
  pos++;
  const out: Members = {};
  if (skipSpace() === 0x7d) pos++;
  else {
    do {
      if (skipSpace() !== 0x22) throw UNUSUAL;
      const name = keyName(stringToken());
      if (skipSpace() !== 0x3a) throw UNUSUAL;
      pos++;
      out[name] = new RawJson(value(skipSpace()));
    } while (more(0x7d));
  }
  skipSpace();
  return pos === text.length ? out : undefined;
}

/** After an element or a member: true past a comma, false past `close`. */
function more(close: number): boolean {
  const c = skipSpace();
  pos++;
  if (c === 0x2c) return true;
  if (c === close) return false;
  throw UNUSUAL;
}

function skipSpace(): number {
  let c = text.charCodeAt(pos);
  if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
    changed = true;
    do c = text.charCodeAt(++pos);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09);
  }
  return c;
}

function value(c: number): string {
  switch (c) {
    case 0x7b:
      return object();
    case 0x5b:
      return array();
    case 0x22:
      return stringToken();
    case 0x74:
      return literal('true');
    case 0x66:
      return literal('false');
    case 0x6e:
      return literal('null');
    default:
      return number(c);
  }
}

function literal(word: string): string {
  if (!text.startsWith(word, pos)) throw UNUSUAL;
  pos += word.length;
  return word;
}

/** A string in its written form: the source slice, or `JSON.stringify`'s form when it had escapes. */
function stringToken(): string {
  const start = pos;
  if (!careful) {
    const end = text.indexOf('"', pos + 1);
    if (end === -1) throw UNUSUAL;
    pos = end + 1;
    return text.slice(start, pos);
  }
  let i = pos + 1;
  let escaped = false;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 0x22) break;
    if (c === 0x5c) {
      escaped = true;
      i += 2;
    } else if (c < 0x20 || c !== c) throw UNUSUAL; // raw control character, or the end of the text (NaN)
    else i++;
  }
  pos = i + 1;
  const token = text.slice(start, pos);
  if (!escaped) return token;
  const written = JSON.stringify(JSON.parse(token) as string);
  if (written !== token) changed = true;
  return written;
}

/** The key a written string token stands for (tokens compare unlike keys when one holds ' ' or '!'). */
function keyName(token: string): string {
  return careful && token.includes('\\') ? (JSON.parse(token) as string) : token.slice(1, -1);
}

function digits(first: number): number {
  if (!(first >= 0x30 && first <= 0x39)) throw UNUSUAL; // NaN (the end of the text) included
  let c: number;
  do c = text.charCodeAt(++pos);
  while (c >= 0x30 && c <= 0x39);
  return c;
}

/** A number literal, checked against JSON's grammar and kept as written (Go's json.Number). */
function number(first: number): string {
  const start = pos;
  let c = first;
  if (c === 0x2d) c = text.charCodeAt(++pos);
  if (c === 0x30) c = text.charCodeAt(++pos);
  else c = digits(c);
  if (c === 0x2e) c = digits(text.charCodeAt(++pos));
  if (c === 0x65 || c === 0x45) {
    c = text.charCodeAt(++pos);
    if (c === 0x2b || c === 0x2d) c = text.charCodeAt(++pos);
    digits(c);
  }
  return text.slice(start, pos);
}

/** Entering a container: returns whether the enclosing one had changed so far, and starts afresh. */
function enter(): boolean {
  if (++depth > MAX_DEPTH) throw UNUSUAL;
  const outer = changed;
  changed = false;
  return outer;
}

/** Leaving a container: drops its work from the stacks; the enclosing one changed if either did. */
function leave(base: number, outer: boolean): void {
  top = base;
  depth--;
  changed ||= outer;
}

function array(): string {
  const start = pos;
  const outer = enter();
  pos++;
  const base = top;
  if (skipSpace() === 0x5d) pos++;
  else {
    do parts[top++] = value(skipSpace());
    while (more(0x5d));
  }
  let out: string;
  if (!changed) out = text.slice(start, pos);
  else if (top === base) out = '[]';
  else {
    out = `[${parts[base] as string}`;
    for (let i = base + 1; i < top; i++) out += `,${parts[i] as string}`;
    out += ']';
  }
  leave(base, outer);
  return out;
}

/** Members sit on the stacks as pairs: parts[i] the key's token, parts[i + 1] the value; names[i] the key. */
function object(): string {
  const start = pos;
  const outer = enter();
  pos++;
  const base = top;
  let inOrder = true;
  let previous = '';
  if (skipSpace() === 0x7d) pos++;
  else {
    do {
      if (skipSpace() !== 0x22) throw UNUSUAL;
      const token = stringToken();
      const name = keyName(token);
      if (skipSpace() !== 0x3a) throw UNUSUAL;
      pos++;
      // Go's order is byte order; the renderer's general path compares UTF-16 units, and so does this.
      if (top !== base && !(previous < name)) inOrder = false;
      previous = name;
      names[top] = name;
      parts[top++] = token;
      parts[top++] = value(skipSpace());
    } while (more(0x7d));
  }
  let out: string;
  if (inOrder && !changed) out = text.slice(start, pos);
  else {
    if (!inOrder) sortMembers(base, top);
    out = joinMembers(base, top, !inOrder);
    changed = true;
  }
  leave(base, outer);
  return out;
}

/** Puts the pairs' indexes in key order into `order`; a stable insertion sort, as most objects hold a few keys. */
function sortMembers(base: number, end: number): void {
  let count = 0;
  for (let i = base; i < end; i += 2) {
    const name = names[i] as string;
    let j = count - 1;
    while (j >= 0 && (names[order[j] as number] as string) > name) {
      order[j + 1] = order[j] as number;
      j--;
    }
    order[j + 1] = i;
    count++;
  }
}

/** `{key:value,…}` in the order `sortMembers` left (source order when not `sorted`); of repeated keys the last one wins. */
function joinMembers(base: number, end: number, sorted: boolean): string {
  let out = '{';
  const count = (end - base) / 2;
  for (let k = 0; k < count; k++) {
    const i = sorted ? (order[k] as number) : base + 2 * k;
    if (sorted && k + 1 < count && names[order[k + 1] as number] === names[i]) continue;
    out += `${out.length === 1 ? '' : ','}${parts[i] as string}:${parts[i + 1] as string}`;
  }
  return `${out}}`;
}
