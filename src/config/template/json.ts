/** Go's encoding/json over template values: sorted map keys, HTML characters escaped unless asked. */
import { GoFunction, GoTime, isMap, sortedKeys, structType } from './values.js';
import type { GoValue } from './values.js';

export interface JsonOptions {
  /** json.Marshal escapes <, > and & as \u003c…; an Encoder with SetEscapeHTML(false) does not. */
  escapeHtml: boolean;
  /** MarshalIndent's indent ("" for compact). */
  indent: string;
}

/** Throws for values Go cannot encode (NaN, ±Inf, functions). */
export function goJson(value: GoValue, options: JsonOptions): string {
  return encode(value, options, '');
}

function encode(value: GoValue, options: JsonOptions, prefix: string): string {
  if (value === undefined || value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'number':
      if (!Number.isFinite(value)) throw new Error(`json: unsupported value: ${String(value).replace('Infinity', 'Inf')}`);
      // ES number formatting equals Go's float encoding: exponent below 1e-6 and from 1e21.
      return JSON.stringify(value);
    case 'string':
      return quote(value, options.escapeHtml);
  }
  if (value instanceof GoTime) return quote(new Date(value.epochMs).toISOString().replace('.000Z', 'Z'), options.escapeHtml);
  if (value instanceof GoFunction) throw new Error('json: unsupported type: func(...interface {}) interface {}');
  const inner = prefix + options.indent;
  const open = options.indent === '' ? '' : `\n${inner}`;
  const close = options.indent === '' ? '' : `\n${prefix}`;
  const separator = options.indent === '' ? ',' : `,\n${inner}`;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[${open}${value.map((item) => encode(item, options, inner)).join(separator)}${close}]`;
  }
  if (!isMap(value)) return 'null';
  const colon = options.indent === '' ? ':' : ': ';
  const struct = structType(value);
  if (struct) {
    if (struct.fields.length === 0) return '{}';
    return `{${open}${struct.fields.map(([field, tag]) => `${quote(tag, options.escapeHtml)}${colon}${encode(value[field], options, inner)}`).join(separator)}${close}}`;
  }
  const keys = sortedKeys(value);
  if (keys.length === 0) return '{}';
  return `{${open}${keys.map((key) => `${quote(key, options.escapeHtml)}${colon}${encode(value[key], options, inner)}`).join(separator)}${close}}`;
}

function quote(text: string, escapeHtml: boolean): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (code < 0x20 || (escapeHtml && (ch === '<' || ch === '>' || ch === '&')) || code === 0x2028 || code === 0x2029) {
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    } else if (code >= 0xd800 && code <= 0xdfff) out += '\\ufffd';
    else out += ch;
  }
  return `${out}"`;
}

/** Go's json.Unmarshal into interface{}: numbers become float64. */
export function fromJsonText(text: string): GoValue {
  return JSON.parse(text) as GoValue;
}
