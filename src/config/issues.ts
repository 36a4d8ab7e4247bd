import type { KeyPath, Position, SourceDocument } from './source.js';
import { formatKeyPath } from './source.js';

export type Severity = 'error' | 'warning';

export interface IssueInput {
  /** Stable code, `PRT_ERR_CONFIG_*` or `PRT_WARN_CONFIG_*`, listed in docs/errors.md. */
  code: string;
  /** Another file than the config's (a settings file or sub-template of a flexible configuration). */
  file?: string;
  /** Where in the document; empty for whole-file problems. */
  at?: KeyPath;
  /** Known position when there is no key path (syntax errors). */
  position?: Position;
  message: string;
  expected?: string;
  found?: unknown;
  hint?: string;
}

export interface ConfigIssue extends IssueInput {
  severity: Severity;
  file: string;
  keyPath: string;
}

/** Collects every problem of a config, so a user sees all of them in one run. */
export class ConfigIssues {
  readonly list: ConfigIssue[] = [];
  document: SourceDocument | undefined;
  /** Keys renamed before checking (legacy namespaces): the new path, and where the user wrote it. */
  private readonly aliases: { renamed: KeyPath; written: KeyPath }[] = [];

  /** The file positions refer to; after a flexible configuration renders, the rendered text. */
  constructor(public file: string) {}

  error(input: IssueInput): void {
    this.add('error', input);
  }

  warning(input: IssueInput): void {
    this.add('warning', input);
  }

  get errors(): ConfigIssue[] {
    return this.list.filter((issue) => issue.severity === 'error');
  }

  get warnings(): ConfigIssue[] {
    return this.list.filter((issue) => issue.severity === 'warning');
  }

  get hasErrors(): boolean {
    return this.list.some((issue) => issue.severity === 'error');
  }

  /** Issues reported under `renamed` are located where the user wrote `written`. */
  aliasKeyPath(renamed: KeyPath, written: KeyPath): void {
    this.aliases.push({ renamed, written });
  }

  private writtenPath(at: KeyPath): KeyPath {
    for (const { renamed, written } of this.aliases) {
      if (renamed.length <= at.length && renamed.every((part, index) => at[index] === part)) return [...written, ...at.slice(renamed.length)];
    }
    return at;
  }

  private add(severity: Severity, input: IssueInput): void {
    const at = input.at ?? [];
    // An endpoint with a method list is checked once per method: say each problem once.
    const keyPath = formatKeyPath(at);
    const file = input.file ?? this.file;
    if (this.list.some((issue) => issue.file === file && issue.severity === severity && issue.code === input.code && issue.keyPath === keyPath && issue.message === input.message)) return;
    const position = input.position ?? (at.length > 0 && input.file === undefined ? locateNearest(this.document, this.writtenPath(at)) : undefined);
    this.list.push({
      ...input,
      ...(position ? { position } : {}),
      severity,
      file: input.file ?? this.file,
      keyPath,
    });
  }
}

/** A missing key has no position of its own: point at the closest parent that exists. */
function locateNearest(document: SourceDocument | undefined, at: KeyPath): Position | undefined {
  if (!document) return undefined;
  // Down to the root (length 0): a missing top-level key such as "version" points at the document.
  for (let length = at.length; length >= 0; length--) {
    const position = document.locate(at.slice(0, length));
    if (position) return position;
  }
  return undefined;
}

/** `krakend.json:12:7: error PRT_ERR_CONFIG_TYPE endpoints[0].timeout: expected a duration ("2s"), found 2000` */
export function formatIssue(issue: ConfigIssue): string {
  const where = issue.position ? `${issue.file}:${issue.position.line}:${issue.position.column}` : issue.file;
  let text = `${where}: ${issue.severity} ${issue.code}`;
  if (issue.keyPath) text += ` at ${issue.keyPath}`;
  text += `: ${issue.message}`;
  if (issue.expected !== undefined) text += `; expected ${issue.expected}`;
  if ('found' in issue) text += `, found ${describeFound(issue.found)}`;
  if (issue.hint) text += ` (${issue.hint})`;
  return text;
}

export function describeFound(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array (${truncate(JSON.stringify(value))})`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return truncate(JSON.stringify(value));
  return `${typeof value} ${String(value)}`;
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Thrown by loadConfig when the config has errors; carries every issue found. */
export class ConfigError extends Error {
  readonly code = 'PRT_ERR_CONFIG';
  constructor(readonly issues: ConfigIssue[]) {
    super(issues.filter((issue) => issue.severity === 'error').map(formatIssue).join('\n'));
    this.name = 'ConfigError';
  }
}
