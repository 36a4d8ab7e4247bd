/** `audit -f`: the Go-template subset that renders the audit result. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuditResult } from '../../src/audit/audit.js';
import { DEFAULT_AUDIT_TEMPLATE, TERMINAL_AUDIT_TEMPLATE, TemplateError, renderSubset } from '../../src/audit/template.js';

const RESULT: AuditResult = {
  Recommendations: [
    { Rule: '2.1.2', Severity: 'HIGH', Message: 'Enable TLS.', Locations: [] },
    { Rule: '3.3.1', Severity: 'LOW', Message: 'Keep timeouts short.', Locations: [{ keyPath: 'timeout', line: 3, column: 3 }] },
  ],
  Stats: {},
};

describe('audit template subset', () => {
  it("renders KrakenD's default template as krakend audit does", () => {
    assert.equal(renderSubset(DEFAULT_AUDIT_TEMPLATE, RESULT), '2.1.2\t[HIGH]   \tEnable TLS.\n3.3.1\t[LOW]   \tKeep timeouts short.\n');
  });

  it('colours severities in the terminal template', () => {
    assert.equal(renderSubset(TERMINAL_AUDIT_TEMPLATE, RESULT).split('\n')[0], '2.1.2\t[\u001b[31;1mHIGH\u001b[0m]   \tEnable TLS.');
  });

  it('marshal writes the json-tagged shape, without Portico-only fields', () => {
    assert.deepEqual(JSON.parse(renderSubset('{{ marshal . }}', RESULT)), {
      recommendations: [
        { rule: '2.1.2', severity: 'HIGH', message: 'Enable TLS.' },
        { rule: '3.3.1', severity: 'LOW', message: 'Keep timeouts short.' },
      ],
      stats: {},
    });
    assert.equal(renderSubset('{{range .Recommendations}}{{marshal .}};{{end}}', RESULT), '{"rule":"2.1.2","severity":"HIGH","message":"Enable TLS."};{"rule":"3.3.1","severity":"LOW","message":"Keep timeouts short."};');
  });

  it('reads fields, len, and the trim markers', () => {
    assert.equal(renderSubset('found {{ len .Recommendations }}:\n{{- range .Recommendations }}\n  {{ .Rule -}}\n{{ end }}', RESULT), 'found 2:\n  2.1.2\n  3.3.1');
    assert.equal(renderSubset('{{range .Recommendations}}{{.Severity}} {{end}}', RESULT), 'HIGH LOW ');
  });

  it('refuses what it does not implement, and bad templates, with a message', () => {
    assert.throws(() => renderSubset('{{ if .Recommendations }}x{{ end }}', RESULT), (error: Error) => error instanceof TemplateError && /unsupported action \{\{if \.Recommendations\}\}/.test(error.message));
    assert.throws(() => renderSubset('{{ range .Recommendations }}', RESULT), /without \{\{end\}\}/);
    assert.throws(() => renderSubset('{{ end }}', RESULT), /without \{\{range\}\}/);
    assert.throws(() => renderSubset('{{ .Nope }}', RESULT), /can't evaluate field Nope/);
    assert.throws(() => renderSubset('{{ range .Stats }}{{ end }}', RESULT), /not a list/);
    assert.throws(() => renderSubset('{{ .Rule ', RESULT), /unclosed action/);
  });
});
