/**
 * KrakenD reads the root, endpoint and backend keys with mapstructure in weakly typed mode
 * (krakend-koanf parser.go → koanf `UnmarshalWithConf`, `WeaklyTypedInput: true`), so
 * `"concurrent_calls": "1"` is 1, `"concurrent_calls": true` is 1 and `"host": "http://a"` is a list of
 * one. Portico converts the same values, before the schema check, with a warning for each.
 * `extra_config` blocks are maps in KrakenD, read by each module as it likes: they are left alone.
 */
import type { ConfigIssues } from './issues.js';
import { mapChanged, ownerKeyPath } from './raw-walk.js';
import type { JsonSchema } from './schema.js';

type Raw = Record<string, unknown>;
type Kind = 'integer' | 'boolean' | 'string' | 'strings';

const NO_CONVERSION = Symbol('no conversion');

function isObject(value: unknown): value is Raw {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The scalar kinds of an object schema's properties (nested objects and durations are not converted). */
function kindsOf(schema: unknown): Map<string, Kind> {
  const kinds = new Map<string, Kind>();
  const properties = isObject(schema) && isObject(schema['properties']) ? schema['properties'] : {};
  for (const [key, property] of Object.entries(properties)) {
    if (!isObject(property)) continue;
    const type = property['type'];
    if (type === 'integer' || type === 'boolean' || type === 'string') kinds.set(key, type);
    else if (type === 'array' && isObject(property['items']) && property['items']['type'] === 'string') kinds.set(key, 'strings');
  }
  return kinds;
}

/** Go's strconv.ParseInt with base 0: decimal, 0x…, 0o…/0…, 0b…, optional sign and underscores. */
function parseGoInt(text: string): number | undefined {
  const match = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[oO]?[0-7_]+|0[bB][01_]+|[1-9][0-9_]*|0)$/.exec(text);
  if (!match) return undefined;
  const sign = match[1] === '-' ? -1 : 1;
  let digits = (match[2] as string).replace(/_/g, '');
  if (/^0[0-7]+$/.test(digits)) digits = `0o${digits.slice(1)}`;
  const value = Number(digits);
  return Number.isSafeInteger(value) ? sign * value : undefined;
}

const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False', '']);

/** mapstructure's weak conversions; NO_CONVERSION when the value already fits or cannot be converted. */
function convert(value: unknown, kind: Kind): unknown {
  switch (kind) {
    case 'integer':
      if (typeof value === 'boolean') return value ? 1 : 0;
      if (typeof value === 'string') return parseGoInt(value === '' ? '0' : value) ?? NO_CONVERSION;
      if (typeof value === 'number' && !Number.isInteger(value)) return Math.trunc(value);
      return NO_CONVERSION;
    case 'boolean':
      if (typeof value === 'number') return value !== 0;
      if (typeof value === 'string') return GO_TRUE.has(value) ? true : GO_FALSE.has(value) ? false : NO_CONVERSION;
      return NO_CONVERSION;
    case 'string':
      if (typeof value === 'boolean') return value ? '1' : '0';
      if (typeof value === 'number') return String(value);
      return NO_CONVERSION;
    case 'strings': {
      if (Array.isArray(value)) {
        if (value.every((item) => typeof item === 'string')) return NO_CONVERSION;
        const items = value.map((item) => (typeof item === 'string' ? item : convert(item, 'string')));
        return items.includes(NO_CONVERSION) ? NO_CONVERSION : items;
      }
      if (typeof value === 'string') return [value];
      const single = convert(value, 'string');
      return single === NO_CONVERSION ? NO_CONVERSION : [single];
    }
  }
}

/** Returns the config with KrakenD's weak conversions applied to root, endpoint and backend keys. */
export function applyWeakTypes(raw: Raw, schema: JsonSchema, issues: ConfigIssues): Raw {
  const properties = isObject(schema['properties']) ? schema['properties'] : {};
  const endpointSchema = isObject(properties['endpoints']) ? properties['endpoints']['items'] : undefined;
  const endpointProperties = isObject(endpointSchema) && isObject(endpointSchema['properties']) ? endpointSchema['properties'] : {};
  const backendSchema = isObject(endpointProperties['backend']) ? endpointProperties['backend']['items'] : undefined;
  const rootKinds = kindsOf(schema);
  const endpointKinds = kindsOf(endpointSchema);
  const backendKinds = kindsOf(backendSchema);

  // `endpoint`/`backend`: where the object is, turned into a key path only for a warning.
  const convertKeys = (object: Raw, kinds: Map<string, Kind>, endpoint?: number, backend?: number): Raw => {
    let result = object;
    for (const [key, kind] of kinds) {
      if (!(key in object)) continue;
      const converted = convert(object[key], kind);
      if (converted === NO_CONVERSION) continue;
      if (result === object) result = { ...object };
      result[key] = converted;
      issues.warning({
        code: 'PRT_WARN_CONFIG_WEAK_TYPE',
        at: [...ownerKeyPath('endpoints', endpoint, backend), key],
        message: `${JSON.stringify(object[key])} is read as ${JSON.stringify(converted)}, as KrakenD's weakly typed config reader does`,
        hint: `write ${JSON.stringify(converted)}`,
      });
    }
    return result;
  };

  const root = convertKeys(raw, rootKinds);
  if (!Array.isArray(root['endpoints'])) return root;
  const endpoints = mapChanged(root['endpoints'] as unknown[], (endpoint, e) => {
    if (!isObject(endpoint)) return endpoint;
    const converted = convertKeys(endpoint, endpointKinds, e);
    if (!Array.isArray(converted['backend'])) return converted;
    const backends = mapChanged(converted['backend'] as unknown[], (backend, b) => (isObject(backend) ? convertKeys(backend, backendKinds, e, b) : backend));
    return backends === converted['backend'] ? converted : { ...converted, backend: backends };
  });
  return endpoints === root['endpoints'] ? root : { ...root, endpoints };
}
