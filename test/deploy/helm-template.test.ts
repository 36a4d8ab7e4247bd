/** The plain-subset Helm template evaluator the chart test relies on. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderTemplate } from './helm-template.js';

const context = { Values: { a: { b: 'x', n: 2, on: true, off: false, map: { k: 'v' } }, text: 'l1\nl2' }, Release: { Name: 'rel' } };

describe('Helm template subset', () => {
  it('substitutes values and pipes through the supported functions', () => {
    assert.equal(renderTemplate('n: {{ .Release.Name }}-{{ .Values.a.b }} {{ .Values.a.n }} {{ .Values.a.b | quote }}', context), 'n: rel-x 2 "x"');
    assert.equal(renderTemplate('m:\n  {{- toYaml .Values.a.map | nindent 2 }}\nt: |\n{{ .Values.text | indent 2 }}', context), 'm:\n  k: v\nt: |\n  l1\n  l2');
  });

  it('if, if not, else, and trimming', () => {
    assert.equal(renderTemplate('a\n{{- if .Values.a.on }}\nyes\n{{- else }}\nno\n{{- end }}\n', context), 'a\nyes\n');
    assert.equal(renderTemplate('{{- if not .Values.a.on }}yes{{ else }}no{{ end -}}\n', context), 'no');
    assert.equal(renderTemplate('{{ if .Values.a.off }}yes{{ end }}|{{ if .Values.a.map }}map{{ end }}', context), '|map');
  });

  it('throws on what it does not implement or cannot print', () => {
    assert.throws(() => renderTemplate('{{ include "x" . }}', context), /unsupported/);
    assert.throws(() => renderTemplate('{{ .Values.missing }}', context), /missing value/);
    assert.throws(() => renderTemplate('{{ if .Values.a.on }}', context), /without end/);
  });
});
