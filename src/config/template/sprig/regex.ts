/** Sprig's regex functions with RE2 semantics (re2js), and Go's `$1`/`${name}` replacement expansion. */
import { re2 } from '../../../util/re2.js';
import type { RE2JS } from '../../../util/re2.js';
import { fn } from '../functions.js';
import type { TemplateFunction } from '../functions.js';

function compile(pattern: string): RE2JS {
  try {
    return re2().compile(pattern);
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

/** Width in UTF-16 units of the character at `pos` (Go steps over one rune). */
function charWidth(text: string, pos: number): number {
  const code = text.codePointAt(pos);
  return code !== undefined && code > 0xffff ? 2 : 1;
}

/** The groups of the current match of `matcher`: [whole, group 1, …] (null when a group did not take part). */
function groupsOf(matcher: ReturnType<RE2JS['matcher']>, count: number): (string | null)[] {
  const groups: (string | null)[] = [];
  for (let i = 0; i <= count; i++) groups.push(matcher.group(i));
  return groups;
}

/** Go's Regexp.ReplaceAllString loop: an empty match right after a match is not replaced. */
function replaceAll(pattern: string, text: string, replacement: string, literal: boolean): string {
  const regex = compile(pattern);
  const named = regex.namedGroups();
  const count = regex.groupCount();
  const matcher = regex.matcher(text);
  let out = '';
  let lastMatchEnd = 0;
  let searchPos = 0;
  while (searchPos <= text.length && matcher.find(searchPos)) {
    const start = matcher.start();
    const end = matcher.end();
    out += text.slice(lastMatchEnd, start);
    if (end > lastMatchEnd || start === 0) {
      const groups = groupsOf(matcher, count);
      out += literal
        ? replacement
        : expand(replacement, (name) => {
            const index = /^\d+$/.test(name) ? Number(name) : named[name];
            return index === undefined || index > count ? '' : (groups[index] ?? '');
          });
    }
    lastMatchEnd = end;
    const width = searchPos < text.length ? charWidth(text, searchPos) : 1;
    searchPos = searchPos + width > end ? searchPos + width : end;
  }
  return out + text.slice(lastMatchEnd);
}

/** Go's FindAllStringIndex: at most n matches (all when n < 0); an empty match right after a match is skipped. */
function findAllIndex(pattern: string, text: string, n: number): [number, number][] {
  const matcher = compile(pattern).matcher(text);
  const out: [number, number][] = [];
  let pos = 0;
  let prevMatchEnd = -1;
  while ((n < 0 || out.length < n) && pos <= text.length && matcher.find(pos)) {
    const start = matcher.start();
    const end = matcher.end();
    let accept = true;
    if (end === start) {
      if (start === prevMatchEnd) accept = false;
      pos = start < text.length ? start + charWidth(text, start) : text.length + 1;
    } else {
      pos = end;
    }
    prevMatchEnd = end;
    if (accept) out.push([start, end]);
  }
  return out;
}

/** Go returns a nil []string for no match, which prints as []. */
function findAll(pattern: string, text: string, n: number): string[] {
  return findAllIndex(pattern, text, n).map(([start, end]) => text.slice(start, end));
}

/** Go's Regexp.Split. */
function split(pattern: string, text: string, n: number): string[] {
  if (n === 0) return [];
  if (pattern.length > 0 && text.length === 0) return [''];
  const parts: string[] = [];
  let begin = 0;
  let end = 0;
  for (const [start, stop] of findAllIndex(pattern, text, n)) {
    if (n > 0 && parts.length === n - 1) break;
    end = start;
    if (stop !== 0) parts.push(text.slice(begin, end));
    begin = stop;
  }
  if (end !== text.length) parts.push(text.slice(begin));
  return parts;
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
    ['mustRegexFindAll', fn(['string', 'string', 'int'], (p: string, s: string, n: bigint) => findAll(p, s, Number(n)))],
    ['regexFind', fn(['string', 'string'], (p: string, s: string) => findAll(p, s, 1)[0] ?? '')],
    ['mustRegexFind', fn(['string', 'string'], (p: string, s: string) => findAll(p, s, 1)[0] ?? '')],
    ['regexReplaceAll', fn(['string', 'string', 'string'], (p: string, s: string, r: string) => replaceAll(p, s, r, false))],
    ['mustRegexReplaceAll', fn(['string', 'string', 'string'], (p: string, s: string, r: string) => replaceAll(p, s, r, false))],
    ['regexReplaceAllLiteral', fn(['string', 'string', 'string'], (p: string, s: string, r: string) => replaceAll(p, s, r, true))],
    ['mustRegexReplaceAllLiteral', fn(['string', 'string', 'string'], (p: string, s: string, r: string) => replaceAll(p, s, r, true))],
    ['regexSplit', fn(['string', 'string', 'int'], (p: string, s: string, n: bigint) => split(p, s, Number(n)))],
    ['mustRegexSplit', fn(['string', 'string', 'int'], (p: string, s: string, n: bigint) => split(p, s, Number(n)))],
    ['regexQuoteMeta', fn(['string'], (s: string) => s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&'))],
  ];
}
