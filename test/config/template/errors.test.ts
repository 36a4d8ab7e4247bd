/**
 * Template errors: Go's message, and where it happened (line and 1-based column of the action or argument
 * that failed; Go itself prints a 0-based column and, for parse errors, only the line).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TemplateError } from '../../../src/config/template/index.js';
import { render } from './render.js';

const DATA = { s: 'str', n: null, f: 8080, l: [1] };

const CASES: [name: string, template: string, line: number, column: number, message: string][] = [
  // Parse errors (the message is Go's).
  ['undefined function', '{\n  "a": {{ nofn 1 }}\n}', 2, 11, 'function "nofn" not defined'],
  ['undefined variable', '{{ $x }}', 1, 4, 'undefined variable "$x"'],
  ['unclosed action', 'ok\n{{ .a ', 2, 1, 'unclosed action'],
  ['unexpected end', '{{ end }}', 1, 4, 'unexpected {{end}}'],
  ['missing end', '{{ if true }}x', 1, 15, 'unexpected EOF'],
  ['bad number', '{{ 3x }}', 1, 4, 'bad number syntax: "3x"'],
  ['unterminated string', '{{ "abc }}', 1, 4, 'unterminated quoted string'],
  ['non executable stage', '{{ 1 | 2 }}', 1, 8, 'non executable command in pipeline stage 2'],
  ['break outside range', '{{ break }}', 1, 4, '{{break}} outside {{range}}'],
  // Execution errors: `at <…>` names the action, then Go's message.
  ['nil command', '{{ nil }}', 1, 4, 'at <nil>: nil is not a command'],
  ['field of a string', '{{ .s.x }}', 1, 4, "at <.s.x>: can't evaluate field x in type interface {}"],
  ['field of null', '{{ .n.x }}', 1, 4, 'at <.n.x>: nil pointer evaluating interface {}.x'],
  ['arguments to a field', '{{ .s 1 }}', 1, 4, 'at <.s>: s is not a method but has arguments'],
  ['wrong argument count', 'line1\n  {{ upper "a" "b" }}', 2, 6, 'at <upper>: wrong number of args for upper: want 1 got 2'],
  ['wrong argument type', '{{ upper .f }}', 1, 10, 'at <.f>: wrong type for value; expected string; got float64'],
  ['missing value for a string parameter', '{{ trimSuffix "/" .nope }}', 1, 19, 'at <.nope>: invalid value; expected string'],
  ['int against float', '{{ if eq .f 8080 }}x{{ end }}', 1, 7, 'at <eq .f 8080>: error calling eq: incompatible types for comparison: float64 and int'],
  ['index out of range', '{{ index .l 5 }}', 1, 4, 'at <index .l 5>: error calling index: index out of range: 5'],
  ['range over a string', '{{ range .s }}x{{ end }}', 1, 10, "at <.s>: range can't iterate over str"],
  ['no such template', '{{ template "nope" . }}', 1, 4, 'at <template "nope" .>: template "nope" not defined'],
  ['fail', '{{ fail "custom message" }}', 1, 4, 'at <fail "custom message">: error calling fail: custom message'],
  ['division by zero', '{{ div 1 0 }}', 1, 4, 'at <div 1 0>: error calling div: runtime error: integer divide by zero'],
  ['list function on a string', '{{ first "abc" }}', 1, 4, 'at <first "abc">: error calling first: Cannot find first on type string'],
];

function failure(template: string): TemplateError {
  try {
    render(template, DATA);
  } catch (error) {
    if (error instanceof TemplateError) return error;
    throw error;
  }
  assert.fail(`rendered without an error: ${template}`);
}

describe('template engine: errors name the file, line, column and what failed', () => {
  for (const [name, template, line, column, message] of CASES) {
    it(name, () => {
      const error = failure(template);
      assert.equal(error.describe(), `t.tmpl:${line}:${column}: ${message}`);
      assert.equal(error.file, 't.tmpl');
    });
  }

  it('a Sprig function Portico leaves out says so', () => {
    assert.match(failure('{{ camelcase "a_b" }}').message, /^function "camelcase" not defined \(a Sprig function that KrakenD has and Portico leaves out/);
  });

  it('a recursive template stops at a depth limit instead of overflowing the stack', () => {
    const error = failure('{{ define "loop" }}{{ template "loop" . }}{{ end }}{{ template "loop" . }}');
    assert.match(error.message, /exceeded maximum template depth \(1000\)/);
  });
});
