/**
 * Runs the audit rules over a config and returns KrakenD's result shape (`Recommendations`, each with
 * `Rule`, `Severity`, `Message`), so `-f` templates written for `krakend audit` read the same fields.
 * Nothing is started: the audit only reads the parsed document.
 */
import type { KeyPath, Position } from '../config/source.js';
import { formatKeyPath } from '../config/source.js';
import { AUDIT_RULES, SEVERITIES } from './rules.js';
import type { AuditRule, AuditSeverity } from './rules.js';
import type { AuditSubject } from './subject.js';

export interface AuditLocation {
  keyPath: string;
  line?: number;
  column?: number;
}

export interface Recommendation {
  Rule: string;
  Severity: AuditSeverity;
  Message: string;
  /** Where in the file the rule applies; empty when the cause is something missing. Not in KrakenD's result. */
  Locations: AuditLocation[];
}

export interface AuditResult {
  Recommendations: Recommendation[];
  Stats: Record<string, never>;
}

export interface AuditOptions {
  /** Rule ids to skip. */
  ignore?: Iterable<string>;
  /** Severities to report (default: all four). */
  severities?: Iterable<string>;
  /** Line and column of a key path in the source file. */
  locate?: (path: KeyPath) => Position | undefined;
  rules?: readonly AuditRule[];
}

export function audit(subject: AuditSubject, options: AuditOptions = {}): AuditResult {
  const ignore = new Set(options.ignore ?? []);
  const severities = new Set(options.severities ?? SEVERITIES);
  const recommendations: Recommendation[] = [];
  for (const rule of options.rules ?? AUDIT_RULES) {
    if (ignore.has(rule.id) || !severities.has(rule.severity)) continue;
    const found = rule.find(subject);
    if (found === undefined) continue;
    recommendations.push({
      Rule: rule.id,
      Severity: rule.severity,
      Message: rule.message,
      Locations: found.map((path) => {
        const position = options.locate?.(path);
        return { keyPath: formatKeyPath(path), ...(position ? { line: position.line, column: position.column } : {}) };
      }),
    });
  }
  return { Recommendations: recommendations, Stats: {} };
}

/**
 * The result as `krakend audit -f '{{ marshal . }}'` prints it (Go's json tags: lower-case keys), with
 * Portico's `locations` added to each recommendation.
 */
export function auditResultJson(result: AuditResult): unknown {
  return {
    recommendations: result.Recommendations.map((recommendation) => ({
      rule: recommendation.Rule,
      severity: recommendation.Severity,
      message: recommendation.Message,
      locations: recommendation.Locations,
    })),
    stats: {},
  };
}
