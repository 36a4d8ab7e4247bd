/**
 * A Go text/template engine: parse named templates into one set, then execute one of them.
 * Functions are those of text/template plus Sprig's (as Masterminds/sprig v3 GenericFuncMap defines
 * them); callers add their own (KrakenD adds `marshal` and `include`).
 */
import type { Tree } from './ast.js';
import { builtinFunctions } from './builtins.js';
import { Executor } from './exec.js';
import type { TemplateFunction } from './functions.js';
import { parseTemplate } from './parser.js';
import { defaultFunctions } from './sprig/defaults.js';
import { dictFunctions } from './sprig/dicts.js';
import { listFunctions } from './sprig/lists.js';
import { mathFunctions } from './sprig/math.js';
import { regexFunctions } from './sprig/regex.js';
import { stringFunctions } from './sprig/strings.js';
import { systemFunctions } from './sprig/system.js';
import type { SystemContext } from './sprig/system.js';
import type { GoValue } from './values.js';

export { TemplateError } from './errors.js';
export { builtinFunctions } from './builtins.js';
export type { TemplateFunction, ParamType } from './functions.js';
export { fn } from './functions.js';
export { goJson } from './json.js';
export type { GoValue, GoMap, GoStructType } from './values.js';
export { goStruct } from './values.js';

/** text/template's built-ins with Sprig's functions over them (Sprig's `slice` replaces the built-in, as in KrakenD). */
export function standardFunctions(context: SystemContext): Map<string, TemplateFunction> {
  const functions = builtinFunctions();
  for (const group of [stringFunctions(), listFunctions(), dictFunctions(), mathFunctions(), defaultFunctions(), regexFunctions(), systemFunctions(context)]) {
    for (const [name, definition] of group) functions.set(name, definition);
  }
  return functions;
}

/** Sprig v3 functions left out (crypto, network, semver, fuzzy dates, case conversions); docs/flexible-configuration.md lists them. */
export const LEFT_OUT_SPRIG_FUNCTIONS: ReadonlySet<string> = new Set(
  (
    'ago date_in_zone date_modify dateInZone dateModify duration durationRound htmlDateInZone must_date_modify mustDateModify ' +
    'mustToDate toDate abbrevboth swapcase shuffle snakecase camelcase kebabcase wrap wrapWith adler32sum getHostByName b32enc ' +
    'b32dec bcrypt htpasswd genPrivateKey derivePassword buildCustomCert genCA genCAWithKey genSelfSignedCert ' +
    'genSelfSignedCertWithKey genSignedCert genSignedCertWithKey encryptAES decryptAES randBytes semver semverCompare urlParse urlJoin'
  ).split(' '),
);

export interface TemplateSource {
  /** The name `template "…"` calls it by (Go's ParseFiles uses the file's base name). */
  name: string;
  /** The path shown in messages. */
  file: string;
  text: string;
}

/** Templates that can call each other, like one Go *template.Template after ParseFiles. */
export class TemplateSet {
  private readonly trees = new Map<string, Tree>();
  private active: Executor | undefined;

  /**
   * `leftOut`: names to point out as Sprig functions Portico leaves out when a template calls them; a
   * function map without Sprig (krakend audit's) passes an empty set.
   */
  constructor(
    private readonly functions: ReadonlyMap<string, TemplateFunction>,
    private readonly leftOut: ReadonlySet<string> = LEFT_OUT_SPRIG_FUNCTIONS,
  ) {}

  /** Parses a source; its defines join the set, replacing earlier ones unless they are empty. Throws TemplateError. */
  add(source: TemplateSource): void {
    const trees = parseTemplate(source.text, {
      name: source.name,
      file: source.file,
      isFunction: (name) => this.functions.has(name),
      isLeftOut: (name) => this.leftOut.has(name),
    });
    for (const tree of trees) {
      if (this.trees.has(tree.name) && isEmptyTree(tree)) continue;
      this.trees.set(tree.name, tree);
    }
  }

  has(name: string): boolean {
    return this.trees.has(name);
  }

  /** Runs one template. Throws TemplateError naming the file, line, column and the failing action. */
  execute(name: string, data: GoValue): string {
    const tree = this.trees.get(name);
    if (!tree) throw new Error(`no template named "${name}"`);
    const executor = new Executor(this.trees, this.functions, tree);
    this.active = executor;
    try {
      return executor.run(data);
    } finally {
      this.active = undefined;
    }
  }

  /** During execute (for a function that wants to say where it was called): the current position. */
  location(): { file: string; line: number; column: number } | undefined {
    return this.active?.location();
  }
}

/** Go's parse.IsEmptyTree: only white space (a file that only defines templates). */
function isEmptyTree(tree: Tree): boolean {
  return tree.root.every((node) => node.type === 'text' && node.text.trim() === '');
}
