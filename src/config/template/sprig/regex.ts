/** Sprig's regex functions with RE2 semantics (re2js), and Go's `$1`/`${name}` replacement expansion. */
import { RE2JS } from 're2js';
import { fn } from '../functions.js';
import type { TemplateFunction } from '../functions.js';

function compile(pattern: string): RE2JS {
  try {
    return RE2JS.compile(pattern);
  } catch (error) {
    throw new Error(`regexp: Compile(${JSON.stringify(pattern)}): ${(error as Error).message}`);
  }
}

/** Go's Regexp.Expand: `$name` takes the longest name (`$1x` is group "1x"), `$$` is a dollar. */
function expand(template: string, group: (name: string) => string | null): string {
  return template.replace(/\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (whole, _all: string, braced?: string, bare?: string) => {
    if (whole === '$$') return '$';
    return group((braced ?? bare) as string) ?? '';
  });
}

function replaceAll(pattern: string, text: string, replacement: string, literal: boolean): string {
  const regex = compile(pattern);
  const named = regex.namedGroups();
  const count = regex.groupCount();
  return regex.matcher(text).replaceAll((...args: unknown[]) => {
    if (literal) return replacement;
    return expand(replacement, (name) => {
      if (/^\d+$/.test(name)) {
        const index = Number(name);
        return index <= count ? ((index === 0 ? args[0] : args[index]) as string | undefined) ?? '' : '';
      }
      const index = named[name];
      return index === undefined ? '' : ((args[index] as string | undefined) ?? '');
    });
  });
}

/** All matches, at most n when n ≥ 0 (Go's FindAllString). */
function findAll(pattern: string, text: string, n: number): string[] | null {
  const matcher = compile(pattern).matcher(text);
  const out: string[] = [];
  while ((n < 0 || out.length < n) && matcher.find()) out.push(matcher.group() ?? '');
  return out.length === 0 ? null : out;
}

function split(pattern: string, text: string, n: number): string[] | null {
  if (n === 0) return null;
  const regex = compile(pattern);
  if (pattern.length > 0 && text.length === 0) return [''];
  const matcher = regex.matcher(text);
  const out: string[] = [];
  let start = 0;
  while (n < 0 || out.length < n - 1) {
    if (!matcher.find()) break;
    if (matcher.end() === 0 && matcher.start() === 0) continue;
    out.push(text.slice(start, matcher.start()));
    start = matcher.end();
  }
  out.push(text.slice(start));
  return out;
}

export function regexFunctions(): [string, TemplateFunction][] {
  const match = (strict: boolean) =>
    fn(['string', 'string'], (pattern: string, text: string) => {
      try {
        return compile(pattern).matcher(text).find();
      } catch (error) {
        if (strict) throw error;
        return false;
      }
    });
  return [
    ['regexMatch', match(false)],
    ['mustRegexMatch', match(true)],
    ['regexFindAll', fn(['string', 'string', 'int'], (p: string, s: string, n: bigint) => findAll(p, s, Number(n)))],
    ['mustRegexFindAll', fn(['string', 'string', 'int'], (p: string, s: string, n: bigint) => findAll(p, s, Number(n)) ?? [])],
    ['regexFind', fn(['string', 'string'], (p: string, s: string) => findAll(p, s, 1)?.[0] ?? '')],
    ['mustRegexFind', fn(['string', 'string'], (p: string, s: string) => findAll(p, s, 1)?.[0] ?? '')],
    ['regexReplaceAll', fn(['string', 'string', 'string'], (p: string, s: string, r: string) => replaceAll(p, s, r, false))],
    ['mustRegexReplaceAll', fn(['string', 'string', 'string'], (p: string, s: string, r: string) => replaceAll(p, s, r, false))],
    ['regexReplaceAllLiteral', fn(['string', 'string', 'string'], (p: string, s: string, r: string) => replaceAll(p, s, r, true))],
    ['mustRegexReplaceAllLiteral', fn(['string', 'string', 'string'], (p: string, s: string, r: string) => replaceAll(p, s, r, true))],
    ['regexSplit', fn(['string', 'string', 'int'], (p: string, s: string, n: bigint) => split(p, s, Number(n)))],
    ['mustRegexSplit', fn(['string', 'string', 'int'], (p: string, s: string, n: bigint) => split(p, s, Number(n)))],
    ['regexQuoteMeta', fn(['string'], (s: string) => s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&'))],
  ];
}
