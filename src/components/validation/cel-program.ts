/**
 * CEL expressions of `validation/cel`, compiled once with @marcbachmann/cel-js against the variables
 * KrakenD declares (krakend-cel): request (`req_*`), response (`resp_*`), token (`JWT`) and `now`.
 *
 * KrakenD decides where an expression runs by the text it contains: one mentioning `req` runs before
 * the call, `resp` after it, `JWT` in the token validator (an expression may run in several places).
 * Portico keeps that rule so the same config behaves the same.
 */
import type * as Cel from '@marcbachmann/cel-js';
import { refusedMatchPatterns, useRe2ForMatches } from './cel-matches.js';

export type Stage = 'pre' | 'post' | 'jwt';

export interface CheckProgram {
  /** Position in the config list, used in log lines as KrakenD does (`evaluator #0`). */
  index: number;
  expression: string;
  /** True only when the expression evaluates to `true`; any error counts as false. */
  passes(variables: Record<string, unknown>): boolean;
}

const HEADER_MAP = 'map<string, list<string>>';

let cel: typeof Cel | undefined;
let environment: Cel.Environment | undefined;

/** Loads the CEL library (ESM only) in the component's `prepare` step, so configs without CEL never pay for it. */
export async function loadCel(): Promise<void> {
  cel ??= await import('@marcbachmann/cel-js');
}

/** One environment for every expression: declaring the variables is the expensive part. */
function celEnvironment(): Cel.Environment {
  if (cel === undefined) throw new Error('validation/cel was used before its prepare step loaded the CEL library');
  environment ??= new cel.Environment()
    .registerVariable('now', 'string')
    .registerVariable('req_method', 'string')
    .registerVariable('req_path', 'string')
    .registerVariable('req_params', 'map<string, string>')
    .registerVariable('req_headers', HEADER_MAP)
    .registerVariable('req_querystring', HEADER_MAP)
    .registerVariable('resp_completed', 'bool')
    .registerVariable('resp_metadata_status', 'int')
    .registerVariable('resp_metadata_headers', HEADER_MAP)
    .registerVariable('resp_data', 'map<string, dyn>')
    .registerVariable('JWT', 'map<string, dyn>');
  return environment;
}

/** cel-js appends a source excerpt with a caret to its messages; the config issue points there itself. */
function firstLine(message: string): string {
  const end = message.indexOf('\n');
  return end === -1 ? message : message.slice(0, end);
}

/** The stages an expression runs in, by KrakenD's substring rule. */
export function stagesOf(expression: string): Stage[] {
  const stages: Stage[] = [];
  if (expression.includes('req')) stages.push('pre');
  if (expression.includes('resp')) stages.push('post');
  if (expression.includes('JWT')) stages.push('jwt');
  return stages;
}

/**
 * Parses and type-checks one expression; throws with a readable explanation (cel-js marks the
 * position) when it is not valid CEL over these variables or cannot yield a boolean.
 */
export function compileCheck(expression: string, index: number): CheckProgram {
  const env = celEnvironment();
  let evaluate: ReturnType<Cel.Environment['parse']>;
  let checked: ReturnType<Cel.Environment['check']>;
  try {
    evaluate = env.parse(expression);
    // Checked once here: the tree then carries its types, and evaluations skip the per-call check.
    checked = evaluate.check();
  } catch (error) {
    throw new Error(firstLine((error as Error).message));
  }
  if (!checked.valid) throw new Error(firstLine(checked.error?.message ?? 'invalid expression'));
  if (checked.type !== 'bool' && checked.type !== 'dyn') throw new Error(`the expression yields ${checked.type}, not a boolean`);
  const refused = refusedMatchPatterns(evaluate.ast);
  if (refused.length > 0) {
    const { pattern, reason } = refused[0] as { pattern: string; reason: string };
    throw new Error(`matches() pattern ${JSON.stringify(pattern)} is not RE2 syntax (no backreferences or lookaround): ${reason}`);
  }
  useRe2ForMatches(evaluate.ast);
  return {
    index,
    expression,
    passes(variables) {
      try {
        return evaluate(variables) === true;
      } catch {
        // A missing key or a failed conversion aborts the request, as in KrakenD.
        return false;
      }
    },
  };
}

/** Compiles the expressions of a block that run in `stage`, keeping their config positions. */
export function programsFor(expressions: readonly string[], stage: Stage): CheckProgram[] {
  const programs: CheckProgram[] = [];
  expressions.forEach((expression, index) => {
    if (stagesOf(expression).includes(stage)) programs.push(compileCheck(expression, index));
  });
  return programs;
}

/** The first program that does not pass, or `undefined` when all pass. */
export function firstFailure(programs: readonly CheckProgram[], variables: Record<string, unknown>): CheckProgram | undefined {
  for (const program of programs) if (!program.passes(variables)) return program;
  return undefined;
}

/** `time.Now().Format(time.RFC3339)`: local time, second precision, `Z` or `±hh:mm`. */
export function rfc3339Now(now = new Date()): string {
  const offsetMinutes = -now.getTimezoneOffset();
  const local = new Date(now.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 19);
  if (offsetMinutes === 0) return `${local}Z`;
  const sign = offsetMinutes > 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** lura hands params to the proxy with their first letter upper-cased (`{id}` → `Id`). */
export function titleCasedParams(params: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in params) out[name.charAt(0).toUpperCase() + name.slice(1)] = params[name] as string;
  return out;
}
