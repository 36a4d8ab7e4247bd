/**
 * `output_encoding: "yaml"` (gin's YAML render over Go yaml.v2): keys sorted, two-space indentation,
 * lists not indented under their key, YAML 1.1 quoting (so `"yes"` and `"on"` stay strings), numbers
 * as quoted strings of their literal text (as KrakenD's json.Number). Content type `application/yaml; charset=utf-8`, as gin 1.12 writes it.
 */
import type * as Yaml from 'yaml';
import { lazyRequire } from '../util/lazy-require.js';

const yaml = lazyRequire<typeof Yaml>('yaml');
import { RawNumber } from '../encoding/json-lossless.js';
import type { Renderer } from './renderers.js';

export const YAML_TYPE = 'application/yaml; charset=utf-8';

const OPTIONS = { indent: 2, indentSeq: false, sortMapEntries: true, version: '1.1', aliasDuplicateObjects: false, lineWidth: 0 } as const;

/**
 * Plain values the YAML writer understands. Backend numbers are Go `json.Number` text in KrakenD, which
 * yaml.v2 writes as strings (quoted, since they look like numbers): here too, with their literal text.
 * Numbers in class instances (Go structs, such as `error_<alias>` details) stay numbers.
 */
function toYamlValue(value: unknown): unknown {
  if (typeof value === 'number') return String(value);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof RawNumber) return value.text;
  if (Array.isArray(value)) return value.map(toYamlValue);
  const prototype: unknown = Object.getPrototypeOf(value);
  const isStruct = prototype !== Object.prototype && prototype !== null;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined) out[key] = isStruct && typeof item === 'number' ? item : toYamlValue(item);
  }
  return out;
}

export function renderYaml(data: Record<string, unknown>): string {
  return yaml().stringify(toYamlValue(data), OPTIONS);
}

export const renderYamlResponse: Renderer = function renderYamlResponse(response) {
  return { contentType: YAML_TYPE, body: renderYaml(response?.data ?? {}) };
};
