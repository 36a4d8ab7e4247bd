/**
 * The Go values a template sees, in JavaScript. Go's types decide printing, comparison and which
 * function accepts which argument, so the mapping is fixed:
 *   undefined → an invalid reflect.Value ("no value": a missing map key)
 *   null → a nil interface{}        boolean → bool      string → string
 *   bigint → int (int64)            number → float64 (what JSON numbers decode to in Go)
 *   array → []interface{}           plain object → map[string]interface{}
 *   GoTime → time.Time              GoFunction → a func value (for `call`)
 */
export type GoValue = undefined | null | boolean | string | bigint | number | GoValue[] | GoMap | GoTime | GoFunction;
export interface GoMap {
  [key: string]: GoValue;
}

/** A time.Time: milliseconds since the epoch plus the zone offset it prints in. */
export class GoTime {
  constructor(
    readonly epochMs: number,
    readonly offsetMinutes = 0,
  ) {}
}

/** A function value that `call` can invoke. */
export class GoFunction {
  constructor(readonly fn: (...args: GoValue[]) => GoValue) {}
}

export function isMap(value: GoValue): value is GoMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof GoTime) && !(value instanceof GoFunction);
}

/**
 * A Go struct handed to a template by a caller (krakend audit's result): a map whose fields are fixed.
 * Go prints it as `{v1 v2}` in field order, refuses a field it lacks, and encodes it by its json tags.
 */
export interface GoStructType {
  /** As Go's messages name it: `audit.AuditResult`. */
  name: string;
  /** Field name and json tag, in declaration order. */
  fields: readonly (readonly [field: string, tag: string])[];
}

const STRUCT_TYPES = new WeakMap<GoMap, GoStructType>();

/** Builds a struct value: a map of its fields, marked with its type. */
export function goStruct(type: GoStructType, values: Readonly<Record<string, GoValue>>): GoMap {
  const value: GoMap = {};
  for (const [field] of type.fields) setEntry(value, field, values[field]);
  STRUCT_TYPES.set(value, type);
  return value;
}

/** The struct type of a value built by goStruct, if it is one. */
export function structType(value: GoValue): GoStructType | undefined {
  return isMap(value) ? STRUCT_TYPES.get(value) : undefined;
}

/** Stores a map entry; any key is data, `__proto__` included (a plain assignment would change the prototype). */
export function setEntry(map: GoMap, key: string, value: GoValue): void {
  Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Go's sorted map order; keys are strings here. */
export function sortedKeys(map: GoMap): string[] {
  return Object.keys(map).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The Go type name, as `%T` and error messages print it. */
export function goTypeName(value: GoValue): string {
  if (value === undefined) return '<nil>';
  if (value === null) return 'interface {}';
  switch (typeof value) {
    case 'boolean':
      return 'bool';
    case 'string':
      return 'string';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float64';
  }
  if (Array.isArray(value)) return '[]interface {}';
  const struct = structType(value);
  if (struct) return struct.name;
  if (value instanceof GoTime) return 'time.Time';
  if (value instanceof GoFunction) return 'func(...interface {}) interface {}';
  return 'map[string]interface {}';
}

/** Go's template truth: empty values (false, 0, "", nil, empty list or map) are false. */
export function isTrue(value: GoValue): boolean {
  if (value === undefined || value === null) return false;
  switch (typeof value) {
    case 'boolean':
      return value;
    case 'string':
      return value.length > 0;
    case 'bigint':
      return value !== 0n;
    case 'number':
      return value !== 0;
  }
  if (Array.isArray(value)) return value.length > 0;
  if (isMap(value)) return Object.keys(value).length > 0;
  return true;
}

/** Go's `%v` of a float64 (strconv 'g', shortest): exponent form from 1e+06 up and below 1e-04. */
export function formatFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const [mantissa, exponentText] = value.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  // strconv decides with precision 6 when printing the shortest form: 1234567.0 prints 1.234567e+06.
  if (exponent < -4 || exponent >= 6) return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  return goDecimal(value);
}

function goDecimal(value: number): string {
  const text = String(value);
  if (!text.includes('e')) return text;
  // JavaScript switches to exponents below 1e-6; Go's shortest form is plain decimal down to 1e-4.
  return value.toFixed(20).replace(/\.?0+$/, '');
}

/** How `{{ . }}` and `%v` print a value (fmt.Sprint of one operand). */
export function formatValue(value: GoValue): string {
  if (value === undefined || value === null) return '<nil>';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return value;
    case 'bigint':
      return value.toString();
    case 'number':
      return formatFloat(value);
  }
  if (Array.isArray(value)) return `[${value.map(formatValue).join(' ')}]`;
  if (value instanceof GoTime) return formatTimeDefault(value);
  if (value instanceof GoFunction) return '0x1';
  const struct = structType(value);
  if (struct) return `{${struct.fields.map(([field]) => formatValue(value[field])).join(' ')}}`;
  return `map[${sortedKeys(value)
    .map((key) => `${key}:${formatValue(value[key])}`)
    .join(' ')}]`;
}

/** time.Time's String(): `2006-01-02 15:04:05.999999999 -0700 MST`, here with a numeric zone. */
export function formatTimeDefault(time: GoTime): string {
  const local = new Date(time.epochMs + time.offsetMinutes * 60_000);
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  const ms = local.getUTCMilliseconds();
  const fraction = ms === 0 ? '' : `.${pad(ms, 3).replace(/0+$/, '')}`;
  const sign = time.offsetMinutes < 0 ? '-' : '+';
  const offset = Math.abs(time.offsetMinutes);
  const zone = `${sign}${pad(Math.floor(offset / 60))}${pad(offset % 60)}`;
  return `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())} ${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}${fraction} ${zone} ${time.offsetMinutes === 0 ? 'UTC' : zone}`;
}
