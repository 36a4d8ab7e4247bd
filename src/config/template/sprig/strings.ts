/** Sprig's string functions. Go strings are bytes: substr, trunc and abbrev count UTF-8 bytes as Sprig does. */
import { createHash } from 'node:crypto';
import { goQuote } from '../fmt.js';
import { fn } from '../functions.js';
import type { TemplateFunction } from '../functions.js';
import type { GoMap, GoValue } from '../values.js';
import { formatValue } from '../values.js';
import { strval } from './cast.js';

const WHITE_SPACE = /[\s\u0085]/u;

/** Byte-offset slicing of a Go string; panics (throws) out of range as Go does. */
function byteSlice(text: string, start: number, end?: number): string {
  const bytes = Buffer.from(text, 'utf8');
  const stop = end ?? bytes.length;
  if (start < 0 || stop > bytes.length || start > stop) throw new Error(`runtime error: slice bounds out of range [${start}:${stop}] with length ${bytes.length}`);
  return bytes.subarray(start, stop).toString('utf8');
}

const byteLength = (text: string): number => Buffer.byteLength(text, 'utf8');

/** strings.Trim(s, cutset): removes any of the cutset's characters from both ends. */
function trimCutset(text: string, cutset: string): string {
  const cut = new Set([...cutset]);
  const chars = [...text];
  let start = 0;
  let end = chars.length;
  while (start < end && cut.has(chars[start] as string)) start++;
  while (end > start && cut.has(chars[end - 1] as string)) end--;
  return chars.slice(start, end).join('');
}

/** strings.Title: upper-cases the first letter of each word (words end at spaces and punctuation). */
function title(text: string): string {
  let previous = ' ';
  let out = '';
  for (const ch of text) {
    const separator = /[\p{L}\p{Nd}_]/u.test(previous) ? false : previous.charCodeAt(0) < 0x80 ? true : WHITE_SPACE.test(previous);
    out += separator ? ch.toUpperCase() : ch;
    previous = ch;
  }
  return out;
}

function splitToMap(parts: string[]): GoMap {
  const result: GoMap = {};
  parts.forEach((part, i) => (result[`_${i}`] = part));
  return result;
}

/** strings.SplitN: n < 0 all parts, n == 0 none, else at most n parts. */
function splitN(text: string, separator: string, n: number): string[] {
  if (n === 0) return [];
  const parts = goSplit(text, separator);
  if (n < 0 || parts.length <= n) return parts;
  return [...parts.slice(0, n - 1), parts.slice(n - 1).join(separator)];
}

/** strings.Split: an empty separator splits into characters. */
export function goSplit(text: string, separator: string): string[] {
  return separator === '' ? [...text] : text.split(separator);
}

function indent(spaces: bigint, text: string): string {
  const pad = ' '.repeat(Number(spaces));
  return pad + text.replaceAll('\n', `\n${pad}`);
}

export function stringFunctions(): [string, TemplateFunction][] {
  return [
    ['hello', fn([], () => 'Hello!')],
    ['abbrev', fn(['int', 'string'], (width: bigint, text: string) => (width < 4n || byteLength(text) <= Number(width) ? text : `${byteSlice(text, 0, Number(width) - 3)}...`))],
    [
      'trunc',
      fn(['int', 'string'], (count: bigint, text: string) => {
        const c = Number(count);
        const size = byteLength(text);
        if (c < 0 && size + c > 0) return byteSlice(text, size + c);
        if (c >= 0 && size > c) return byteSlice(text, 0, c);
        return text;
      }),
    ],
    ['trim', fn(['string'], (text: string) => text.replace(/^[\s\u0085]+|[\s\u0085]+$/gu, ''))],
    ['upper', fn(['string'], (text: string) => text.toUpperCase())],
    ['lower', fn(['string'], (text: string) => text.toLowerCase())],
    ['title', fn(['string'], title)],
    ['untitle', fn(['string'], (text: string) => (text === '' ? text : (text[0] as string).toLowerCase() + text.slice(1)))],
    [
      'substr',
      fn(['int', 'int', 'string'], (start: bigint, end: bigint, text: string) => {
        const s = Number(start);
        const e = Number(end);
        if (s < 0) return byteSlice(text, 0, e);
        if (e < 0 || e > byteLength(text)) return byteSlice(text, s);
        return byteSlice(text, s, e);
      }),
    ],
    ['repeat', fn(['int', 'string'], (count: bigint, text: string) => {
      if (count < 0n) throw new Error('strings: negative Repeat count');
      return text.repeat(Number(count));
    })],
    ['trimall', fn(['string', 'string'], (cutset: string, text: string) => trimCutset(text, cutset))],
    ['trimAll', fn(['string', 'string'], (cutset: string, text: string) => trimCutset(text, cutset))],
    ['trimSuffix', fn(['string', 'string'], (suffix: string, text: string) => (suffix !== '' && text.endsWith(suffix) ? text.slice(0, -suffix.length) : text))],
    ['trimPrefix', fn(['string', 'string'], (prefix: string, text: string) => (text.startsWith(prefix) ? text.slice(prefix.length) : text))],
    ['nospace', fn(['string'], (text: string) => text.replace(/[\s\u0085]/gu, ''))],
    ['contains', fn(['string', 'string'], (part: string, text: string) => text.includes(part))],
    ['hasPrefix', fn(['string', 'string'], (prefix: string, text: string) => text.startsWith(prefix))],
    ['hasSuffix', fn(['string', 'string'], (suffix: string, text: string) => text.endsWith(suffix))],
    ['quote', fn([], (...values: GoValue[]) => values.filter((v) => v !== null && v !== undefined).map((v) => goQuote(strval(v))).join(' '), 'any')],
    ['squote', fn([], (...values: GoValue[]) => values.filter((v) => v !== null && v !== undefined).map((v) => `'${formatValue(v)}'`).join(' '), 'any')],
    ['cat', fn([], (...values: GoValue[]) => values.filter((v) => v !== null && v !== undefined).map(formatValue).join(' '), 'any')],
    ['indent', fn(['int', 'string'], indent)],
    ['nindent', fn(['int', 'string'], (spaces: bigint, text: string) => `\n${indent(spaces, text)}`)],
    ['replace', fn(['string', 'string', 'string'], (old: string, replacement: string, text: string) => (old === '' ? goReplaceEmpty(text, replacement) : text.replaceAll(old, replacement)))],
    ['plural', fn(['string', 'string', 'int'], (one: string, many: string, count: bigint) => (count === 1n ? one : many))],
    ['sha1sum', fn(['string'], (text: string) => createHash('sha1').update(text, 'utf8').digest('hex'))],
    ['sha256sum', fn(['string'], (text: string) => createHash('sha256').update(text, 'utf8').digest('hex'))],
    ['toString', fn(['any'], strval)],
    ['split', fn(['string', 'string'], (separator: string, text: string) => splitToMap(goSplit(text, separator)))],
    ['splitList', fn(['string', 'string'], (separator: string, text: string) => goSplit(text, separator))],
    ['splitn', fn(['string', 'int', 'string'], (separator: string, n: bigint, text: string) => splitToMap(splitN(text, separator, Number(n))))],
    ['initials', fn(['string'], (text: string) => text.split(/[\s\u0085]+/u).filter(Boolean).map((word) => [...word][0]).join(''))],
    ['b64enc', fn(['string'], (text: string) => Buffer.from(text, 'utf8').toString('base64'))],
    ['b64dec', fn(['string'], base64Decode)],
  ];
}

/** strings.Replace with an empty old string inserts the replacement around every character. */
function goReplaceEmpty(text: string, replacement: string): string {
  return replacement + [...text].join(replacement) + (text === '' ? '' : replacement);
}

/** base64.StdEncoding: strict padding; Sprig returns the error text instead of failing. */
function base64Decode(text: string): string {
  const clean = text.replace(/[\r\n]/g, '');
  const valid = /^[A-Za-z0-9+/]*={0,2}$/.test(clean) && clean.length % 4 === 0;
  if (!valid) {
    // Go names the first bad character, or the start of an incomplete final quantum.
    const bad = clean.search(/[^A-Za-z0-9+/=]/);
    return `illegal base64 data at input byte ${bad !== -1 ? bad : Math.max(clean.length - (clean.length % 4 || 4), 0)}`;
  }
  return Buffer.from(clean, 'base64').toString('utf8');
}
