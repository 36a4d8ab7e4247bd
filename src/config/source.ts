import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseTree, findNodeAtLocation, getNodeValue, printParseErrorCode } from 'jsonc-parser';
import type { Node as JsonNode, ParseError as JsonParseError } from 'jsonc-parser';
// yaml and smol-toml are loaded only for files that need them: each costs start-up time.
type YamlModule = typeof import('yaml');
type TomlModule = typeof import('smol-toml');
import { ConfigIssues } from './issues.js';

export type KeyPath = readonly (string | number)[];
export interface Position {
  line: number;
  column: number;
}
export type SourceFormat = 'json' | 'yaml' | 'toml';

/** A parsed config file that can still point back at the line and column of any key. */
export interface SourceDocument {
  file: string;
  format: SourceFormat;
  value: unknown;
  locate(path: KeyPath): Position | undefined;
}

/** KrakenD picks the parser by extension: `.yaml`/`.yml`, `.toml`, anything else is JSON. */
export function formatOf(file: string): SourceFormat {
  const ext = extname(file).toLowerCase();
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  if (ext === '.toml') return 'toml';
  return 'json';
}

export async function readSource(file: string, issues: ConfigIssues): Promise<SourceDocument | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    issues.error({
      code: 'PRT_ERR_CONFIG_READ',
      message: code === 'ENOENT' ? `config file not found: ${file}` : `cannot read config file: ${(error as Error).message}`,
    });
    return undefined;
  }
  return parseSource(file, text, issues);
}

export async function parseSource(file: string, text: string, issues: ConfigIssues): Promise<SourceDocument | undefined> {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  switch (formatOf(file)) {
    case 'yaml':
      return parseYaml(await import('yaml'), file, text, issues);
    case 'toml':
      return parseTomlSource(await import('smol-toml'), file, text, issues);
    default:
      return parseJson(file, text, issues);
  }
}

function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function positionAt(lineStarts: number[], offset: number): Position {
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if ((lineStarts[mid] as number) <= offset) low = mid;
    else high = mid - 1;
  }
  return { line: low + 1, column: offset - (lineStarts[low] as number) + 1 };
}

function parseJson(file: string, text: string, issues: ConfigIssues): SourceDocument | undefined {
  // The native parser first: a few times faster than a parse tree, with no node per value to collect.
  // Only a file it refuses goes through jsonc-parser, for the position and wording of each error; and
  // the tree is built on the first `locate`, that is only when an issue is reported.
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return parseJsonTree(file, text, issues);
  }
  let lineStarts: number[] | undefined;
  const positionOf = (offset: number): Position => positionAt((lineStarts ??= lineStartsOf(text)), offset);
  for (const duplicate of duplicateJsonKeys(text)) {
    issues.warning({ code: 'PRT_WARN_CONFIG_DUPLICATE_KEY', at: duplicate.path, position: positionOf(duplicate.offset), message: `duplicate key "${duplicate.path[duplicate.path.length - 1] as string}": the last value wins` });
  }
  let tree: JsonNode | undefined;
  return {
    file,
    format: 'json',
    value,
    locate(path) {
      tree ??= parseTree(text, [], { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
      return tree && locateInTree(tree, path, positionOf);
    },
  };
}

function parseJsonTree(file: string, text: string, issues: ConfigIssues): SourceDocument | undefined {
  const errors: JsonParseError[] = [];
  const tree = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const lineStarts = lineStartsOf(text);
  if (errors.length > 0 || tree === undefined) {
    for (const error of errors.slice(0, 5)) {
      issues.error({
        code: 'PRT_ERR_CONFIG_SYNTAX',
        position: positionAt(lineStarts, error.offset),
        message: `invalid JSON: ${describeJsonError(printParseErrorCode(error.error))}`,
      });
    }
    if (errors.length === 0) issues.error({ code: 'PRT_ERR_CONFIG_SYNTAX', message: 'the file is empty' });
    return undefined;
  }
  // JSON.parse refused a text jsonc-parser accepts (not expected): keep the tree's reading of it.
  reportDuplicateJsonKeys(tree, [], lineStarts, issues);
  return { file, format: 'json', value: getNodeValue(tree), locate: (path) => locateInTree(tree, path, (offset) => positionAt(lineStarts, offset)) };
}

function locateInTree(tree: JsonNode, path: KeyPath, positionOf: (offset: number) => Position): Position | undefined {
  let node: JsonNode | undefined = findNodeAtLocation(tree, [...path]);
  if (node === undefined) return undefined;
  // Point at the key rather than the value when the value belongs to a property.
  if (node.parent?.type === 'property' && node.parent.children?.[0]) node = node.parent.children[0];
  return positionOf(node.offset);
}

interface Frame {
  object: boolean;
  /** An object's keys so far (the first `count` entries: frames are reused); a set once there are many. */
  keys: string[];
  count: number;
  many: Set<string> | undefined;
  /** The current key (objects) or index (arrays). */
  at: string | number;
}

/** Past this many keys an object's keys go into a set; below, a scan of the list is cheaper than making one. */
const KEYS_SCANNED = 16;

/**
 * Keys repeated within one object of a text JSON.parse accepted, with the offset of each repeat: one
 * pass over the text, strings skipped with indexOf, no tree. Frames are reused by depth, so a large
 * config costs no allocation per object (5,000 endpoints: ~20 objects each).
 */
export function duplicateJsonKeys(text: string): { path: (string | number)[]; offset: number }[] {
  const found: { path: (string | number)[]; offset: number }[] = [];
  const stack: Frame[] = [];
  let depth = 0;
  const push = (object: boolean): void => {
    let frame = stack[depth];
    if (frame === undefined) stack.push((frame = { object, keys: [], count: 0, many: undefined, at: 0 }));
    frame.object = object;
    frame.count = 0;
    frame.many = undefined;
    frame.at = object ? '' : 0;
    depth++;
  };
  let expectingKey = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 34 /* " */) {
      let end = text.indexOf('"', i + 1);
      while (end !== -1 && isEscaped(text, end)) end = text.indexOf('"', end + 1);
      if (end === -1) break; // not reached for text JSON.parse accepted; never loop on anything else
      if (expectingKey && depth > 0) {
        const top = stack[depth - 1] as Frame;
        const raw = text.slice(i + 1, end);
        const key = raw.includes('\\') ? (JSON.parse(text.slice(i, end + 1)) as string) : raw;
        if (seenBefore(top, key)) found.push({ path: [...stack.slice(0, depth - 1).map((frame) => frame.at), key], offset: i });
        top.at = key;
        expectingKey = false;
      }
      i = end;
    } else if (code === 123 /* { */) {
      push(true);
      expectingKey = true;
    } else if (code === 91 /* [ */) {
      push(false);
    } else if (code === 125 /* } */ || code === 93 /* ] */) {
      if (depth > 0) depth--;
      expectingKey = false;
    } else if (code === 44 /* , */) {
      const top = stack[depth - 1];
      if (depth === 0 || top === undefined) continue;
      if (top.object) expectingKey = true;
      else top.at = (top.at as number) + 1;
    }
  }
  return found;
}

/** Records `key` in the object's frame; true when it was already there. */
function seenBefore(frame: Frame, key: string): boolean {
  if (frame.many !== undefined) {
    if (frame.many.has(key)) return true;
    frame.many.add(key);
    return false;
  }
  const keys = frame.keys;
  for (let k = 0; k < frame.count; k++) if (keys[k] === key) return true;
  if (frame.count < KEYS_SCANNED) {
    keys[frame.count++] = key;
    return false;
  }
  frame.many = new Set(keys.slice(0, frame.count));
  frame.many.add(key);
  return false;
}

/** True when the quote at `index` is preceded by an odd number of backslashes. */
function isEscaped(text: string, index: number): boolean {
  let backslashes = 0;
  for (let j = index - 1; text.charCodeAt(j) === 92 /* \\ */; j--) backslashes++;
  return (backslashes & 1) === 1;
}

function describeJsonError(code: string): string {
  const words: Record<string, string> = {
    InvalidSymbol: 'unexpected character',
    InvalidNumberFormat: 'malformed number',
    PropertyNameExpected: 'expected a quoted property name (trailing commas are not allowed)',
    ValueExpected: 'expected a value (trailing commas are not allowed)',
    ColonExpected: "expected ':' after the property name",
    CommaExpected: "expected ',' between entries",
    CloseBraceExpected: "expected '}'",
    CloseBracketExpected: "expected ']'",
    EndOfFileExpected: 'unexpected content after the end of the document',
    InvalidCommentToken: 'comments are not allowed in JSON (use a "@comment" key)',
    UnexpectedEndOfComment: 'unterminated comment',
    UnexpectedEndOfString: 'unterminated string',
    UnexpectedEndOfNumber: 'unterminated number',
    InvalidUnicode: 'invalid unicode escape',
    InvalidEscapeCharacter: 'invalid escape character',
    InvalidCharacter: 'invalid character in string',
  };
  return words[code] ?? code;
}

function reportDuplicateJsonKeys(node: JsonNode, path: (string | number)[], lineStarts: number[], issues: ConfigIssues): void {
  if (node.type === 'object') {
    const seen = new Set<string>();
    for (const property of node.children ?? []) {
      const [keyNode, valueNode] = property.children ?? [];
      if (keyNode === undefined) continue;
      const key = String(keyNode.value);
      if (seen.has(key)) {
        issues.warning({
          code: 'PRT_WARN_CONFIG_DUPLICATE_KEY',
          at: [...path, key],
          position: positionAt(lineStarts, keyNode.offset),
          message: `duplicate key "${key}": the last value wins`,
        });
      }
      seen.add(key);
      if (valueNode) reportDuplicateJsonKeys(valueNode, [...path, key], lineStarts, issues);
    }
  } else if (node.type === 'array') {
    node.children?.forEach((child, index) => reportDuplicateJsonKeys(child, [...path, index], lineStarts, issues));
  }
}

function parseYaml(yaml: YamlModule, file: string, text: string, issues: ConfigIssues): SourceDocument | undefined {
  const lineCounter = new yaml.LineCounter();
  const document = yaml.parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  if (document.errors.length > 0) {
    for (const error of document.errors.slice(0, 5)) {
      // prettyErrors is off, so linePos is unset: the line counter knows where pos[0] is.
      const at = error.linePos?.[0] ?? lineCounter.linePos(error.pos[0]);
      issues.error({
        code: 'PRT_ERR_CONFIG_SYNTAX',
        position: { line: at.line, column: at.col },
        message: `invalid YAML: ${error.message.split('\n')[0]}`,
      });
    }
    return undefined;
  }
  return {
    file,
    format: 'yaml',
    value: document.toJS({ maxAliasCount: 100 }),
    locate(path) {
      const node: unknown = document.getIn([...path], true);
      if (!yaml.isNode(node) || !node.range) return undefined;
      const at = lineCounter.linePos(node.range[0]);
      return { line: at.line, column: at.col };
    },
  };
}

function parseTomlSource(toml: TomlModule, file: string, text: string, issues: ConfigIssues): SourceDocument | undefined {
  try {
    const value = toml.parse(text);
    const lines = text.split('\n');
    return {
      file,
      format: 'toml',
      value,
      // TOML parsers keep no positions: find the last key of the path on its own line, when unambiguous.
      locate(path) {
        const key = [...path].reverse().find((part): part is string => typeof part === 'string');
        if (key === undefined) return undefined;
        const pattern = new RegExp(`^\\s*("?)${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\1\\s*=`);
        const found = lines.flatMap((line, index) => (pattern.test(line) ? [index] : []));
        return found.length === 1 ? { line: (found[0] as number) + 1, column: 1 } : undefined;
      },
    };
  } catch (error) {
    const position = error instanceof toml.TomlError ? { line: error.line, column: error.column } : undefined;
    issues.error({
      code: 'PRT_ERR_CONFIG_SYNTAX',
      ...(position ? { position } : {}),
      message: `invalid TOML: ${(error as Error).message.split('\n')[0]}`,
    });
    return undefined;
  }
}

/** `endpoints[3].backend[0].url_pattern`, the way users read a key path. */
export function formatKeyPath(path: KeyPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}
