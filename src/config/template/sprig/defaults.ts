/** Sprig's default/empty/coalesce/ternary, JSON conversions and reflection helpers. */
import { fn } from '../functions.js';
import type { TemplateFunction } from '../functions.js';
import { fromJsonText, goJson } from '../json.js';
import { goTypeName } from '../values.js';
import type { GoValue } from '../values.js';
import { deepEqual, empty, kindOf } from './cast.js';

function json(indent: string, escapeHtml: boolean, strict: boolean) {
  return fn(['any'], (value: GoValue) => {
    try {
      return goJson(value, { indent, escapeHtml });
    } catch (error) {
      if (strict) throw error;
      return '';
    }
  });
}

export function defaultFunctions(): [string, TemplateFunction][] {
  const fromJson = (strict: boolean) =>
    fn(['string'], (text: string) => {
      try {
        return fromJsonText(text);
      } catch (error) {
        if (strict) throw error;
        return null;
      }
    });
  return [
    ['default', fn(['any'], (fallback: GoValue, ...given: GoValue[]) => (given.length === 0 || empty(given[0] as GoValue) ? fallback : (given[0] as GoValue)), 'any')],
    ['empty', fn(['any'], empty)],
    ['coalesce', fn([], (...values: GoValue[]) => values.find((value) => !empty(value)) ?? null, 'any')],
    ['all', fn([], (...values: GoValue[]) => values.every((value) => !empty(value)), 'any')],
    ['any', fn([], (...values: GoValue[]) => values.some((value) => !empty(value)), 'any')],
    ['ternary', fn(['any', 'any', 'bool'], (whenTrue: GoValue, whenFalse: GoValue, condition: boolean) => (condition ? whenTrue : whenFalse))],
    ['fromJson', fromJson(false)],
    ['mustFromJson', fromJson(true)],
    ['toJson', json('', true, false)],
    ['mustToJson', json('', true, true)],
    ['toPrettyJson', json('  ', true, false)],
    ['mustToPrettyJson', json('  ', true, true)],
    ['toRawJson', json('', false, true)],
    ['mustToRawJson', json('', false, true)],
    ['typeOf', fn(['any'], (value: GoValue) => (value === null || value === undefined ? '<nil>' : goTypeName(value)))],
    ['typeIs', fn(['string', 'any'], (target: string, value: GoValue) => target === (value === null || value === undefined ? '<nil>' : goTypeName(value)))],
    ['typeIsLike', fn(['string', 'any'], (target: string, value: GoValue) => {
      const type = value === null || value === undefined ? '<nil>' : goTypeName(value);
      return target === type || target === `*${type}`;
    })],
    ['kindOf', fn(['any'], kindOf)],
    ['kindIs', fn(['string', 'any'], (target: string, value: GoValue) => target === kindOf(value))],
    ['deepEqual', fn(['any', 'any'], deepEqual)],
  ];
}
