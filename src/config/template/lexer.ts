/**
 * Splits a template into text and action tokens the way Go's text/template/parse lexer does:
 * `{{- ` and ` -}}` trim the white space beside them, `{{/* … *\/}}` is a comment, spaces inside an
 * action separate arguments.
 */
export type TokenKind =
  | 'text'
  | 'open' // {{
  | 'close' // }}
  | 'space'
  | 'identifier'
  | 'keyword'
  | 'field' // .name
  | 'variable' // $ or $name
  | 'dot'
  | 'string'
  | 'rawString'
  | 'char' // 'a'
  | 'number'
  | 'bool'
  | 'nil'
  | 'pipe'
  | 'leftParen'
  | 'rightParen'
  | 'declare'
  | 'assign'
  | 'comma'
  | 'eof';

export interface Token {
  kind: TokenKind;
  text: string;
  /** Offset in the template source. */
  pos: number;
}

export const KEYWORDS = new Set(['block', 'break', 'continue', 'define', 'else', 'end', 'if', 'range', 'template', 'with']);

export class LexError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
  }
}

const SPACE = new Set([' ', '\t', '\r', '\n']);

function isAlphaNumeric(ch: string | undefined): boolean {
  return ch !== undefined && (ch === '_' || /^[\p{L}\p{Nd}]$/u.test(ch));
}

/** Right after `{{` or before `}}`: a trim marker is a dash with white space on its inner side. */
function trimsLeft(source: string, afterOpen: number): boolean {
  return source[afterOpen] === '-' && SPACE.has(source[afterOpen + 1] ?? '');
}

export function lex(source: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  let trimNextText = false;
  while (pos < source.length) {
    let open = source.indexOf('{{', pos);
    if (open === -1) open = source.length;
    let text = source.slice(pos, open);
    if (trimNextText) {
      const trimmed = text.replace(/^[ \t\r\n]+/, '');
      pos += text.length - trimmed.length;
      text = trimmed;
      trimNextText = false;
    }
    if (open < source.length && trimsLeft(source, open + 2)) text = text.replace(/[ \t\r\n]+$/, '');
    if (text.length > 0) tokens.push({ kind: 'text', text, pos });
    if (open >= source.length) break;
    [pos, trimNextText] = lexAction(source, open, tokens);
  }
  tokens.push({ kind: 'eof', text: '', pos: source.length });
  return tokens;
}

/** Lexes one action starting at `{{`; returns the offset after its `}}` and whether it ended with `-}}`. */
function lexAction(source: string, open: number, tokens: Token[]): [number, boolean] {
  let pos = open + 2;
  if (trimsLeft(source, pos)) pos += 2;
  // A comment fills the whole action: {{/* … */}} or {{- /* … */ -}}.
  if (source.startsWith('/*', pos)) {
    const end = source.indexOf('*/', pos + 2);
    if (end === -1) throw new LexError('unclosed comment', open);
    let after = end + 2;
    if (SPACE.has(source[after] ?? '') && source.startsWith('-}}', after + 1)) return [after + 4, true];
    if (!source.startsWith('}}', after)) throw new LexError('comment ends before closing delimiter', after);
    return [after + 2, false];
  }
  tokens.push({ kind: 'open', text: '{{', pos: open });
  let parenDepth = 0;
  for (;;) {
    if (pos >= source.length) throw new LexError('unclosed action', open);
    const ch = source[pos] as string;
    // ` -}}` closes with a trim; `}}` closes.
    if (SPACE.has(ch) && source.startsWith('-}}', pos + 1)) {
      if (parenDepth > 0) throw new LexError('unclosed left paren', pos);
      tokens.push({ kind: 'close', text: '-}}', pos: pos + 1 });
      return [pos + 4, true];
    }
    if (source.startsWith('}}', pos)) {
      if (parenDepth > 0) throw new LexError('unclosed left paren', pos);
      tokens.push({ kind: 'close', text: '}}', pos });
      return [pos + 2, false];
    }
    const start = pos;
    if (SPACE.has(ch)) {
      while (pos < source.length && SPACE.has(source[pos] as string) && !(source.startsWith('-}}', pos + 1) && pos > start)) pos++;
      tokens.push({ kind: 'space', text: source.slice(start, pos), pos: start });
      continue;
    }
    if (ch === '=') {
      tokens.push({ kind: 'assign', text: '=', pos: pos++ });
    } else if (ch === ':') {
      if (source[pos + 1] !== '=') throw new LexError('expected :=', pos);
      tokens.push({ kind: 'declare', text: ':=', pos });
      pos += 2;
    } else if (ch === '|') {
      tokens.push({ kind: 'pipe', text: '|', pos: pos++ });
    } else if (ch === '"') {
      pos = scanQuoted(source, pos, '"');
      tokens.push({ kind: 'string', text: source.slice(start, pos), pos: start });
    } else if (ch === '`') {
      const end = source.indexOf('`', pos + 1);
      if (end === -1) throw new LexError('unterminated raw quoted string', pos);
      pos = end + 1;
      tokens.push({ kind: 'rawString', text: source.slice(start, pos), pos: start });
    } else if (ch === "'") {
      pos = scanQuoted(source, pos, "'");
      tokens.push({ kind: 'char', text: source.slice(start, pos), pos: start });
    } else if (ch === '$') {
      pos++;
      while (isAlphaNumeric(source[pos])) pos++;
      tokens.push({ kind: 'variable', text: source.slice(start, pos), pos: start });
    } else if (ch === '.') {
      if (/[0-9]/.test(source[pos + 1] ?? '')) {
        pos = scanNumber(source, pos);
        tokens.push({ kind: 'number', text: source.slice(start, pos), pos: start });
      } else {
        pos++;
        while (isAlphaNumeric(source[pos])) pos++;
        tokens.push({ kind: pos - start === 1 ? 'dot' : 'field', text: source.slice(start, pos), pos: start });
      }
    } else if (ch === ',') {
      tokens.push({ kind: 'comma', text: ',', pos: pos++ });
    } else if (ch === '(') {
      parenDepth++;
      tokens.push({ kind: 'leftParen', text: '(', pos: pos++ });
    } else if (ch === ')') {
      parenDepth--;
      if (parenDepth < 0) throw new LexError('unexpected right paren', pos);
      tokens.push({ kind: 'rightParen', text: ')', pos: pos++ });
    } else if (ch === '+' || ch === '-' || /[0-9]/.test(ch)) {
      pos = scanNumber(source, pos);
      tokens.push({ kind: 'number', text: source.slice(start, pos), pos: start });
    } else if (isAlphaNumeric(ch)) {
      while (isAlphaNumeric(source[pos])) pos++;
      const word = source.slice(start, pos);
      const kind: TokenKind = KEYWORDS.has(word) ? 'keyword' : word === 'true' || word === 'false' ? 'bool' : word === 'nil' ? 'nil' : 'identifier';
      tokens.push({ kind, text: word, pos: start });
    } else {
      throw new LexError(`unrecognized character in action: ${JSON.stringify(ch)}`, pos);
    }
    // Words end at a terminator: `.a"b"` is a mistake, `.a.b` and `$x.a` are chains.
    const next = source[pos];
    const last = tokens.at(-1) as Token;
    if (['field', 'variable', 'identifier', 'keyword', 'bool', 'nil', 'dot'].includes(last.kind) && next !== undefined) {
      if (!(SPACE.has(next) || next === '.' || next === ',' || next === '|' || next === ':' || next === ')' || next === '(' || next === '=' || source.startsWith('}}', pos))) {
        throw new LexError(`bad character ${JSON.stringify(next)}`, pos);
      }
    }
  }
}

function scanQuoted(source: string, pos: number, quote: string): number {
  let i = pos + 1;
  for (;;) {
    const ch = source[i];
    if (ch === undefined || ch === '\n') throw new LexError(quote === '"' ? 'unterminated quoted string' : 'unterminated character constant', pos);
    if (ch === '\\') i += 2;
    else if (ch === quote) return i + 1;
    else i++;
  }
}

function scanNumber(source: string, pos: number): number {
  let i = pos;
  if (source[i] === '+' || source[i] === '-') i++;
  let digits = '0123456789_';
  if (source[i] === '0' && /[xXoObB]/.test(source[i + 1] ?? '')) {
    const base = (source[i + 1] as string).toLowerCase();
    digits = base === 'x' ? '0123456789abcdefABCDEF_' : base === 'o' ? '01234567_' : '01_';
    i += 2;
  }
  while (i < source.length && digits.includes(source[i] as string)) i++;
  if (source[i] === '.') {
    i++;
    while (i < source.length && digits.includes(source[i] as string)) i++;
  }
  const exponent = digits.length > 11 ? 'pP' : 'eE';
  if (exponent.includes(source[i] ?? ' ')) {
    i++;
    if (source[i] === '+' || source[i] === '-') i++;
    while (i < source.length && '0123456789_'.includes(source[i] as string)) i++;
  }
  if (source[i] === 'i') i++;
  if (isAlphaNumeric(source[i]) || i === pos || (i === pos + 1 && (source[pos] === '+' || source[pos] === '-'))) {
    throw new LexError(`bad number syntax: ${JSON.stringify(source.slice(pos, i + 1))}`, pos);
  }
  return i;
}
