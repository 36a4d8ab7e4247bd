/**
 * `audit -f`: the Go-template engine over the audit result, with krakend audit's functions. Expected
 * texts are what `krakend audit -f` (KrakenD CE 2.13.8) printed for the same templates.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuditResult } from '../../src/audit/audit.js';
import { AuditTemplateError, DEFAULT_AUDIT_TEMPLATE, TERMINAL_AUDIT_TEMPLATE, renderAuditTemplate } from '../../src/audit/template.js';

const RESULT: AuditResult = {
  Recommendations: [
    { Rule: '2.1.2', Severity: 'HIGH', Message: 'Enable TLS or use a terminator in front of KrakenD.', Locations: [] },
    { Rule: '3.3.1', Severity: 'LOW', Message: 'Set timeouts to below 3 seconds for improved performance.', Locations: [{ keyPath: 'timeout', line: 3, column: 3 }] },
  ],
  Stats: {},
};

const render = (template: string): string => renderAuditTemplate(template, RESULT);

function fails(template: string, phase: 'parse' | 'render', message: string): void {
  assert.throws(
    () => render(template),
    (error: unknown) => error instanceof AuditTemplateError && error.phase === phase && error.message === message,
  );
}

describe('audit -f templates', () => {
  it("renders KrakenD's default template as krakend audit does", () => {
    assert.equal(render(DEFAULT_AUDIT_TEMPLATE), '2.1.2\t[HIGH]   \tEnable TLS or use a terminator in front of KrakenD.\n3.3.1\t[LOW]   \tSet timeouts to below 3 seconds for improved performance.\n');
  });

  it('colours severities in the terminal template', () => {
    assert.equal(render(TERMINAL_AUDIT_TEMPLATE).split('\n')[0], '2.1.2\t[\u001b[31;1mHIGH\u001b[0m]   \tEnable TLS or use a terminator in front of KrakenD.');
    assert.equal(render('{{ colored "CRITICAL" }} {{ colored "MEDIUM" }} {{ colored "other" }}'), '\u001b[41;1mCRITICAL\u001b[0m \u001b[33;1mMEDIUM\u001b[0m other');
  });

  it('marshal writes the structs by their json tags in field order, without Portico-only fields', () => {
    assert.equal(
      render('{{ marshal . }}'),
      '{"recommendations":[{"rule":"2.1.2","severity":"HIGH","message":"Enable TLS or use a terminator in front of KrakenD."},' +
        '{"rule":"3.3.1","severity":"LOW","message":"Set timeouts to below 3 seconds for improved performance."}],"stats":{}}',
    );
    assert.equal(render('{{ marshal .Stats }} {{ marshal "a<b" }} {{ marshal 3 }}'), '{} "a\\u003cb" 3');
  });

  it('runs the whole text/template language: if/else, variables, comparisons, printf, define/template, pipes', () => {
    assert.equal(render('{{ if .Recommendations }}{{ len .Recommendations }} found{{ else }}clean{{ end }}'), '2 found');
    assert.equal(render('{{ range $i, $r := .Recommendations }}{{ $i }}:{{ $r.Rule }}{{ if eq $r.Severity "HIGH" "CRITICAL" }}!{{ end }} {{ end }}'), '0:2.1.2! 1:3.3.1 ');
    assert.equal(render('{{ range .Recommendations }}{{ printf "%-6s|%8s" .Rule .Severity }};{{ end }}'), '2.1.2 |    HIGH;3.3.1 |     LOW;');
    assert.equal(render('{{ define "r" }}[{{ .Rule }}]{{ end }}{{ range .Recommendations }}{{ template "r" . }}{{ end }}'), '[2.1.2][3.3.1]');
    assert.equal(render('{{ len .Recommendations | printf "%03d" }} {{ html "<x>" }} {{ urlquery "a b" }}'), '002 &lt;x&gt; a+b');
    assert.equal(render('found {{ len .Recommendations }}:\n{{- range .Recommendations }}\n  {{ .Rule -}}\n{{ end }}'), 'found 2:\n  2.1.2\n  3.3.1');
  });

  it('prints the result as Go prints its structs', () => {
    assert.equal(render('{{ index .Recommendations 1 }}|{{ .Stats }}'), '{3.3.1 LOW Set timeouts to below 3 seconds for improved performance.}|{}');
  });

  it('fails as krakend audit does, with Go’s messages', () => {
    fails('{{ .Nope }}', 'render', 'template: audit:1:3: executing "audit" at <.Nope>: can\'t evaluate field Nope in type audit.AuditResult');
    fails('{{ range .Recommendations }}{{ .Nope }}{{ end }}', 'render', 'template: audit:1:31: executing "audit" at <.Nope>: can\'t evaluate field Nope in type audit.Recommendation');
    fails('{{ colored 3 }}', 'render', 'template: audit:1:11: executing "audit" at <3>: expected string; found 3');
    fails('{{ index .Recommendations 99 }}', 'render', 'template: audit:1:3: executing "audit" at <index .Recommendations 99>: error calling index: index out of range: 99');
    // No Sprig in krakend audit's function map.
    fails('{{ upper .Rule }}', 'parse', 'template: audit:1: function "upper" not defined');
    fails('{{ range .Recommendations }}', 'parse', 'template: audit:1: unexpected EOF');
    fails('{{ .Rule ', 'parse', 'template: audit:1: unclosed action');
  });
});
