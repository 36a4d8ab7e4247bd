/** text/template's own functions (and, or, not, len, index, print…, html, js, urlquery, call, comparisons). */
import { eq, ge, gt, le, lt, ne } from './compare.js';
import { sprint, sprintf, sprintln } from './fmt.js';
import { fn } from './functions.js';
import type { TemplateFunction } from './functions.js';
import { GoFunction, goTypeName, isMap, isTrue } from './values.js';
import type { GoValue } from './values.js';

/** html, js and urlquery take one string, or print their arguments with Sprint. */
function evalArgs(args: GoValue[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args.map((arg) => (arg === undefined ? null : arg)));
}

const HTML_ESCAPES: Record<string, string> = { '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;', '\0': '\uFFFD' };

export function htmlEscape(text: string): string {
  return text.replace(/["'&<>\0]/g, (ch) => HTML_ESCAPES[ch] as string);
}

export function jsEscape(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '"') out += '\\"';
    else if (ch === '<' || ch === '>' || ch === '&' || ch === '=' || code < 0x20) out += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    else if (code >= 0x80 && /[\p{C}\p{Z}]/u.test(ch) && ch !== ' ') out += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += ch;
  }
  return out;
}

/** url.QueryEscape: unreserved characters stay, space is "+", everything else is %XX of its UTF-8 bytes. */
export function queryEscape(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(ch)) out += ch;
    else if (ch === ' ') out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function length(item: GoValue): bigint {
  if (item === undefined || item === null) throw new Error('reflect: call of reflect.Value.Type on zero Value');
  if (typeof item === 'string') return BigInt(Buffer.byteLength(item, 'utf8'));
  if (Array.isArray(item)) return BigInt(item.length);
  if (isMap(item)) return BigInt(Object.keys(item).length);
  throw new Error(`len of type ${goTypeName(item)}`);
}

function index(item: GoValue, ...indexes: GoValue[]): GoValue {
  let value = item;
  for (const key of indexes) {
    if (value === undefined || value === null) throw new Error('index of untyped nil');
    if (Array.isArray(value) || typeof value === 'string') {
      if (typeof key !== 'bigint') throw new Error(`cannot index slice/array with type ${goTypeName(key === undefined ? null : key)}`);
      const size = typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.length;
      if (key < 0n || key >= BigInt(size)) throw new Error(`index out of range: ${key}`);
      value = typeof value === 'string' ? BigInt(Buffer.from(value, 'utf8')[Number(key)] as number) : value[Number(key)];
    } else if (isMap(value)) {
      if (typeof key !== 'string') throw new Error(`value has type ${goTypeName(key === undefined ? null : key)}; should be string`);
      // A missing key gives the zero value of the element type: a nil interface{}.
      value = Object.hasOwn(value, key) ? value[key] : null;
    } else {
      throw new Error(`can't index item of type ${goTypeName(value)}`);
    }
  }
  return value;
}

function call(target: GoValue, ...args: GoValue[]): GoValue {
  if (target === undefined || target === null) throw new Error('call of nil');
  if (!(target instanceof GoFunction)) throw new Error(`non-function of type ${goTypeName(target)}`);
  return target.fn(...args);
}

export function builtinFunctions(): Map<string, TemplateFunction> {
  return new Map<string, TemplateFunction>([
    // and/or are evaluated lazily by the executor; these entries declare them.
    ['and', fn(['value'], () => undefined, 'value')],
    ['or', fn(['value'], () => undefined, 'value')],
    ['not', fn(['value'], (value: GoValue) => !isTrue(value))],
    ['len', fn(['value'], length)],
    ['index', fn(['value'], index, 'value')],
    ['print', fn([], (...args: GoValue[]) => sprint(args), 'any')],
    ['printf', fn(['string'], (format: string, ...args: GoValue[]) => sprintf(format, args), 'any')],
    ['println', fn([], (...args: GoValue[]) => sprintln(args), 'any')],
    ['html', fn([], (...args: GoValue[]) => htmlEscape(evalArgs(args)), 'any')],
    ['js', fn([], (...args: GoValue[]) => jsEscape(evalArgs(args)), 'any')],
    ['urlquery', fn([], (...args: GoValue[]) => queryEscape(evalArgs(args)), 'any')],
    ['call', fn(['value'], call, 'value')],
    ['eq', fn(['value'], eq, 'value')],
    ['ne', fn(['value', 'value'], ne)],
    ['lt', fn(['value', 'value'], lt)],
    ['le', fn(['value', 'value'], le)],
    ['gt', fn(['value', 'value'], gt)],
    ['ge', fn(['value', 'value'], ge)],
  ]);
}
