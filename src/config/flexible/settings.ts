/** FC_SETTINGS and FC_TEMPLATES folders, read as krakend-flexibleconfig reads them. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseTree, printParseErrorCode } from 'jsonc-parser';
import type { ParseError } from 'jsonc-parser';
import type { ConfigIssues } from '../issues.js';
import { fromJsonText } from '../template/json.js';
import type { GoMap } from '../template/index.js';
import { setEntry } from '../template/values.js';
import { lineAndColumn } from '../template/errors.js';

/** Every `*.json` file of the folder, by name without `.json`. Other files are skipped, as KrakenD does. */
export async function readSettings(folder: string, issues: ConfigIssues): Promise<GoMap> {
  const values: GoMap = {};
  const names = await listFolder(folder, 'FC_SETTINGS', issues);
  for (const name of names.filter((entry) => entry.endsWith('.json'))) {
    const file = join(folder, name);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      issues.error({ code: 'PRT_ERR_CONFIG_FC_SETTINGS', file, message: `cannot read the settings file: ${(error as Error).message}` });
      continue;
    }
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const errors: ParseError[] = [];
    parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    const first = errors[0];
    if (first) {
      issues.error({ code: 'PRT_ERR_CONFIG_FC_SETTINGS', file, position: lineAndColumn(text, first.offset), message: `invalid JSON in a settings file: ${printParseErrorCode(first.error)}` });
      continue;
    }
    const value = fromJsonText(text);
    // KrakenD decodes each file into a map[string]interface{}: a list or a scalar is an error there too.
    if (value !== null && (typeof value !== 'object' || Array.isArray(value))) {
      issues.error({ code: 'PRT_ERR_CONFIG_FC_SETTINGS', file, message: 'a settings file must hold a JSON object', expected: 'an object', found: value as unknown });
      continue;
    }
    setEntry(values, name.slice(0, -'.json'.length), value);
  }
  return values;
}

/** The `*.tmpl` files of FC_TEMPLATES, in name order. */
export async function listTemplates(folder: string, issues: ConfigIssues): Promise<string[]> {
  const names = await listFolder(folder, 'FC_TEMPLATES', issues);
  return names.filter((name) => name.endsWith('.tmpl')).map((name) => join(folder, name));
}

async function listFolder(folder: string, variable: 'FC_SETTINGS' | 'FC_TEMPLATES', issues: ConfigIssues): Promise<string[]> {
  try {
    const entries = await readdir(folder, { withFileTypes: true });
    return entries
      .filter((entry) => !entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
  } catch (error) {
    issues.error({ code: variable === 'FC_SETTINGS' ? 'PRT_ERR_CONFIG_FC_SETTINGS' : 'PRT_ERR_CONFIG_FC_TEMPLATES', file: folder, message: `cannot read the ${variable} folder: ${(error as Error).message}` });
    return [];
  }
}
