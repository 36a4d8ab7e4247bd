/**
 * `audit -f`: the report is a Go text/template run by Portico's Go-template engine over the audit
 * result, with the function map `krakend audit` gives it (krakend-cobra audit.go): text/template's
 * built-ins plus `marshal` and `colored`. No Sprig: KrakenD's audit template has none either.
 */
import { TemplateError, TemplateSet, builtinFunctions, fn, goJson, goStruct } from '../config/template/index.js';
import type { GoMap, GoStructType, GoValue, TemplateFunction } from '../config/template/index.js';
import type { AuditResult } from './audit.js';

/** KrakenD's default (`defaultFormatTmpl` in krakend-cobra audit.go), and its colour variant for terminals. */
export const DEFAULT_AUDIT_TEMPLATE = '{{ range .Recommendations }}{{.Rule}}\t[{{.Severity}}]   \t{{.Message}}\n{{ end }}';
export const TERMINAL_AUDIT_TEMPLATE = '{{ range .Recommendations }}{{.Rule}}\t[{{colored .Severity}}]   \t{{.Message}}\n{{ end }}';

/** The template's name, as Go's messages show it (`template.New("audit")`). */
const TEMPLATE_NAME = 'audit';

const SEVERITY_COLOURS: Readonly<Record<string, string>> = { LOW: '32;1', MEDIUM: '33;1', HIGH: '31;1', CRITICAL: '41;1' };

/** krakend-audit's result structs (audit.go), with their json tags. */
const AUDIT_RESULT: GoStructType = { name: 'audit.AuditResult', fields: [['Recommendations', 'recommendations'], ['Stats', 'stats']] };
const RECOMMENDATION: GoStructType = { name: 'audit.Recommendation', fields: [['Rule', 'rule'], ['Severity', 'severity'], ['Message', 'message']] };
const STATS: GoStructType = { name: 'audit.Stats', fields: [] };

/** AuditResult as the template sees it: KrakenD's fields only (Portico's Locations are not part of it). */
export function auditTemplateData(result: AuditResult): GoMap {
  return goStruct(AUDIT_RESULT, {
    Recommendations: result.Recommendations.map((recommendation) =>
      goStruct(RECOMMENDATION, { Rule: recommendation.Rule, Severity: recommendation.Severity, Message: recommendation.Message }),
    ),
    Stats: goStruct(STATS, {}),
  });
}

/** json.Marshal; KrakenD ignores its error and prints the empty string. */
function marshal(value: GoValue): string {
  try {
    return goJson(value, { escapeHtml: true, indent: '' });
  } catch {
    return '';
  }
}

/** text/template's built-ins plus KrakenD's audit functions. */
export function auditTemplateFunctions(): Map<string, TemplateFunction> {
  const functions = builtinFunctions();
  functions.set(
    'marshal',
    fn(['any'], (value: GoValue) => marshal(value)),
  );
  // func(s string) string in KrakenD: any other argument type is an error, as Go's call would make it.
  functions.set(
    'colored',
    fn(['string'], (severity: string) => {
      const colour = SEVERITY_COLOURS[severity];
      return colour === undefined ? severity : `\u001b[${colour}m${severity}\u001b[0m`;
    }),
  );
  return functions;
}

/** Which step failed: KrakenD prints "ERROR parsing the template:" or "ERROR rendering the results:". */
export class AuditTemplateError extends Error {
  override name = 'AuditTemplateError';
  constructor(
    readonly phase: 'parse' | 'render',
    message: string,
  ) {
    super(message);
  }
}

/** Parses and runs an audit template; throws AuditTemplateError. */
export function renderAuditTemplate(template: string, result: AuditResult): string {
  const set = new TemplateSet(auditTemplateFunctions(), new Set());
  let phase: 'parse' | 'render' = 'parse';
  try {
    set.add({ name: TEMPLATE_NAME, file: TEMPLATE_NAME, text: template });
    phase = 'render';
    return set.execute(TEMPLATE_NAME, auditTemplateData(result));
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    throw new AuditTemplateError(phase, goTemplateMessage(error, phase));
  }
}

/**
 * Go's wording: `template: audit:LINE: …` for a parse error, `template: audit:LINE:COL: executing "audit"
 * at <ACTION>: …` for an execution error, COL counted from 0 as text/template does.
 */
function goTemplateMessage(error: TemplateError, phase: 'parse' | 'render'): string {
  if (phase === 'parse') return `template: ${error.file}:${error.line}: ${error.message}`;
  const at = error.context === undefined ? '' : ` at <${error.context}>`;
  return `template: ${error.file}:${error.line}:${error.column - 1}: executing "${TEMPLATE_NAME}"${at}: ${error.message}`;
}
