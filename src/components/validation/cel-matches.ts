/**
 * CEL's `matches` on RE2. The CEL specification defines `string.matches(pattern)` with RE2 syntax, and
 * KrakenD (cel-go) runs it on Go's linear-time engine; cel-js runs it on JavaScript's backtracking
 * `RegExp`, where `^(a+)+$` against a 31-byte header holds the worker for seconds. cel-js has no way
 * to replace a built-in overload, so after type-checking we point each `matches` call of the
 * expression's tree at re2js instead (the tree is what the compiled program evaluates).
 */
import { goPatternError, runtimeGoPattern } from '../../util/go-regexp.js';

/** The parts of a cel-js syntax-tree node this module reads or replaces. */
interface CelNode {
  op: string;
  args: unknown;
  handle?: (args: unknown[]) => unknown;
}

function isNode(value: unknown): value is CelNode {
  return value !== null && typeof value === 'object' && typeof (value as { op?: unknown }).op === 'string';
}

function* matchesCalls(tree: unknown): Generator<CelNode> {
  if (Array.isArray(tree)) {
    for (const item of tree) yield* matchesCalls(item);
    return;
  }
  if (!isNode(tree)) return;
  const args = tree.args;
  if (tree.op === 'rcall' && Array.isArray(args) && args[0] === 'matches' && Array.isArray(args[2]) && args[2].length === 1) yield tree;
  yield* matchesCalls(args);
}

/** `text.matches(pattern)`: an unanchored RE2 search, as cel-go's. */
function re2Matches(args: unknown[]): boolean {
  const [text, pattern] = args;
  if (typeof text !== 'string' || typeof pattern !== 'string') throw new Error('matches() needs a string and a string pattern');
  return runtimeGoPattern(pattern).test(text);
}

/** Rewires every `matches` call of a type-checked tree to RE2. */
export function useRe2ForMatches(tree: unknown): void {
  for (const call of matchesCalls(tree)) call.handle = re2Matches;
}

/** The literal patterns of a tree that RE2 refuses, with RE2's reason: config errors at start-up. */
export function refusedMatchPatterns(tree: unknown): { pattern: string; reason: string }[] {
  const refused: { pattern: string; reason: string }[] = [];
  for (const call of matchesCalls(tree)) {
    const argument = (call.args as unknown[][])[2]?.[0];
    if (!isNode(argument) || argument.op !== 'value' || typeof argument.args !== 'string') continue;
    const reason = goPatternError(argument.args);
    if (reason !== undefined) refused.push({ pattern: argument.args, reason });
  }
  return refused;
}
