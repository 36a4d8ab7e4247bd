/**
 * Regular expressions over client or backend data run on re2js, a JavaScript port of RE2: Go's syntax
 * (inline flags such as `(?i)` anywhere) and matching in time linear in the text. A backtracking engine
 * spends seconds on `^(a+)+$` against 30 bytes, and every other request of the worker waits meanwhile.
 * RE2 has no backreferences or lookaround; a pattern using them does not compile (see README,
 * "Differences from KrakenD": KrakenD runs the same patterns on Go's regexp, so this is the same limit).
 */
import { LRUCache } from 'lru-cache';
import { re2 } from './re2.js';

/** A compiled pattern: true when it matches anywhere in the text. */
export interface GoPattern {
  test(text: string): boolean;
}

/**
 * Compiles a Go (RE2) pattern. With `whole`, the pattern must match the entire text (`^(?:…)$`).
 * Throws for a pattern RE2 does not accept.
 */
export function compileGoPattern(pattern: string, whole = false): GoPattern {
  const compiled = re2().compile(whole ? `^(?:${pattern})$` : pattern);
  return { test: (text) => compiled.test(text) };
}

/** Why RE2 refuses `pattern`, or `undefined` when it compiles. */
export function goPatternError(pattern: string): string | undefined {
  try {
    re2().compile(pattern);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Patterns only known at request time (a CEL `matches` whose pattern is a variable): compiled once per
 * distinct text, with a bounded cache so a client sending new patterns cannot grow it without limit.
 */
const runtimePatterns = new LRUCache<string, GoPattern>({ max: 256 });

export function runtimeGoPattern(pattern: string): GoPattern {
  let compiled = runtimePatterns.get(pattern);
  if (compiled === undefined) {
    compiled = compileGoPattern(pattern);
    runtimePatterns.set(pattern, compiled);
  }
  return compiled;
}

/**
 * A pattern that must match the whole text, with its capture groups: `null` when it does not match,
 * else the groups (`[0]` is the whole text; a group that took no part is `undefined`).
 */
export function compileGoCaptures(pattern: string): (text: string) => (string | undefined)[] | null {
  const compiled = re2().compile(pattern);
  const groups = compiled.groupCount();
  return (text) => {
    const matcher = compiled.matcher(text);
    if (!matcher.matches()) return null;
    const out: (string | undefined)[] = [];
    for (let index = 0; index <= groups; index++) out.push(matcher.group(index) ?? undefined);
    return out;
  };
}
