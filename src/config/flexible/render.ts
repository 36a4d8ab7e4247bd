/**
 * Renders a flexible-configuration template into config text, once, at start-up — the steps of
 * krakend-flexibleconfig's Parse: settings as data, the -c file and FC_TEMPLATES as one template set
 * (the -c file named by its base name), Sprig's functions plus `marshal` and `include`, then FC_OUT.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ConfigIssues } from '../issues.js';
import { standardFunctions, TemplateError, TemplateSet } from '../template/index.js';
import type { GoMap } from '../template/index.js';
import { krakendFunctions } from './functions.js';
import type { FlexibleOptions } from './options.js';
import { listTemplates, readSettings } from './settings.js';

export interface RenderedConfig {
  text: string;
  /** The name whose extension picks the parser: FC_OUT's, as KrakenD parses the file it wrote; otherwise JSON (KrakenD's temporary `.json` file). */
  parseAs: string;
  /** How messages name the rendered text: FC_OUT, which the user can open, or `FILE (rendered)`. */
  displayName: string;
}

export async function renderFlexibleConfig(file: string, options: FlexibleOptions, env: NodeJS.ProcessEnv, issues: ConfigIssues): Promise<RenderedConfig | undefined> {
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    issues.error({ code: 'PRT_ERR_CONFIG_READ', message: code === 'ENOENT' ? `config file not found: ${file}` : `cannot read config file: ${(error as Error).message}` });
    return undefined;
  }
  const data: GoMap = options.settings ? await readSettings(options.settings, issues) : {};
  const templateFiles = options.templates ? await listTemplates(options.templates, issues) : [];
  if (issues.hasErrors) return undefined;

  const functions = standardFunctions({ env, now: () => Date.now() });
  const set = new TemplateSet(functions);
  for (const [name, definition] of krakendFunctions({
    partials: options.partials,
    onMissingPartial: (partial, reason) => {
      const at = set.location();
      issues.warning({
        code: 'PRT_WARN_CONFIG_FC_PARTIAL',
        ...(at ? { file: at.file, position: { line: at.line, column: at.column } } : {}),
        message: `include "${partial}" inserts nothing: the file cannot be read (${reason}); KrakenD inserts nothing too`,
      });
    },
  })) {
    functions.set(name, definition);
  }

  const entry = basename(file);
  try {
    set.add({ name: entry, file, text: stripBom(source) });
    for (const template of templateFiles) {
      const text = await readTemplate(template, issues);
      if (text === undefined) return undefined;
      set.add({ name: basename(template), file: template, text });
    }
    const text = set.execute(entry, data);
    if (options.out) await writeOut(options.out, text, issues);
    return { text, parseAs: options.out ?? 'rendered.json', displayName: options.out ?? `${file} (rendered)` };
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    issues.error({
      code: 'PRT_ERR_CONFIG_TEMPLATE',
      file: error.file,
      position: { line: error.line, column: error.column },
      message: `${error.context === undefined ? '' : `at <${error.context}>: `}${error.message}`,
    });
    return undefined;
  }
}

async function writeOut(out: string, text: string, issues: ConfigIssues): Promise<void> {
  try {
    await writeFile(out, text);
  } catch (error) {
    // KrakenD stops when it cannot write FC_OUT.
    issues.error({ code: 'PRT_ERR_CONFIG_FC_OUT', file: out, message: `cannot write the rendered configuration (FC_OUT): ${(error as Error).message}` });
  }
}

async function readTemplate(file: string, issues: ConfigIssues): Promise<string | undefined> {
  try {
    return stripBom(await readFile(file, 'utf8'));
  } catch (error) {
    issues.error({ code: 'PRT_ERR_CONFIG_FC_TEMPLATES', file, message: `cannot read the template: ${(error as Error).message}` });
    return undefined;
  }
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
