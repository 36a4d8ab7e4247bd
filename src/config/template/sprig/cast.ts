/** The conversions Sprig makes with spf13/cast: lenient, and 0 when a value does not convert. */
import { parseGoInteger } from '../parser.js';
import { formatValue, GoTime, isMap } from '../values.js';
import type { GoValue } from '../values.js';

const INT64 = (value: bigint): bigint => BigInt.asIntN(64, value);

/** cast.ToInt64: floats truncate, strings parse with base prefixes ("0x1F", "3.0"), the rest is 0. */
export function toInt64(value: GoValue): bigint {
  switch (typeof value) {
    case 'bigint':
      return INT64(value);
    case 'number':
      return Number.isFinite(value) ? INT64(BigInt(Math.trunc(value))) : -0x8000000000000000n;
    case 'boolean':
      return value ? 1n : 0n;
    case 'string': {
      // cast trims a zero decimal part ("3.00" → "3") before strconv.ParseInt(s, 0, 0).
      const text = /^[+-]?\d+\.0*$/.test(value) ? value.replace(/\.0*$/, '') : value;
      const parsed = parseGoInteger(text);
      return parsed !== undefined && parsed <= 0x7fffffffffffffffn && parsed >= -0x8000000000000000n ? parsed : 0n;
    }
  }
  return 0n;
}

/** cast.ToFloat64. */
export function toFloat64(value: GoValue): number {
  switch (typeof value) {
    case 'number':
      return value;
    case 'bigint':
      return Number(value);
    case 'boolean':
      return value ? 1 : 0;
    case 'string': {
      const text = value.trim() === value ? value.replace(/_/g, '') : '';
      if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return Number(text);
      if (/^[+-]?(inf|infinity)$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
      if (/^nan$/i.test(text)) return NaN;
      const integer = parseGoInteger(text);
      return integer === undefined ? 0 : Number(integer);
    }
  }
  return 0;
}

/** Sprig's strval: strings as they are, anything else as `%v` prints it. */
export function strval(value: GoValue): string {
  if (typeof value === 'string') return value;
  return formatValue(value);
}

/** Sprig's empty: nil, false, 0, "" and empty lists or maps. */
export function empty(value: GoValue): boolean {
  if (value === undefined || value === null) return true;
  switch (typeof value) {
    case 'boolean':
      return !value;
    case 'string':
      return value.length === 0;
    case 'bigint':
      return value === 0n;
    case 'number':
      return value === 0;
  }
  if (Array.isArray(value)) return value.length === 0;
  if (isMap(value)) return Object.keys(value).length === 0;
  return value instanceof GoTime ? false : false;
}

/** A list argument (Sprig's reflect checks): throws Sprig's message for anything else. */
export function asList(value: GoValue, name: string): GoValue[] {
  if (Array.isArray(value)) return value;
  throw new Error(`Cannot find ${name} on type ${kindOf(value)}`);
}

/** reflect.Kind names, as Sprig's kindOf prints them. */
export function kindOf(value: GoValue): string {
  if (value === undefined || value === null) return 'invalid';
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
  if (Array.isArray(value)) return 'slice';
  if (value instanceof GoTime) return 'struct';
  if (isMap(value)) return 'map';
  return 'func';
}

/** reflect.DeepEqual for template values (an int and a float are different types, so never equal). */
export function deepEqual(a: GoValue, b: GoValue): boolean {
  if (a === undefined || a === null || b === undefined || b === null) return (a ?? null) === (b ?? null);
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  if (a instanceof GoTime) return b instanceof GoTime && a.epochMs === b.epochMs && a.offsetMinutes === b.offsetMinutes;
  if (isMap(a)) {
    if (!isMap(b)) return false;
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]));
  }
  return a === b;
}
