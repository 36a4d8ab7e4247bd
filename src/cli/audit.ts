/**
 * `portico audit`: KrakenD's `krakend audit` (krakend-cobra audit.go) on Portico's loader. Same flags,
 * same default output on stderr, exit 1 when any recommendation is left after -s/-i/-I filtering.
 * `--format json` and `--format sarif` are Portico's: the result with key locations, on stdout, for CI.
 */
import { readFile } from 'node:fs/promises';
import { audit, auditResultJson } from '../audit/audit.js';
import { AUDIT_RULES, SEVERITIES } from '../audit/rules.js';
import type { AuditSeverity } from '../audit/rules.js';
import type { AuditResult } from '../audit/audit.js';
import { buildSubject } from '../audit/subject.js';
import { AuditTemplateError, DEFAULT_AUDIT_TEMPLATE, TERMINAL_AUDIT_TEMPLATE, renderAuditTemplate } from '../audit/template.js';
import { formatIssue } from '../config/issues.js';
import type { ConfigExtensions } from '../config/extensions.js';
import { loadConfig } from '../config/load.js';
import type { KeyPath } from '../config/source.js';
import { sarifLog } from './sarif.js';
import type { SarifLevel } from './sarif.js';

export class UsageError extends Error {}

export interface AuditFlags {
  config?: string | boolean | undefined;
  severity?: string | boolean | undefined;
  ignore?: string | boolean | undefined;
  'ignore-file'?: string | boolean | undefined;
  format?: string | boolean | undefined;
}

/** Issues whose key the loader ignores: the feature behind it is off in Portico (rule P7.4.1). */
const IGNORED_BY_PORTICO = new Set(['PRT_WARN_CONFIG_UNKNOWN_NAMESPACE', 'PRT_WARN_CONFIG_UNSUPPORTED']);

/** Comma-separated values; KrakenD removes every space first. */
function csv(value: string): string[] {
  return value
    .replace(/ /g, '')
    .split(',')
    .filter((item) => item !== '');
}

function parseSeverities(value: string | boolean | undefined): string[] {
  if (value === undefined) return [...SEVERITIES];
  // KrakenD matches severities exactly and silently reports nothing for a typo; a CI gate that passes
  // because of a misspelt severity is worse than a usage error.
  const list = csv(String(value)).map((item) => item.toUpperCase());
  const unknown = list.filter((item) => !(SEVERITIES as readonly string[]).includes(item));
  if (unknown.length > 0 || list.length === 0) throw new UsageError(`--severity expects a comma-separated list of ${SEVERITIES.join(', ')}, got "${String(value)}"`);
  return list;
}

/** One rule id per line, as KrakenD's ignore file; Portico also skips `#` comments. */
async function readIgnoreFile(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the ignore file: ${(error as Error).message}`);
  }
  return text
    .split('\n')
    .map((line) => line.replace(/#.*/, '').replace(/\s/g, ''))
    .filter((line) => line !== '');
}

/** Runs the audit and writes its output; returns the exit status. */
export async function auditCommand(flags: AuditFlags, components: ConfigExtensions): Promise<number> {
  const file = flags.config;
  if (typeof file !== 'string') throw new UsageError('missing --config FILE');
  const severities = parseSeverities(flags.severity);
  const ignore = typeof flags.ignore === 'string' ? csv(flags.ignore) : [];
  if (typeof flags['ignore-file'] === 'string') ignore.push(...(await readIgnoreFile(flags['ignore-file'])));
  const format = typeof flags.format === 'string' ? flags.format : undefined;

  const loaded = await loadConfig(file, { components });
  const unreadable = loaded.issues.find((issue) => issue.code === 'PRT_ERR_CONFIG_READ');
  if (unreadable) throw new UsageError(unreadable.message);
  const fatal = loaded.issues.filter((issue) => ['PRT_ERR_CONFIG_SYNTAX', 'PRT_ERR_CONFIG_VERSION'].includes(issue.code) || (issue.code === 'PRT_ERR_CONFIG_TYPE' && issue.keyPath === ''));
  if (loaded.raw === undefined || loaded.document === undefined || fatal.length > 0) {
    process.stderr.write(`ERROR parsing the configuration file:\n${fatal.map((issue) => `\t${formatIssue(issue)}\n`).join('')}`);
    return 1;
  }
  const ignored = loaded.issues.filter((issue) => IGNORED_BY_PORTICO.has(issue.code) && issue.at !== undefined).map((issue) => issue.at as KeyPath);
  const document = loaded.document;
  const result = audit(buildSubject(loaded.raw, ignored), { ignore, severities, locate: (path) => document.locate(path) });

  if (format === 'json' || format === 'sarif') {
    const report = format === 'json' ? auditResultJson(result) : auditSarif(file, result);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const colour = process.stderr.isTTY === true && process.env['NO_COLOR'] === undefined;
    let text: string;
    try {
      text = renderAuditTemplate(format ?? (colour ? TERMINAL_AUDIT_TEMPLATE : DEFAULT_AUDIT_TEMPLATE), result);
    } catch (error) {
      if (!(error instanceof AuditTemplateError)) throw error;
      // krakend-cobra audit.go: the two steps have their own headings, and Println adds a blank line after
      // the message's own newline; both exit 1.
      process.stderr.write(`${error.phase === 'parse' ? 'ERROR parsing the template:' : 'ERROR rendering the results:'}\t${error.message}\n\n`);
      return 1;
    }
    // krakend audit writes its report to stderr; kept so scripts written for it still work.
    process.stderr.write(text);
    const errors = loaded.issues.filter((issue) => issue.severity === 'error').length;
    if (format === undefined && errors > 0) {
      process.stderr.write(`note: ${file} also has ${errors} configuration error(s) that stop "portico run"; "portico check -c ${file}" lists them\n`);
    }
  }
  return result.Recommendations.length > 0 ? 1 : 0;
}

const SARIF_LEVELS: Readonly<Record<AuditSeverity, SarifLevel>> = { CRITICAL: 'error', HIGH: 'error', MEDIUM: 'warning', LOW: 'note' };

/** One SARIF result per location; a finding about something missing points at the file itself. */
function auditSarif(file: string, result: AuditResult): unknown {
  return sarifLog(
    AUDIT_RULES.map((rule) => ({ id: rule.id, description: rule.message, help: `See rule ${rule.id} in docs/audit.md.`, level: SARIF_LEVELS[rule.severity] })),
    result.Recommendations.flatMap((recommendation) => {
      const base = { ruleId: recommendation.Rule, level: SARIF_LEVELS[recommendation.Severity], message: `[${recommendation.Severity}] ${recommendation.Message}`, file };
      if (recommendation.Locations.length === 0) return [base];
      return recommendation.Locations.map((location) => ({
        ...base,
        keyPath: location.keyPath,
        ...(location.line !== undefined && location.column !== undefined ? { position: { line: location.line, column: location.column } } : {}),
      }));
    }),
  );
}
