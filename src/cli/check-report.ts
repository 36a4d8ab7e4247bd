/**
 * `check --format json|sarif`: the issues of a config in forms CI tools read. SARIF 2.1.0 is what code
 * scanning services (GitHub, GitLab, Azure DevOps) annotate pull requests from; the rule id of each result
 * is the issue's code, documented in docs/errors.md.
 */
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ConfigIssue } from '../config/issues.js';
import { describeFound } from '../config/issues.js';
import { PORTICO_VERSION } from '../version.js';

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

/** A SARIF artifact URI: a file URL for absolute paths, a percent-encoded relative reference otherwise. */
function artifactUri(file: string): string {
  if (isAbsolute(file)) return pathToFileURL(file).href;
  return file.split(/[\\/]/).map(encodeURIComponent).join('/');
}

export function checkSarif(issues: ConfigIssue[]): unknown {
  const codes = [...new Set(issues.map((issue) => issue.code))].sort();
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'portico',
            version: PORTICO_VERSION,
            rules: codes.map((code) => ({
              id: code,
              name: code,
              shortDescription: { text: code },
              help: { text: `See the entry ${code} in docs/errors.md.` },
            })),
          },
        },
        results: issues.map((issue) => ({
          ruleId: issue.code,
          ruleIndex: codes.indexOf(issue.code),
          level: issue.severity === 'error' ? 'error' : 'warning',
          message: { text: issue.keyPath ? `${issue.keyPath}: ${issueText(issue)}` : issueText(issue) },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: artifactUri(issue.file) },
                ...(issue.position ? { region: { startLine: issue.position.line, startColumn: issue.position.column } } : {}),
              },
              ...(issue.keyPath ? { logicalLocations: [{ fullyQualifiedName: issue.keyPath, kind: 'member' }] } : {}),
            },
          ],
        })),
      },
    ],
  };
}
