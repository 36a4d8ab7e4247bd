/**
 * SARIF 2.1.0 logs, the format code-scanning services (GitHub, GitLab, Azure DevOps) read to annotate
 * pull requests. Shared by `check --format sarif` (rule = error code) and `audit --format sarif`
 * (rule = audit rule id).
 */
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Position } from '../config/source.js';
import { PORTICO_VERSION } from '../version.js';

export type SarifLevel = 'error' | 'warning' | 'note';

export interface SarifRule {
  id: string;
  description: string;
  help: string;
  level: SarifLevel;
}

export interface SarifResult {
  ruleId: string;
  level: SarifLevel;
  message: string;
  file: string;
  position?: Position | undefined;
  keyPath?: string | undefined;
}

/** A SARIF artifact URI: a file URL for absolute paths, a percent-encoded relative reference otherwise. */
function artifactUri(file: string): string {
  if (isAbsolute(file)) return pathToFileURL(file).href;
  return file.split(/[\\/]/).map(encodeURIComponent).join('/');
}

export function sarifLog(rules: SarifRule[], results: SarifResult[]): unknown {
  const index = new Map(rules.map((rule, position) => [rule.id, position]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'portico',
            version: PORTICO_VERSION,
            rules: rules.map((rule) => ({
              id: rule.id,
              name: rule.id,
              shortDescription: { text: rule.description },
              help: { text: rule.help },
              defaultConfiguration: { level: rule.level },
            })),
          },
        },
        results: results.map((result) => ({
          ruleId: result.ruleId,
          ...(index.has(result.ruleId) ? { ruleIndex: index.get(result.ruleId) } : {}),
          level: result.level,
          message: { text: result.keyPath ? `${result.keyPath}: ${result.message}` : result.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: artifactUri(result.file) },
                ...(result.position ? { region: { startLine: result.position.line, startColumn: result.position.column } } : {}),
              },
              ...(result.keyPath ? { logicalLocations: [{ fullyQualifiedName: result.keyPath, kind: 'member' }] } : {}),
            },
          ],
        })),
      },
    ],
  };
}
