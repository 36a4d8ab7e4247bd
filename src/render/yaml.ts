/**
 * `output_encoding: "yaml"` (gin's YAML render over Go yaml.v2): keys sorted, two-space indentation,
 * lists not indented under their key, YAML 1.1 quoting (so `"yes"` and `"on"` stay strings), numbers
 * with their literal digits. Content type `application/yaml; charset=utf-8`, as gin 1.12 writes it.
 */
import type * as Yaml from 'yaml';
import { lazyRequire } from '../util/lazy-require.js';

const yaml = lazyRequire<typeof Yaml>('yaml');
import { RawNumber } from '../encoding/json-lossless.js';
import { registerRenderer } from './renderers.js';

export const YAML_TYPE = 'application/yaml; charset=utf-8';

const OPTIONS = { indent: 2, indentSeq: false, sortMapEntries: true, version: '1.1', aliasDuplicateObjects: false, lineWidth: 0 } as const;

/** Plain values the YAML writer understands: raw numbers keep their digits, class instances become maps. */
function toYamlValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof RawNumber) return /^-?\d+$/.test(value.text) ? BigInt(value.text) : Number(value.text);
  if (Array.isArray(value)) return value.map(toYamlValue);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined) out[key] = toYamlValue(item);
  }
  return out;
}

export function renderYaml(data: Record<string, unknown>): string {
  return yaml().stringify(toYamlValue(data), OPTIONS);
}

registerRenderer('yaml', function renderYamlResponse(response) {
  return { contentType: YAML_TYPE, body: renderYaml(response?.data ?? {}) };
});
