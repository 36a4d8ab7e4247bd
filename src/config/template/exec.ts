/** Runs parse trees against data, with Go text/template's rules for fields, variables, calls and control. */
import type { ArgNode, CommandNode, ControlNode, Node, PipeNode, RangeNode, TemplateNode, Tree } from './ast.js';
import { TemplateError, lineAndColumn } from './errors.js';
import type { FunctionMap, ParamType, TemplateFunction } from './functions.js';
import { paramTypeName } from './functions.js';
import { formatValue, goTypeName, isMap, isTrue, sortedKeys, structType } from './values.js';
import type { GoValue } from './values.js';

/** Go stops at 100000 nested template calls; a JavaScript stack ends much sooner. */
const MAX_DEPTH = 1000;
/** No final argument from a previous pipeline stage (Go's missingVal). */
const MISSING = Symbol('missing');
type Final = GoValue | typeof MISSING;

class BreakSignal {}
class ContinueSignal {}

interface Variable {
  name: string;
  value: GoValue;
}

export class Executor {
  private readonly out: string[] = [];
  private vars: Variable[] = [];
  private depth = 0;
  private tree: Tree;
  /** The node being evaluated, for error messages. */
  private current: { pos: number; end: number } = { pos: 0, end: 0 };

  constructor(
    private readonly templates: ReadonlyMap<string, Tree>,
    private readonly functions: FunctionMap,
    entry: Tree,
  ) {
    this.tree = entry;
  }

  run(data: GoValue): string {
    this.vars = [{ name: '$', value: data }];
    this.walkList(data, this.tree.root);
    return this.out.join('');
  }

  /** Where execution is now: the file, line and column of the action being evaluated. */
  location(): { file: string; line: number; column: number } {
    return { file: this.tree.file, ...lineAndColumn(this.tree.source, this.current.pos) };
  }

  // --- errors

  private fail(message: string): never {
    const { line, column } = lineAndColumn(this.tree.source, this.current.pos);
    const context = this.tree.source.slice(this.current.pos, this.current.end).replace(/\s+/g, ' ').trim();
    throw new TemplateError(message, this.tree.file, line, column, context.length > 80 ? `${context.slice(0, 77)}...` : context);
  }

  private at(node: { pos: number; end?: number }): void {
    this.current = { pos: node.pos, end: node.end ?? node.pos };
  }

  // --- statements

  private walkList(dot: GoValue, list: Node[]): void {
    for (const node of list) this.walk(dot, node);
  }

  private walk(dot: GoValue, node: Node): void {
    switch (node.type) {
      case 'text':
        this.out.push(node.text);
        return;
      case 'action': {
        const value = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.print(value, node.pipe);
        return;
      }
      case 'if':
      case 'with':
        this.walkIfOrWith(node.type, dot, node);
        return;
      case 'range':
        this.walkRange(dot, node);
        return;
      case 'template':
        this.walkTemplate(dot, node);
        return;
      case 'break':
        throw new BreakSignal();
      case 'continue':
        throw new ContinueSignal();
    }
  }

  private print(value: GoValue, pipe: PipeNode): void {
    this.at(pipe);
    if (value === undefined || value === null) {
      this.out.push('<no value>');
      return;
    }
    this.out.push(formatValue(value));
  }

  private walkIfOrWith(kind: 'if' | 'with', dot: GoValue, node: ControlNode): void {
    const mark = this.vars.length;
    try {
      const value = this.evalPipeline(dot, node.pipe);
      if (isTrue(value)) {
        this.walkList(kind === 'with' ? value : dot, node.list);
      } else if (node.elseList) {
        this.walkList(dot, node.elseList);
      }
    } finally {
      this.vars.length = mark;
    }
  }

  private walkRange(dot: GoValue, node: RangeNode): void {
    const mark = this.vars.length;
    try {
      const value = this.evalPipeline(dot, node.pipe);
      const bodyMark = this.vars.length;
      const decl = node.pipe.decl;
      const iteration = (index: GoValue, element: GoValue): boolean => {
        if (decl.length === 1) this.setVar(decl[0] as string, element);
        if (decl.length === 2) {
          this.setVar(decl[0] as string, index);
          this.setVar(decl[1] as string, element);
        }
        try {
          this.walkList(element, node.list);
        } catch (signal) {
          if (signal instanceof BreakSignal) return false;
          if (!(signal instanceof ContinueSignal)) throw signal;
        } finally {
          this.vars.length = bodyMark;
        }
        return true;
      };
      let ran = false;
      if (typeof value === 'bigint') {
        if (decl.length > 1) {
          this.at(node.pipe);
          this.fail(`can't use ${value} to iterate over more than one variable`);
        }
        for (let i = 0n; i < value; i++) {
          ran = true;
          if (!iteration(undefined, i)) break;
        }
      } else if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          ran = true;
          if (!iteration(BigInt(i), value[i])) break;
        }
      } else if (isMap(value) && structType(value) === undefined) {
        for (const key of sortedKeys(value)) {
          ran = true;
          if (!iteration(key, value[key])) break;
        }
      } else if (value !== undefined && value !== null) {
        this.at(node.pipe.cmds[0] ?? node.pipe);
        this.fail(`range can't iterate over ${formatValue(value)}`);
      }
      if (!ran && node.elseList) this.walkList(dot, node.elseList);
    } finally {
      this.vars.length = mark;
    }
  }

  private walkTemplate(dot: GoValue, node: TemplateNode): void {
    this.at(node);
    const tree = this.templates.get(node.name);
    if (!tree) this.fail(`template "${node.name}" not defined`);
    if (this.depth >= MAX_DEPTH) this.fail(`exceeded maximum template depth (${MAX_DEPTH})`);
    const value = node.pipe ? this.evalPipeline(dot, node.pipe) : undefined;
    const saved = { vars: this.vars, tree: this.tree };
    this.depth++;
    this.vars = [{ name: '$', value }];
    this.tree = tree;
    try {
      this.walkList(value, tree.root);
    } finally {
      this.depth--;
      this.vars = saved.vars;
      this.tree = saved.tree;
    }
  }

  // --- variables

  private setVar(name: string, value: GoValue): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const variable = this.vars[i] as Variable;
      if (variable.name === name) {
        variable.value = value;
        return;
      }
    }
    this.vars.push({ name, value });
  }

  private varValue(name: string): GoValue {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const variable = this.vars[i] as Variable;
      if (variable.name === name) return variable.value;
    }
    this.fail(`undefined variable: ${name}`);
  }

  // --- expressions

  private evalPipeline(dot: GoValue, pipe: PipeNode): GoValue {
    this.at(pipe);
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
      // Go unwraps a nil interface{} result into "no value" between stages.
      if (value === null) value = undefined;
    }
    const result = value === MISSING ? undefined : value;
    for (const name of pipe.decl) {
      if (pipe.isAssign) this.setVar(name, result);
      else this.vars.push({ name, value: result });
    }
    return result;
  }

  private evalCommand(dot: GoValue, cmd: CommandNode, final: Final): GoValue {
    const first = cmd.args[0] as ArgNode;
    switch (first.type) {
      case 'field':
        return this.evalFieldChain(dot, dot, first, first.names, cmd.args, final);
      case 'chain': {
        const receiver = this.evalArg(dot, undefined, first.node);
        return this.evalFieldChain(dot, receiver, first, first.fields, cmd.args, final);
      }
      case 'identifier':
        return this.evalFunction(dot, first.name, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final, first);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariable(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final, first);
    switch (first.type) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        this.fail('nil is not a command');
        break;
      case 'number':
        return idealConstant(first);
      case 'string':
        return first.value;
    }
    this.fail(`can't evaluate command ${first.type}`);
  }

  private notAFunction(args: ArgNode[], final: Final, node: ArgNode): void {
    if (args.length > 1 || final !== MISSING) {
      this.at(node);
      this.fail(`can't give argument to non-function ${this.tree.source.slice(node.pos, node.end)}`);
    }
  }

  private evalVariable(dot: GoValue, node: ArgNode & { type: 'variable' }, args: ArgNode[], final: Final): GoValue {
    this.at(node);
    const value = this.varValue(node.names[0] as string);
    if (node.names.length === 1) {
      this.notAFunction(args, final, node);
      return value;
    }
    return this.evalFieldChain(dot, value, node, node.names.slice(1), args, final);
  }

  private evalFieldChain(dot: GoValue, receiver: GoValue, node: ArgNode, names: string[], args: ArgNode[], final: Final): GoValue {
    this.at(node);
    let value = receiver;
    names.forEach((name, i) => {
      const last = i === names.length - 1;
      // A value looked up in a map has Go's static type interface{}, which its messages name.
      value = this.evalField(name, last ? args : [], last ? final : MISSING, value, i > 0);
    });
    return value;
  }

  private evalField(name: string, args: ArgNode[], final: Final, receiver: GoValue, fromMap: boolean): GoValue {
    // missingkey=default, as KrakenD leaves it: a missing key, and a field of it, is "no value".
    if (receiver === undefined) return undefined;
    if (receiver === null) this.fail(`nil pointer evaluating interface {}.${name}`);
    const struct = structType(receiver);
    if (struct && !struct.fields.some(([field]) => field === name)) this.fail(`can't evaluate field ${name} in type ${struct.name}`);
    if (isMap(receiver)) {
      if (args.length > 1 || final !== MISSING) this.fail(`${name} is not a method but has arguments`);
      return Object.hasOwn(receiver, name) ? receiver[name] : undefined;
    }
    this.fail(`can't evaluate field ${name} in type ${fromMap ? 'interface {}' : goTypeName(receiver)}`);
  }

  private evalFunction(dot: GoValue, name: string, cmd: CommandNode, args: ArgNode[], final: Final): GoValue {
    const fn = this.functions.get(name);
    if (!fn) this.fail(`"${name}" is not a defined function`);
    this.at(cmd);
    if (name === 'and' || name === 'or') return this.evalAndOr(dot, name, cmd, args.slice(1), final);
    const given = args.length - 1 + (final === MISSING ? 0 : 1);
    const fixed = fn.params.length;
    if (fn.variadic === undefined ? given !== fixed : given < fixed) {
      this.at(args[0] as ArgNode);
      this.fail(`wrong number of args for ${name}: want ${fn.variadic === undefined ? '' : 'at least '}${fixed} got ${given}`);
    }
    const values: GoValue[] = [];
    args.slice(1).forEach((arg, i) => {
      values.push(this.evalArg(dot, paramAt(fn, i), arg));
    });
    if (final !== MISSING) {
      this.at(cmd);
      values.push(this.validateType(final, paramAt(fn, values.length)));
    }
    this.at(cmd);
    return this.call(fn, name, values);
  }

  /** `and` and `or` stop at the first argument that decides, and return that argument. */
  private evalAndOr(dot: GoValue, name: 'and' | 'or', cmd: CommandNode, args: ArgNode[], final: Final): GoValue {
    const given = args.length + (final === MISSING ? 0 : 1);
    if (given < 1) this.fail(`wrong number of args for ${name}: want at least 1 got 0`);
    let value: GoValue = undefined;
    for (const arg of args) {
      value = this.evalArg(dot, 'value', arg);
      if (isTrue(value) === (name === 'or')) return value;
    }
    this.at(cmd);
    return final === MISSING ? value : final;
  }

  private call(fn: TemplateFunction, name: string, args: GoValue[]): GoValue {
    try {
      return fn.call(...args);
    } catch (error) {
      if (error instanceof TemplateError || error instanceof BreakSignal || error instanceof ContinueSignal) throw error;
      this.fail(`error calling ${name}: ${(error as Error).message}`);
    }
  }

  /** One argument, checked against the parameter type as Go's evalArg does. */
  private evalArg(dot: GoValue, type: ParamType | undefined, node: ArgNode): GoValue {
    this.at(node);
    switch (node.type) {
      case 'dot':
        return this.validateType(dot, type);
      case 'nil':
        if (type === undefined || type === 'any' || type === 'value' || type === 'map' || type === 'list') return type === 'value' ? undefined : null;
        this.fail(`cannot assign nil to ${paramTypeName(type)}`);
        break;
      case 'field':
        return this.validateType(this.evalFieldChain(dot, dot, node, node.names, [node], MISSING), type);
      case 'variable':
        return this.validateType(this.evalVariable(dot, node, [node], MISSING), type);
      case 'pipe':
        return this.validateType(this.evalPipeline(dot, node), type);
      case 'chain': {
        const receiver = this.evalArg(dot, undefined, node.node);
        return this.validateType(this.evalFieldChain(dot, receiver, node, node.fields, [node], MISSING), type);
      }
      case 'identifier':
        if (type === undefined || type === 'any' || type === 'value') {
          return this.evalFunction(dot, node.name, { type: 'command', pos: node.pos, end: node.end, args: [node] }, [node], MISSING);
        }
        break;
      case 'bool':
        if (type === undefined || type === 'any' || type === 'value' || type === 'bool') return node.value;
        break;
      case 'string':
        if (type === undefined || type === 'any' || type === 'value' || type === 'string') return node.value;
        break;
      case 'number':
        if (type === undefined || type === 'any' || type === 'value') return idealConstant(node);
        if (type === 'int' && node.int !== undefined) return node.int;
        if (type === 'float' && node.float !== undefined) return node.float;
        break;
    }
    const text = this.tree.source.slice(node.pos, node.end);
    if (type === 'int') this.fail(`expected integer; found ${text}`);
    if (type === 'float') this.fail(`expected float; found ${text}`);
    if (type === 'string' || type === 'bool') this.fail(`expected ${type}; found ${text}`);
    this.fail(`can't handle ${text} for arg of type ${paramTypeName(type as ParamType)}`);
  }

  /** Go's validateType: a value must be assignable to the parameter's type. */
  private validateType(value: GoValue, type: ParamType | undefined): GoValue {
    if (type === undefined || type === 'value') return value;
    if (value === undefined) {
      if (type === 'any' || type === 'map' || type === 'list') return null;
      this.fail(`invalid value; expected ${paramTypeName(type)}`);
    }
    if (type === 'any') return value;
    const fits =
      (type === 'string' && typeof value === 'string') ||
      (type === 'int' && typeof value === 'bigint') ||
      (type === 'float' && typeof value === 'number') ||
      (type === 'bool' && typeof value === 'boolean') ||
      (type === 'map' && isMap(value)) ||
      (type === 'list' && Array.isArray(value));
    if (!fits) this.fail(`wrong type for value; expected ${paramTypeName(type)}; got ${goTypeName(value)}`);
    return value;
  }
}

function paramAt(fn: TemplateFunction, index: number): ParamType {
  return index < fn.params.length ? (fn.params[index] as ParamType) : (fn.variadic ?? 'any');
}

/** A number literal given to interface{}: an int unless it is written as a float (Go's idealConstant). */
export function idealConstant(node: ArgNode & { type: 'number' }): GoValue {
  const looksFloat = !/^[+-]?0[xX]/.test(node.text) && !node.text.startsWith("'") && /[.eEpP]/.test(node.text);
  if (looksFloat || node.int === undefined) return node.float as number;
  return node.int;
}
