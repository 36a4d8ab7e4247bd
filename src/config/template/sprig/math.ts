/** Sprig's arithmetic: the integer functions convert with cast.ToInt64 and wrap as int64 does. */
import { fn } from '../functions.js';
import type { TemplateFunction } from '../functions.js';
import type { GoValue } from '../values.js';
import { toFloat64, toInt64 } from './cast.js';

const wrap = (value: bigint): bigint => BigInt.asIntN(64, value);

function divide(a: GoValue, b: GoValue, op: 'div' | 'mod'): bigint {
  const divisor = toInt64(b);
  if (divisor === 0n) throw new Error('runtime error: integer divide by zero');
  return wrap(op === 'div' ? toInt64(a) / divisor : toInt64(a) % divisor);
}

/** Sprig's round: away from zero when the fraction reaches `roundOn` (0.5 by default). */
function round(value: GoValue, places: bigint, ...roundOn: number[]): number {
  const pow = 10 ** Number(places);
  const digit = pow * toFloat64(value);
  const fraction = digit - Math.trunc(digit);
  return (fraction >= (roundOn[0] ?? 0.5) ? Math.ceil(digit) : Math.floor(digit)) / pow;
}

/** Sprig's float functions use decimal arithmetic; rounding the result to 15 digits gives the same answers. */
function decimal(value: number): number {
  return Number.isFinite(value) ? Number(value.toPrecision(15)) : value;
}

export function mathFunctions(): [string, TemplateFunction][] {
  return [
    ['add1', fn(['any'], (a: GoValue) => wrap(toInt64(a) + 1n))],
    ['add', fn([], (...values: GoValue[]) => values.reduce<bigint>((sum, v) => wrap(sum + toInt64(v)), 0n), 'any')],
    ['sub', fn(['any', 'any'], (a: GoValue, b: GoValue) => wrap(toInt64(a) - toInt64(b)))],
    ['div', fn(['any', 'any'], (a: GoValue, b: GoValue) => divide(a, b, 'div'))],
    ['mod', fn(['any', 'any'], (a: GoValue, b: GoValue) => divide(a, b, 'mod'))],
    ['mul', fn(['any'], (a: GoValue, ...values: GoValue[]) => values.reduce<bigint>((product, v) => wrap(product * toInt64(v)), toInt64(a)), 'any')],
    ['max', fn(['any'], (a: GoValue, ...values: GoValue[]) => values.map(toInt64).reduce((m, v) => (v > m ? v : m), toInt64(a)), 'any')],
    ['biggest', fn(['any'], (a: GoValue, ...values: GoValue[]) => values.map(toInt64).reduce((m, v) => (v > m ? v : m), toInt64(a)), 'any')],
    ['min', fn(['any'], (a: GoValue, ...values: GoValue[]) => values.map(toInt64).reduce((m, v) => (v < m ? v : m), toInt64(a)), 'any')],
    ['maxf', fn(['any'], (a: GoValue, ...values: GoValue[]) => Math.max(toFloat64(a), ...values.map(toFloat64)), 'any')],
    ['minf', fn(['any'], (a: GoValue, ...values: GoValue[]) => Math.min(toFloat64(a), ...values.map(toFloat64)), 'any')],
    ['add1f', fn(['any'], (a: GoValue) => decimal(toFloat64(a) + 1))],
    ['addf', fn([], (...values: GoValue[]) => decimal(values.reduce<number>((sum, v) => sum + toFloat64(v), 0)), 'any')],
    ['subf', fn(['any'], (a: GoValue, ...values: GoValue[]) => decimal(values.reduce<number>((acc, v) => acc - toFloat64(v), toFloat64(a))), 'any')],
    ['mulf', fn(['any'], (a: GoValue, ...values: GoValue[]) => decimal(values.reduce<number>((acc, v) => acc * toFloat64(v), toFloat64(a))), 'any')],
    [
      'divf',
      fn(['any'], (a: GoValue, ...values: GoValue[]) =>
        decimal(
          values.reduce<number>((acc, v) => {
            const divisor = toFloat64(v);
            if (divisor === 0) throw new Error('decimal division by 0');
            return acc / divisor;
          }, toFloat64(a)),
        ), 'any'),
    ],
    ['floor', fn(['any'], (a: GoValue) => Math.floor(toFloat64(a)))],
    ['ceil', fn(['any'], (a: GoValue) => Math.ceil(toFloat64(a)))],
    ['round', fn(['any', 'int'], round, 'float')],
    ['int', fn(['any'], toInt64)],
    ['int64', fn(['any'], toInt64)],
    ['float64', fn(['any'], toFloat64)],
    ['atoi', fn(['string'], (text: string) => (/^[+-]?\d+$/.test(text) ? BigInt.asIntN(64, BigInt(text)) : 0n))],
    [
      'toDecimal',
      fn(['any'], (value: GoValue) => {
        const text = typeof value === 'string' ? value : String(value);
        return /^[+-]?[0-7]+$/.test(text) ? BigInt.asIntN(64, BigInt(`${text.startsWith('-') ? '-' : ''}0o${text.replace(/^[+-]/, '')}`)) : 0n;
      }),
    ],
  ];
}
