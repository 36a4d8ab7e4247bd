/**
 * `check --format json|sarif`: the issues of a config in forms CI tools read. SARIF 2.1.0 is what code
 * scanning services (GitHub, GitLab, Azure DevOps) annotate pull requests from; the rule id of each result
 * is the issue's code, documented in docs/errors.md (see sarif.ts).
 */
import type { ConfigIssue } from '../config/issues.js';
import { describeFound } from '../config/issues.js';
import { sarifLog } from './sarif.js';
import type { SarifLevel } from './sarif.js';

export const CHECK_FORMATS = ['text', 'json', 'sarif'] as const;
export type CheckFormat = (typeof CHECK_FORMATS)[number];

/** The message without the location prefix `formatIssue` adds. */
export function issueText(issue: ConfigIssue): string {
  let text = issue.message;
  if (issue.expected !== undefined) text += `; expected ${issue.expected}`;
  if ('found' in issue) text += `, found ${describeFound(issue.found)}`;
  if (issue.hint) text += ` (${issue.hint})`;
  return text;
}

export function checkJson(file: string, issues: ConfigIssue[], endpoints: number | undefined): unknown {
  const errors = issues.filter((issue) => issue.severity === 'error').length;
  return {
    file,
    valid: errors === 0 && endpoints !== undefined,
    errors,
    warnings: issues.length - errors,
    ...(endpoints !== undefined ? { endpoints } : {}),
    issues: issues.map((issue) => ({
      code: issue.code,
      severity: issue.severity,
      file: issue.file,
      ...(issue.position ? { line: issue.position.line, column: issue.position.column } : {}),
      keyPath: issue.keyPath,
      message: issueText(issue),
    })),
  };
}

export function checkSarif(issues: ConfigIssue[]): unknown {
  const codes = [...new Set(issues.map((issue) => issue.code))].sort();
  const levelOf = (code: string): SarifLevel => (code.startsWith('PRT_ERR') ? 'error' : 'warning');
  return sarifLog(
    codes.map((code) => ({ id: code, description: code, help: `See the entry ${code} in docs/errors.md.`, level: levelOf(code) })),
    issues.map((issue) => ({
      ruleId: issue.code,
      level: issue.severity === 'error' ? 'error' : 'warning',
      message: issueText(issue),
      file: issue.file,
      position: issue.position,
      keyPath: issue.keyPath,
    })),
  );
}
