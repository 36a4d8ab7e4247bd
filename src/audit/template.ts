/**
 * `audit -f`: KrakenD renders its audit result with a Go text/template. Until Portico's Go-template
 * engine lands, this reads the subset that audit templates use (docs/audit.md):
 *
 *   text, {{ .Field.Path }}, {{ . }}, {{ range PIPE }}…{{ end }}, {{ marshal ARG }}, {{ colored ARG }},
 *   {{ len ARG }}, and the {{- / -}} trim markers.
 *
 * Anything else is refused with a clear message rather than rendered wrongly. The functions are kept
 * apart (AUDIT_TEMPLATE_FUNCS) so the full engine can take them as its FuncMap and replace `renderSubset`.
 */

export type TemplateFunc = (value: unknown) => string | number;

export class TemplateError extends Error {
  override name = 'TemplateError';
}

type Node = { kind: 'text'; text: string } | { kind: 'print'; pipe: Pipe } | { kind: 'range'; pipe: Pipe; body: Node[] };
interface Pipe {
  func?: string;
  arg: string;
}

/** KrakenD's default (`defaultFormatTmpl` in krakend-cobra audit.go), and its colour variant for terminals. */
export const DEFAULT_AUDIT_TEMPLATE = '{{ range .Recommendations }}{{.Rule}}\t[{{.Severity}}]   \t{{.Message}}\n{{ end }}';
export const TERMINAL_AUDIT_TEMPLATE = '{{ range .Recommendations }}{{.Rule}}\t[{{colored .Severity}}]   \t{{.Message}}\n{{ end }}';

const SEVERITY_COLOURS: Readonly<Record<string, string>> = { LOW: '32;1', MEDIUM: '33;1', HIGH: '31;1', CRITICAL: '41;1' };

export const AUDIT_TEMPLATE_FUNCS: Readonly<Record<string, TemplateFunc>> = {
  marshal: (value) => JSON.stringify(goJsonView(value)) ?? 'null',
  colored: (value) => {
    const text = String(value);
    const colour = SEVERITY_COLOURS[text];
    return colour === undefined ? text : `\u001b[${colour}m${text}\u001b[0m`;
  },
  len: (value) => {
    if (Array.isArray(value) || typeof value === 'string') return value.length;
    if (value !== null && typeof value === 'object') return Object.keys(value).length;
    throw new TemplateError('len of a value that has no length');
  },
};

/**
 * Values as Go's encoding/json writes the audit structs: field names by their json tags (lower case).
 * `Locations` is Portico's addition and has no place in KrakenD's marshalled result.
 */
function goJsonView(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(goJsonView);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === 'Locations') continue;
    out[key.charAt(0).toLowerCase() + key.slice(1)] = goJsonView(item);
  }
  return out;
}

export function renderSubset(template: string, data: unknown, funcs: Readonly<Record<string, TemplateFunc>> = AUDIT_TEMPLATE_FUNCS): string {
  const nodes = parse(template, funcs);
  let out = '';
  const run = (list: Node[], dot: unknown): void => {
    for (const node of list) {
      if (node.kind === 'text') out += node.text;
      else if (node.kind === 'print') out += printable(evaluate(node.pipe, dot, funcs));
      else {
        const items = evaluate(node.pipe, dot, funcs);
        if (items === undefined || items === null) continue;
        if (!Array.isArray(items)) throw new TemplateError(`range over ${node.pipe.arg}, which is not a list`);
        for (const item of items) run(node.body, item);
      }
    }
  };
  run(nodes, data);
  return out;
}

const ACTION = /\{\{(-\s)?\s*([\s\S]*?)\s*(\s-)?\}\}/g;

function parse(template: string, funcs: Readonly<Record<string, TemplateFunc>>): Node[] {
  const root: Node[] = [];
  const stack: Node[][] = [root];
  const open: Extract<Node, { kind: 'range' }>[] = [];
  let last = 0;
  let trimNext = false;
  for (const match of template.matchAll(ACTION)) {
    let text = template.slice(last, match.index);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (match[1]) text = text.replace(/\s+$/, '');
    if (text !== '') (stack[stack.length - 1] as Node[]).push({ kind: 'text', text });
    trimNext = match[3] !== undefined;
    last = match.index + match[0].length;
    const action = (match[2] as string).trim();
    const words = action.split(/\s+/);
    if (words[0] === 'end' && words.length === 1) {
      if (open.pop() === undefined) throw new TemplateError('{{end}} without {{range}}');
      stack.pop();
      continue;
    }
    if (words[0] === 'range') {
      const node: Extract<Node, { kind: 'range' }> = { kind: 'range', pipe: pipeOf(words.slice(1), action, funcs), body: [] };
      (stack[stack.length - 1] as Node[]).push(node);
      open.push(node);
      stack.push(node.body);
      continue;
    }
    (stack[stack.length - 1] as Node[]).push({ kind: 'print', pipe: pipeOf(words, action, funcs) });
  }
  let tail = template.slice(last);
  if (trimNext) tail = tail.replace(/^\s+/, '');
  if (tail !== '') root.push({ kind: 'text', text: tail });
  if (open.length > 0) throw new TemplateError('{{range}} without {{end}}');
  if (template.slice(last).includes('{{')) throw new TemplateError('unclosed action');
  return root;
}

const FIELD_PATH = /^\.(?:[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)?$/;

function pipeOf(words: string[], action: string, funcs: Readonly<Record<string, TemplateFunc>>): Pipe {
  const unsupported = (): TemplateError =>
    new TemplateError(`unsupported action {{${action}}}: Portico's audit templates support fields (.Rule), range/end and the functions ${Object.keys(funcs).join(', ')}`);
  if (words.length === 1 && FIELD_PATH.test(words[0] as string)) return { arg: words[0] as string };
  if (words.length === 2 && Object.hasOwn(funcs, words[0] as string) && FIELD_PATH.test(words[1] as string)) return { func: words[0] as string, arg: words[1] as string };
  throw unsupported();
}

function evaluate(pipe: Pipe, dot: unknown, funcs: Readonly<Record<string, TemplateFunc>>): unknown {
  let value = dot;
  if (pipe.arg !== '.') {
    for (const field of pipe.arg.slice(1).split('.')) {
      if (value === null || typeof value !== 'object' || !Object.hasOwn(value, field)) throw new TemplateError(`can't evaluate field ${field}`);
      value = (value as Record<string, unknown>)[field];
    }
  }
  return pipe.func === undefined ? value : (funcs[pipe.func] as TemplateFunc)(value);
}

function printable(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === undefined || value === null) return '<no value>';
  return JSON.stringify(goJsonView(value));
}
