/** The parse tree of a template; `pos` is an offset in the template's source, `end` where the node ends. */
export type Node = TextNode | ActionNode | IfNode | RangeNode | WithNode | TemplateNode | BreakNode | ContinueNode;

export interface TextNode {
  type: 'text';
  pos: number;
  text: string;
}
export interface ActionNode {
  type: 'action';
  pos: number;
  pipe: PipeNode;
}
export interface ControlNode {
  pos: number;
  pipe: PipeNode;
  list: Node[];
  elseList: Node[] | undefined;
}
export interface IfNode extends ControlNode {
  type: 'if';
}
export interface WithNode extends ControlNode {
  type: 'with';
}
export interface RangeNode extends ControlNode {
  type: 'range';
}
export interface TemplateNode {
  type: 'template';
  pos: number;
  end: number;
  name: string;
  pipe: PipeNode | undefined;
}
export interface BreakNode {
  type: 'break';
  pos: number;
}
export interface ContinueNode {
  type: 'continue';
  pos: number;
}

export interface PipeNode {
  type: 'pipe';
  pos: number;
  end: number;
  /** Variables declared (`:=`) or assigned (`=`), `$` included in the name. */
  decl: string[];
  isAssign: boolean;
  cmds: CommandNode[];
}
export interface CommandNode {
  type: 'command';
  pos: number;
  end: number;
  args: ArgNode[];
}

export type ArgNode = FieldNode | VariableNode | DotNode | IdentifierNode | ChainNode | PipeNode | StringNode | NumberNode | BoolNode | NilNode;

/** `.a.b`: names without dots. */
export interface FieldNode {
  type: 'field';
  pos: number;
  end: number;
  names: string[];
}
/** `$x.a.b`: names[0] is the variable (`$x`), the rest are fields. */
export interface VariableNode {
  type: 'variable';
  pos: number;
  end: number;
  names: string[];
}
export interface DotNode {
  type: 'dot';
  pos: number;
  end: number;
}
/** A function name. */
export interface IdentifierNode {
  type: 'identifier';
  pos: number;
  end: number;
  name: string;
}
/** `(pipeline).a.b`. */
export interface ChainNode {
  type: 'chain';
  pos: number;
  end: number;
  node: ArgNode;
  fields: string[];
}
export interface StringNode {
  type: 'string';
  pos: number;
  end: number;
  value: string;
}
export interface NumberNode {
  type: 'number';
  pos: number;
  end: number;
  text: string;
  /** Set when the constant is an integer (3, 0x1F, 'a', and 3.0). */
  int: bigint | undefined;
  /** Set when the constant is a float (3.5, 1e3, and every integer). */
  float: number | undefined;
}
export interface BoolNode {
  type: 'bool';
  pos: number;
  end: number;
  value: boolean;
}
export interface NilNode {
  type: 'nil';
  pos: number;
  end: number;
}

/** One parsed template: its body, and the source it came from (for error positions). */
export interface Tree {
  name: string;
  file: string;
  source: string;
  root: Node[];
}
