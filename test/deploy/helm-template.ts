/**
 * Renders the plain subset of Helm's templates that deploy/helm/portico uses, so a test can compare the
 * chart with the kustomize output without Helm: `{{ .Values.a.b }}`, `{{ .Release.Name }}`, pipelines
 * through `quote`, `toYaml`, `nindent`, `indent`, `sha256sum`, `if`/`if not`/`else`/`end`, and `{{-`/`-}}`
 * trimming. Anything else throws, so a chart edit outside the subset fails the test instead of being
 * rendered wrongly.
 */
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';

export interface ChartContext {
  Values: Record<string, unknown>;
  Release: { Name: string; Namespace?: string };
}

type Node = { text: string } | { action: string } | { condition: string; then: Node[]; otherwise: Node[] };

const ACTION = /\{\{(-?)\s*([\s\S]*?)\s*(-?)\}\}/g;

function parse(template: string): Node[] {
  const root: Node[] = [];
  const stack: { nodes: Node[]; branch?: { condition: string; then: Node[]; otherwise: Node[] }; inElse?: boolean }[] = [{ nodes: root }];
  const current = (): Node[] => (stack.at(-1) as { nodes: Node[] }).nodes;
  let last = 0;
  let trimNext = false;
  for (const match of template.matchAll(ACTION)) {
    let text = template.slice(last, match.index);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (match[1] === '-') text = text.replace(/\s+$/, '');
    if (text !== '') current().push({ text });
    last = (match.index as number) + match[0].length;
    trimNext = match[3] === '-';
    const body = match[2] as string;
    if (body.startsWith('if ')) {
      const branch = { condition: body.slice(3).trim(), then: [] as Node[], otherwise: [] as Node[] };
      current().push(branch);
      stack.push({ nodes: branch.then, branch });
    } else if (body === 'else') {
      const top = stack.at(-1);
      if (!top?.branch || top.inElse) throw new Error('else without if');
      top.nodes = top.branch.otherwise;
      top.inElse = true;
    } else if (body === 'end') {
      if (stack.length === 1) throw new Error('end without if');
      stack.pop();
    } else {
      current().push({ action: body });
    }
  }
  if (stack.length !== 1) throw new Error('if without end');
  let tail = template.slice(last);
  if (trimNext) tail = tail.replace(/^\s+/, '');
  if (tail !== '') root.push({ text: tail });
  return root;
}

function lookup(path: string, context: ChartContext): unknown {
  let value: unknown = context;
  for (const key of path.slice(1).split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function argument(token: string, context: ChartContext): unknown {
  if (token.startsWith('.')) return lookup(token, context);
  if (/^-?\d+$/.test(token)) return Number(token);
  if (/^"[^"]*"$/.test(token)) return token.slice(1, -1);
  throw new Error(`unsupported argument "${token}"`);
}

function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (value !== null && typeof value === 'object') return Object.keys(value).length > 0;
  return value !== undefined && value !== null && value !== false && value !== 0 && value !== '';
}

function print(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`cannot print ${value === undefined ? 'a missing value' : typeof value}`);
}

const FUNCTIONS: Record<string, (...args: unknown[]) => unknown> = {
  not: (value) => !truthy(value),
  quote: (value) => JSON.stringify(print(value)),
  toYaml: (value) => stringify(value).replace(/\n$/, ''),
  indent: (width, value) => print(value).replace(/^/gm, ' '.repeat(width as number)),
  nindent: (width, value) => `\n${print(value).replace(/^/gm, ' '.repeat(width as number))}`,
  sha256sum: (value) => createHash('sha256').update(print(value)).digest('hex'),
};

function evaluate(pipeline: string, context: ChartContext): unknown {
  let piped: { value: unknown } | undefined;
  for (const command of pipeline.split('|').map((part) => part.trim())) {
    const [head, ...rest] = command.split(/\s+/) as [string, ...string[]];
    const args = rest.map((token) => argument(token, context));
    if (piped) args.push(piped.value);
    if (head.startsWith('.')) {
      if (args.length > 0) throw new Error(`a value takes no arguments: "${command}"`);
      piped = { value: lookup(head, context) };
      continue;
    }
    const fn = FUNCTIONS[head];
    if (!fn) throw new Error(`unsupported function "${head}"`);
    piped = { value: fn(...args) };
  }
  return piped?.value;
}

function renderNodes(nodes: Node[], context: ChartContext): string {
  let out = '';
  for (const node of nodes) {
    if ('text' in node) out += node.text;
    else if ('action' in node) out += print(evaluate(node.action, context));
    else out += renderNodes(truthy(evaluate(node.condition, context)) ? node.then : node.otherwise, context);
  }
  return out;
}

export function renderTemplate(template: string, context: ChartContext): string {
  return renderNodes(parse(template), context);
}
