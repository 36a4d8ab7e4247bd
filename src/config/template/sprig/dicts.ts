/** Sprig's dict functions. Dicts are map[string]interface{}; set/unset/merge change the dict they are given. */
import { fn } from '../functions.js';
import type { TemplateFunction } from '../functions.js';
import { isMap, setEntry, sortedKeys } from '../values.js';
import type { GoMap, GoValue } from '../values.js';
import { empty, strval } from './cast.js';

function dict(...pairs: GoValue[]): GoMap {
  const result: GoMap = {};
  for (let i = 0; i < pairs.length; i += 2) setEntry(result, strval(pairs[i]), i + 1 < pairs.length ? pairs[i + 1] : '');
  return result;
}

/** mergo.Merge: fills keys the destination lacks or holds empty; nested dicts merge recursively. */
function mergeInto(target: GoMap, source: GoMap, overwrite: boolean): void {
  for (const key of Object.keys(source)) {
    const from = source[key];
    const to = target[key];
    if (isMap(to) && isMap(from)) mergeInto(to, from, overwrite);
    else if (!Object.hasOwn(target, key)) setEntry(target, key, from);
    else if ((overwrite || empty(to)) && !empty(from)) setEntry(target, key, from);
  }
}

function dig(...args: GoValue[]): GoValue {
  if (args.length < 3) throw new Error('dig needs at least three arguments');
  let current = args.at(-1);
  const fallback = args.at(-2) as GoValue;
  if (!isMap(current as GoValue)) throw new Error(`interface conversion: interface {} is not map[string]interface {}`);
  for (const key of args.slice(0, -2)) {
    if (typeof key !== 'string') throw new Error('interface conversion: interface {} is not string');
    if (!isMap(current as GoValue) || !Object.hasOwn(current as GoMap, key)) return fallback;
    current = (current as GoMap)[key];
  }
  return current as GoValue;
}

function deepCopy(value: GoValue): GoValue {
  if (Array.isArray(value)) return value.map(deepCopy);
  if (isMap(value)) {
    const copy: GoMap = {};
    for (const [key, item] of Object.entries(value)) setEntry(copy, key, deepCopy(item));
    return copy;
  }
  return value;
}

export function dictFunctions(): [string, TemplateFunction][] {
  const merge = (overwrite: boolean) =>
    fn(['map'], (target: GoMap | null, ...sources: (GoMap | null)[]) => {
      const into = target ?? {};
      for (const source of sources) if (source) mergeInto(into, source, overwrite);
      return into;
    }, 'map');
  return [
    ['dict', fn([], dict, 'any')],
    ['get', fn(['map', 'string'], (map: GoMap | null, key: string) => (map && Object.hasOwn(map, key) ? map[key] : ''))],
    [
      'set',
      fn(['map', 'string', 'any'], (map: GoMap | null, key: string, value: GoValue) => {
        if (!map) throw new Error('assignment to entry in nil map');
        setEntry(map, key, value);
        return map;
      }),
    ],
    [
      'unset',
      fn(['map', 'string'], (map: GoMap | null, key: string) => {
        if (map) delete map[key];
        return map;
      }),
    ],
    ['hasKey', fn(['map', 'string'], (map: GoMap | null, key: string) => map !== null && Object.hasOwn(map, key))],
    ['pluck', fn(['string'], (key: string, ...maps: (GoMap | null)[]) => maps.filter((map) => map && Object.hasOwn(map, key)).map((map) => (map as GoMap)[key]), 'map')],
    // Go's map order is random; sorted is one of its orders, and a stable one.
    ['keys', fn([], (...maps: (GoMap | null)[]) => maps.flatMap((map) => (map ? sortedKeys(map) : [])), 'map')],
    ['values', fn(['map'], (map: GoMap | null) => (map ? sortedKeys(map).map((key) => map[key]) : []))],
    [
      'pick',
      fn(['map'], (map: GoMap | null, ...keys: string[]) => {
        const result: GoMap = {};
        for (const key of keys) if (map && Object.hasOwn(map, key)) setEntry(result, key, map[key]);
        return result;
      }, 'string'),
    ],
    [
      'omit',
      fn(['map'], (map: GoMap | null, ...keys: string[]) => {
        const result: GoMap = {};
        for (const key of Object.keys(map ?? {})) if (!keys.includes(key)) setEntry(result, key, (map as GoMap)[key]);
        return result;
      }, 'string'),
    ],
    ['merge', merge(false)],
    ['mustMerge', merge(false)],
    ['mergeOverwrite', merge(true)],
    ['mustMergeOverwrite', merge(true)],
    ['dig', fn([], dig, 'any')],
    ['deepCopy', fn(['any'], deepCopy)],
    ['mustDeepCopy', fn(['any'], deepCopy)],
  ];
}
