/**
 * `output_encoding: "xml"` (krakend-xml's render over clbanning/mxj): a map with one key becomes that
 * element; otherwise the root is `<doc>`. Keys starting with `-` are attributes and `#text` is the
 * element's text, the reverse of the xml decoder, so an XML backend round-trips. Keys are sorted, a list
 * repeats its element, empty objects and null become `<key/>`, text is escaped.
 *
 * Differences from KrakenD, on purpose: the output is always well-formed XML (a single-key list is
 * wrapped in `<doc>` instead of producing several roots, and characters not allowed in element names
 * become `_`).
 *
 * `{"user": {"-type": "admin", "name": "Elliot"}}` → `<user type="admin"><name>Elliot</name></user>`
 */
import { RawNumber } from '../encoding/json-lossless.js';
import { ATTRIBUTE_PREFIX, TEXT_KEY } from '../encoding/xml.js';
import type { Renderer } from './renderers.js';

const ROOT = 'doc';
const VALID_NAME = /^[A-Za-z_][\w.\-]*$/;
const INVALID_NAME_CHARS = /[^\w.\-\u00b7\u00c0-\uffff]/g;
const NEEDS_ESCAPE = /[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f]/;
const ESCAPABLE = /[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;
const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

function elementName(key: string): string {
  if (VALID_NAME.test(key)) return key;
  const cleaned = key.replace(INVALID_NAME_CHARS, '_');
  return /^[A-Za-z_\u00c0-\uffff]/.test(cleaned) ? cleaned : `_${cleaned}`;
}

/** XML-escaped text; characters XML 1.0 cannot carry are dropped. */
export function escapeXml(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(ESCAPABLE, (ch) => ESCAPES[ch] ?? '') : text;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof RawNumber);
}

/** Scalars as Go's `%v` prints them. */
function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof RawNumber) return value.text;
  return undefined;
}

function writeElement(out: string[], key: string, value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) writeElement(out, key, item);
    return;
  }
  const name = elementName(key);
  const scalar = scalarText(value);
  if (scalar !== undefined) {
    out.push(scalar === '' ? `<${name}/>` : `<${name}>${escapeXml(scalar)}</${name}>`);
    return;
  }
  if (!isMap(value)) {
    out.push(`<${name}/>`);
    return;
  }
  const keys = Object.keys(value).sort();
  let open = `<${name}`;
  const children: string[] = [];
  let text: string | undefined;
  for (const child of keys) {
    const item = value[child];
    if (child.startsWith(ATTRIBUTE_PREFIX) && child.length > 1) {
      const attribute = scalarText(item);
      if (attribute !== undefined) open += ` ${elementName(child.slice(1))}="${escapeXml(attribute)}"`;
      continue;
    }
    if (child === TEXT_KEY) {
      text = scalarText(item);
      continue;
    }
    children.push(child);
  }
  if (children.length === 0 && (text === undefined || text === '')) {
    out.push(`${open}/>`);
    return;
  }
  out.push(`${open}>`);
  if (text !== undefined) out.push(escapeXml(text));
  for (const child of children) writeElement(out, child, value[child]);
  out.push(`</${name}>`);
}

/** The XML document for a response's data (mxj `Map.Xml`). */
export function renderXml(data: Record<string, unknown>): string {
  const keys = Object.keys(data);
  const out: string[] = [];
  const only = keys.length === 1 ? (keys[0] as string) : undefined;
  if (only !== undefined && !Array.isArray(data[only])) writeElement(out, only, data[only]);
  else writeElement(out, ROOT, data);
  return out.join('');
}

export const renderXmlResponse: Renderer = function renderXmlResponse(response) {
  return { contentType: 'application/xml', body: renderXml(response?.data ?? {}) };
};
