/** Sprig's list functions. Like Sprig they return new lists, except `append` on a list Sprig also copies. */
import { fn } from '../functions.js';
import type { TemplateFunction } from '../functions.js';
import type { GoValue } from '../values.js';
import { asList, deepEqual, empty, kindOf, strval, toInt64 } from './cast.js';

/** Sprig's strslice: lists become strings (nil items dropped), nil becomes [], anything else [strval]. */
export function toStrings(value: GoValue): string[] {
  if (Array.isArray(value)) return value.filter((item) => item !== null && item !== undefined).map(strval);
  if (value === null || value === undefined) return [];
  return [strval(value)];
}

function has(needle: GoValue, haystack: GoValue): boolean {
  if (haystack === null || haystack === undefined) return false;
  return asList(haystack, 'has').some((item) => deepEqual(needle, item));
}

function uniq(list: GoValue): GoValue[] {
  const out: GoValue[] = [];
  for (const item of asList(list, 'uniq')) if (!out.some((seen) => deepEqual(seen, item))) out.push(item);
  return out;
}

function slice(list: GoValue, ...indices: GoValue[]): GoValue {
  if (!Array.isArray(list)) throw new Error(`list should be type of slice or array but ${kindOf(list)}`);
  if (list.length === 0) return null;
  const start = indices.length > 0 ? Number(toInt64(indices[0] as GoValue)) : 0;
  const end = indices.length < 2 ? list.length : Number(toInt64(indices[1] as GoValue));
  if (start < 0 || end > list.length || start > end) throw new Error(`reflect: slice index out of range`);
  return list.slice(start, end);
}

function concat(...lists: GoValue[]): GoValue[] {
  const out: GoValue[] = [];
  for (const list of lists) {
    if (!Array.isArray(list)) throw new Error(`Cannot concat type ${kindOf(list)} as list`);
    out.push(...list);
  }
  return out;
}

function chunk(size: bigint, list: GoValue): GoValue[] {
  const items = asList(list, 'chunk');
  const n = Number(size);
  const out: GoValue[] = [];
  for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n));
  return out;
}

function untilStep(start: number, stop: number, step: number): bigint[] {
  const out: bigint[] = [];
  if (stop < start) {
    if (step >= 0) return out;
    for (let i = start; i > stop; i += step) out.push(BigInt(i));
    return out;
  }
  if (step <= 0) return out;
  for (let i = start; i < stop; i += step) out.push(BigInt(i));
  return out;
}

function seq(...params: bigint[]): string {
  const numbers = params.map(Number);
  let range: bigint[];
  if (numbers.length === 0) return '';
  if (numbers.length === 1) {
    const end = numbers[0] as number;
    const step = end < 1 ? -1 : 1;
    range = untilStep(1, end + step, step);
  } else if (numbers.length === 2) {
    const [start, end] = numbers as [number, number];
    const step = end < start ? -1 : 1;
    range = untilStep(start, end + step, step);
  } else if (numbers.length === 3) {
    const [start, step, end] = numbers as [number, number, number];
    const direction = end < start ? -1 : 1;
    if ((direction === 1 && step < 0) || (direction === -1 && step > 0) || step === 0) return '';
    range = untilStep(start, end + direction, step);
  } else {
    return '';
  }
  return range.join(' ');
}

/** Wraps a function that Sprig also offers as must*: the same here, both throw on a bad list. */
function withMust(name: string, definition: TemplateFunction): [string, TemplateFunction][] {
  return [
    [name, definition],
    [`must${name[0]?.toUpperCase()}${name.slice(1)}`, definition],
  ];
}

export function listFunctions(): [string, TemplateFunction][] {
  const list = fn([], (...items: GoValue[]) => items, 'any');
  const push = fn(['any', 'any'], (items: GoValue, item: GoValue) => [...asList(items, 'push'), item]);
  return [
    ['list', list],
    ['tuple', list],
    ...withMust('append', push),
    ...withMust('push', push),
    ...withMust('prepend', fn(['any', 'any'], (items: GoValue, item: GoValue) => [item, ...asList(items, 'prepend')])),
    ...withMust('first', fn(['any'], (items: GoValue) => asList(items, 'first')[0] ?? null)),
    ...withMust('last', fn(['any'], (items: GoValue) => asList(items, 'last').at(-1) ?? null)),
    ...withMust('rest', fn(['any'], (items: GoValue) => asList(items, 'rest').slice(1))),
    ...withMust('initial', fn(['any'], (items: GoValue) => asList(items, 'initial').slice(0, -1))),
    ...withMust('reverse', fn(['any'], (items: GoValue) => [...asList(items, 'reverse')].reverse())),
    ...withMust('uniq', fn(['any'], uniq)),
    ...withMust('without', fn(['any'], (items: GoValue, ...omit: GoValue[]) => asList(items, 'without').filter((item) => !omit.some((o) => deepEqual(o, item))), 'any')),
    ...withMust('has', fn(['any', 'any'], has)),
    ...withMust('compact', fn(['any'], (items: GoValue) => asList(items, 'compact').filter((item) => !empty(item)))),
    ...withMust('slice', fn(['any'], slice, 'any')),
    ...withMust('chunk', fn(['int', 'any'], chunk)),
    ['concat', fn([], concat, 'any')],
    ['sortAlpha', fn(['any'], (items: GoValue) => (Array.isArray(items) ? toStrings(items).sort() : [strval(items)]))],
    ['join', fn(['string', 'any'], (separator: string, items: GoValue) => toStrings(items).join(separator))],
    ['toStrings', fn(['any'], toStrings)],
    ['until', fn(['int'], (count: bigint) => untilStep(0, Number(count), count < 0n ? -1 : 1))],
    ['untilStep', fn(['int', 'int', 'int'], (start: bigint, stop: bigint, step: bigint) => untilStep(Number(start), Number(stop), Number(step)))],
    ['seq', fn([], seq, 'int')],
  ];
}
