/** Builds parse trees from tokens, with the checks Go's parser makes (unknown function, undefined variable). */
import type { ArgNode, CommandNode, Node, NumberNode, PipeNode, Tree } from './ast.js';
import { TemplateError, lineAndColumn } from './errors.js';
import { lex, LexError } from './lexer.js';
import type { Token } from './lexer.js';
import { unquoteChar, unquoteString } from './literals.js';

export interface ParseOptions {
  /** The name the template is known by (`template "name"`). */
  name: string;
  /** The file, for messages. */
  file: string;
  isFunction(name: string): boolean;
  /** Functions KrakenD has that this engine leaves out: their error says so. */
  isLeftOut?(name: string): boolean;
}

/** Parses a template; returns its own tree first, then one per `define`/`block`. */
export function parseTemplate(source: string, options: ParseOptions): Tree[] {
  let tokens: Token[];
  try {
    tokens = lex(source);
  } catch (error) {
    if (error instanceof LexError) throw located(source, options.file, error.pos, error.message);
    throw error;
  }
  return new Parser(source, tokens, options).parseAll();
}

function located(source: string, file: string, pos: number, message: string): TemplateError {
  const { line, column } = lineAndColumn(source, pos);
  return new TemplateError(message, file, line, column);
}

type Ender = { kind: 'end' | 'else'; pos: number };

class Parser {
  private index = 0;
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  private readonly trees: Tree[] = [];

  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
    private readonly options: ParseOptions,
  ) {}

  parseAll(): Tree[] {
    const root: Node[] = [];
    for (;;) {
      const token = this.peek();
      if (token.kind === 'eof') break;
      if (token.kind === 'open' && this.peekKeyword() === 'define') {
        this.next();
        this.nextNonSpace();
        this.parseDefinition();
        continue;
      }
      const node = this.textOrAction();
      if ('kind' in node) this.fail(node.pos, `unexpected {{${node.kind}}}`);
      root.push(node);
    }
    this.trees.unshift({ name: this.options.name, file: this.options.file, source: this.source, root });
    return this.trees;
  }

  // --- tokens

  private peek(): Token {
    return this.tokens[this.index] as Token;
  }
  private next(): Token {
    const token = this.tokens[this.index] as Token;
    if (token.kind !== 'eof') this.index++;
    return token;
  }
  private peekNonSpace(): Token {
    while (this.peek().kind === 'space') this.index++;
    return this.peek();
  }
  private nextNonSpace(): Token {
    this.peekNonSpace();
    return this.next();
  }
  /** The keyword right after an `{{` (at the current token), if any. */
  private peekKeyword(): string | undefined {
    let i = this.index + 1;
    while (this.tokens[i]?.kind === 'space') i++;
    const token = this.tokens[i];
    return token?.kind === 'keyword' ? token.text : undefined;
  }
  private expect(kind: Token['kind'], context: string): Token {
    const token = this.nextNonSpace();
    if (token.kind !== kind) this.unexpected(token, context);
    return token;
  }
  private fail(pos: number, message: string): never {
    throw located(this.source, this.options.file, pos, message);
  }
  private unexpected(token: Token, context: string): never {
    if (token.kind === 'eof') this.fail(token.pos, `unexpected EOF in ${context}`);
    this.fail(token.pos, `unexpected ${describe(token)} in ${context}`);
  }

  // --- structure

  /** `{{define "name"}} … {{end}}`, with `define` consumed. */
  private parseDefinition(): void {
    const nameToken = this.nextNonSpace();
    if (nameToken.kind !== 'string' && nameToken.kind !== 'rawString') this.unexpected(nameToken, 'define clause');
    const name = this.stringValue(nameToken);
    this.expect('close', 'define clause');
    const saved = this.vars;
    this.vars = ['$'];
    const [list, ender] = this.itemList();
    if (ender.kind !== 'end') this.fail(ender.pos, 'unexpected {{else}} in define clause');
    this.vars = saved;
    this.trees.push({ name, file: this.options.file, source: this.source, root: list });
  }

  /** Nodes up to `{{end}}` or `{{else}}`. */
  private itemList(): [Node[], Ender] {
    const list: Node[] = [];
    for (;;) {
      if (this.peek().kind === 'eof') this.fail(this.peek().pos, 'unexpected EOF');
      const node = this.textOrAction();
      if ('kind' in node) return [list, node];
      list.push(node);
    }
  }

  private textOrAction(): Node | Ender {
    const token = this.next();
    if (token.kind === 'text') return { type: 'text', pos: token.pos, text: token.text };
    if (token.kind === 'open') return this.action(token);
    this.unexpected(token, 'input');
  }

  private action(open: Token): Node | Ender {
    const token = this.peekNonSpace();
    if (token.kind === 'keyword') {
      this.next();
      switch (token.text) {
        case 'block':
          return this.blockControl(token);
        case 'break':
        case 'continue':
          if (this.rangeDepth === 0) this.fail(token.pos, `{{${token.text}}} outside {{range}}`);
          this.expect('close', token.text);
          return { type: token.text, pos: token.pos };
        case 'define':
          this.fail(token.pos, 'unexpected <define> in command');
          break;
        case 'else':
          return this.elseControl(token);
        case 'end':
          this.expect('close', 'end');
          return { kind: 'end', pos: token.pos };
        case 'if':
        case 'range':
        case 'with':
          return this.control(token.text, token.pos);
        case 'template':
          return this.templateControl(token);
      }
    }
    const pipe = this.pipeline('command', 'close');
    return { type: 'action', pos: open.pos, pipe };
  }

  private elseControl(token: Token): Ender {
    // `{{else if …}}` and `{{else with …}}` leave the keyword for the caller.
    const next = this.peekNonSpace();
    if (next.kind === 'keyword' && (next.text === 'if' || next.text === 'with')) return { kind: 'else', pos: token.pos };
    this.expect('close', 'else');
    return { kind: 'else', pos: token.pos };
  }

  private control(context: 'if' | 'range' | 'with', pos: number): Node {
    const mark = this.vars.length;
    const pipe = this.pipeline(context, 'close');
    if (context === 'range') this.rangeDepth++;
    const [list, ender] = this.itemList();
    if (context === 'range') this.rangeDepth--;
    let elseList: Node[] | undefined;
    if (ender.kind === 'else') {
      const next = this.peek();
      if ((context === 'if' || context === 'with') && next.kind === 'keyword' && next.text === context) {
        // {{if a}}…{{else if b}}…{{end}} is {{if a}}…{{else}}{{if b}}…{{end}}{{end}}.
        this.next();
        elseList = [this.control(context, next.pos)];
      } else {
        const [rest, end] = this.itemList();
        if (end.kind !== 'end') this.fail(end.pos, 'expected end; found {{else}}');
        elseList = rest;
      }
    }
    this.vars.length = mark;
    return { type: context, pos, pipe, list, elseList };
  }

  private templateControl(keyword: Token): Node {
    const nameToken = this.nextNonSpace();
    if (nameToken.kind !== 'string' && nameToken.kind !== 'rawString') this.unexpected(nameToken, 'template clause');
    const name = this.stringValue(nameToken);
    let pipe: PipeNode | undefined;
    if (this.peekNonSpace().kind !== 'close') pipe = this.pipeline('template clause', 'close');
    else this.next();
    return { type: 'template', pos: keyword.pos, end: this.tokens[this.index - 1]?.pos ?? keyword.pos, name, pipe };
  }

  /** `{{block "name" pipeline}} default {{end}}`: a define plus a template call. */
  private blockControl(keyword: Token): Node {
    const nameToken = this.nextNonSpace();
    if (nameToken.kind !== 'string' && nameToken.kind !== 'rawString') this.unexpected(nameToken, 'block clause');
    const name = this.stringValue(nameToken);
    const pipe = this.pipeline('block clause', 'close');
    const saved = this.vars;
    this.vars = ['$'];
    const [list, ender] = this.itemList();
    if (ender.kind !== 'end') this.fail(ender.pos, 'unexpected {{else}} in block clause');
    this.vars = saved;
    this.trees.push({ name, file: this.options.file, source: this.source, root: list });
    return { type: 'template', pos: keyword.pos, end: pipe.end, name, pipe };
  }

  // --- pipelines

  private pipeline(context: string, end: 'close' | 'rightParen'): PipeNode {
    const first = this.peekNonSpace();
    const pipe: PipeNode = { type: 'pipe', pos: first.pos, end: first.pos, decl: [], isAssign: false, cmds: [] };
    this.declarations(pipe, context);
    for (;;) {
      const token = this.nextNonSpace();
      if (token.kind === end) {
        pipe.end = token.pos;
        this.checkPipeline(pipe, context, token.pos);
        return pipe;
      }
      switch (token.kind) {
        case 'bool':
        case 'char':
        case 'dot':
        case 'field':
        case 'identifier':
        case 'number':
        case 'nil':
        case 'rawString':
        case 'string':
        case 'variable':
        case 'leftParen':
          this.index--;
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(token, context);
      }
    }
  }

  private declarations(pipe: PipeNode, context: string): void {
    for (;;) {
      const variable = this.peekNonSpace();
      if (variable.kind !== 'variable') return;
      const start = this.index;
      this.next();
      const after = this.peekNonSpace();
      if (after.kind === 'declare' || after.kind === 'assign') {
        this.next();
        pipe.isAssign = after.kind === 'assign';
        if (pipe.isAssign && !this.vars.includes(variable.text)) this.fail(variable.pos, `undefined variable "${variable.text}"`);
        pipe.decl.push(variable.text);
        this.vars.push(variable.text);
        return;
      }
      if (after.kind === 'comma') {
        this.next();
        pipe.decl.push(variable.text);
        this.vars.push(variable.text);
        if (context === 'range' && pipe.decl.length < 2) {
          const next = this.peekNonSpace();
          if (next.kind === 'variable') continue;
          this.fail(next.pos, 'range can only initialize variables');
        }
        this.fail(after.pos, `too many declarations in ${context}`);
      }
      this.index = start;
      return;
    }
  }

  private checkPipeline(pipe: PipeNode, context: string, pos: number): void {
    if (pipe.cmds.length === 0) this.fail(pos, `missing value for ${context}`);
    pipe.cmds.slice(1).forEach((cmd, i) => {
      const kind = cmd.args[0]?.type;
      if (kind === 'bool' || kind === 'dot' || kind === 'nil' || kind === 'number' || kind === 'string') {
        this.fail(cmd.pos, `non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  private command(): CommandNode {
    const start = this.peekNonSpace().pos;
    const cmd: CommandNode = { type: 'command', pos: start, end: start, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) {
        cmd.args.push(operand);
        cmd.end = operand.end;
      }
      const token = this.next();
      if (token.kind === 'space') continue;
      if (token.kind === 'close' || token.kind === 'rightParen') this.index--;
      else if (token.kind !== 'pipe') this.unexpected(token, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.fail(start, 'empty command');
    return cmd;
  }

  /** A term and the fields that follow it without a space: `.a.b`, `$x.y`, `(f).z`. */
  private operand(): ArgNode | undefined {
    const node = this.term();
    if (!node) return undefined;
    if (this.peek().kind !== 'field') return node;
    const fields: string[] = [];
    let end = node.end;
    while (this.peek().kind === 'field') {
      const field = this.next();
      fields.push(field.text.slice(1));
      end = field.pos + field.text.length;
    }
    switch (node.type) {
      case 'field':
        return { ...node, names: [...node.names, ...fields], end };
      case 'variable':
        return { ...node, names: [...node.names, ...fields], end };
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        this.fail(node.end, `unexpected . after term ${JSON.stringify(this.source.slice(node.pos, node.end))}`);
        break;
      default:
        return { type: 'chain', pos: node.pos, end, node, fields };
    }
  }

  private term(): ArgNode | undefined {
    const token = this.nextNonSpace();
    const end = token.pos + token.text.length;
    switch (token.kind) {
      case 'identifier':
        if (!this.options.isFunction(token.text)) {
          const leftOut = this.options.isLeftOut?.(token.text) === true;
          this.fail(token.pos, `function "${token.text}" not defined${leftOut ? ' (a Sprig function that KrakenD has and Portico leaves out: see docs/flexible-configuration.md)' : ''}`);
        }
        return { type: 'identifier', pos: token.pos, end, name: token.text };
      case 'dot':
        return { type: 'dot', pos: token.pos, end };
      case 'nil':
        return { type: 'nil', pos: token.pos, end };
      case 'variable':
        if (!this.vars.includes(token.text)) this.fail(token.pos, `undefined variable "${token.text}"`);
        return { type: 'variable', pos: token.pos, end, names: [token.text] };
      case 'field':
        return { type: 'field', pos: token.pos, end, names: [token.text.slice(1)] };
      case 'bool':
        return { type: 'bool', pos: token.pos, end, value: token.text === 'true' };
      case 'char':
      case 'number':
        return this.number(token);
      case 'leftParen': {
        const pipe = this.pipeline('parenthesized pipeline', 'rightParen');
        return { ...pipe, pos: token.pos, end: pipe.end + 1 };
      }
      case 'string':
      case 'rawString':
        return { type: 'string', pos: token.pos, end, value: this.stringValue(token) };
    }
    this.index--;
    return undefined;
  }

  private stringValue(token: Token): string {
    if (token.kind === 'rawString') return token.text.slice(1, -1).replace(/\r/g, '');
    const value = unquoteString(token.text);
    if (value === undefined) this.fail(token.pos, `invalid syntax: ${token.text}`);
    return value;
  }

  private number(token: Token): NumberNode {
    const node: NumberNode = { type: 'number', pos: token.pos, end: token.pos + token.text.length, text: token.text, int: undefined, float: undefined };
    if (token.kind === 'char') {
      const rune = unquoteChar(token.text);
      if (rune === undefined) this.fail(token.pos, `malformed character constant: ${token.text}`);
      node.int = BigInt(rune);
      node.float = rune;
      return node;
    }
    if (token.text.endsWith('i')) this.fail(token.pos, `complex numbers are not supported: ${token.text}`);
    const integer = parseGoInteger(token.text);
    if (integer !== undefined) {
      if (integer > 0x7fffffffffffffffn || integer < -0x8000000000000000n) this.fail(token.pos, `integer overflow: ${JSON.stringify(token.text)}`);
      node.int = integer;
      node.float = Number(integer);
      return node;
    }
    const float = parseGoFloat(token.text);
    if (float === undefined) this.fail(token.pos, `illegal number syntax: ${JSON.stringify(token.text)}`);
    node.float = float;
    if (Number.isInteger(float) && Math.abs(float) <= Number.MAX_SAFE_INTEGER) node.int = BigInt(float);
    return node;
  }
}

function describe(token: Token): string {
  if (token.kind === 'close') return `"${token.text}"`;
  if (token.kind === 'space') return 'space';
  return `<${token.text}>`;
}

/** Go's ParseInt with base 0: 0x, 0o, 0b, a leading 0 for octal, underscores between digits. */
export function parseGoInteger(text: string): bigint | undefined {
  let sign = 1n;
  let body = text;
  if (body.startsWith('+') || body.startsWith('-')) {
    if (body.startsWith('-')) sign = -1n;
    body = body.slice(1);
  }
  if (body.includes('__') || body.startsWith('_') || body.endsWith('_')) return undefined;
  const prefixed = /^0[xXoObB]_?/.exec(body);
  let digits = body;
  let radix = 10;
  if (prefixed) {
    radix = { x: 16, o: 8, b: 2 }[(body[1] as string).toLowerCase() as 'x' | 'o' | 'b'];
    digits = body.slice(prefixed[0].length);
  } else if (/^0[0-7_]+$/.test(body)) {
    radix = 8;
    digits = body.slice(1);
  }
  digits = digits.replace(/_/g, '');
  const valid = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ }[radix as 2 | 8 | 10 | 16];
  if (!valid.test(digits)) return undefined;
  let value = 0n;
  for (const ch of digits) value = value * BigInt(radix) + BigInt(parseInt(ch, radix));
  return sign * value;
}

function parseGoFloat(text: string): number | undefined {
  const body = text.replace(/_/g, '');
  if (/^[+-]?0[xX]/.test(body)) {
    const match = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/.exec(body);
    if (!match) return undefined;
    const [, sign, whole = '', fraction = '', exponent = '0'] = match;
    const mantissa = parseInt(whole || '0', 16) + (fraction ? parseInt(fraction, 16) / 16 ** fraction.length : 0);
    return (sign === '-' ? -1 : 1) * mantissa * 2 ** Number(exponent);
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(body)) return undefined;
  return Number(body);
}
