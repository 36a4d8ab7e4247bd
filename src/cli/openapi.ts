/**
 * `portico openapi import SPEC [--host URL] [-o FILE]` and `portico openapi export -c FILE [-o FILE]`.
 * JSON on stdout by default; `-o` writes the file, as YAML when its name ends in .yaml or .yml.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { formatIssue } from '../config/issues.js';
import type { ConfigExtensions } from '../config/extensions.js';
import { loadConfig } from '../config/load.js';
import { exportOpenApi } from '../openapi/export.js';
import { importOpenApi, OpenApiError } from '../openapi/import.js';

export const OPENAPI_USAGE = `Usage: portico openapi import SPEC [--host URL] [-o FILE]
       portico openapi export -c FILE [-o FILE]

  import           writes a KrakenD configuration with one endpoint per operation of the OpenAPI 3
                   document SPEC (JSON or YAML); the backend host is the first server's, or --host
  export           writes an OpenAPI 3.0 document of the gateway's public API, with the descriptions
                   of the documentation/openapi blocks (KrakenD EE's keys)
  --host URL       backend origin for import (http://service:port)
  -c, --config     the configuration to export
  -o, --output     write this file (YAML when it ends in .yaml or .yml) instead of JSON on stdout
  -h, --help       show this help`;

/** Returns the exit status: 0 done, 1 a bad document or config, 2 a usage mistake. */
export async function openapiCommand(args: string[], components: ConfigExtensions): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { host: { type: 'string' }, config: { type: 'string', short: 'c' }, output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    return usage((error as Error).message.split('\n')[0] as string);
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    process.stdout.write(`${OPENAPI_USAGE}\n`);
    return 0;
  }
  const [action, spec, ...extra] = positionals;
  if (extra.length > 0) return usage(`unexpected argument "${extra[0] as string}"`);
  if (action === 'import') {
    if (spec === undefined) return usage('missing SPEC');
    let document: unknown;
    try {
      const text = await readFile(spec, 'utf8');
      document = /\.json$/i.test(spec) ? JSON.parse(text) : (await loadYaml()).parse(text);
    } catch (error) {
      process.stderr.write(`cannot read ${spec}: ${(error as Error).message}\n`);
      return 1;
    }
    try {
      const result = importOpenApi(document, values.host === undefined ? {} : { host: values.host });
      for (const note of result.notes) process.stderr.write(`${spec}: ${note}\n`);
      await emit(result.config, values.output);
      return 0;
    } catch (error) {
      if (!(error instanceof OpenApiError)) throw error;
      process.stderr.write(`${spec}: ${error.message}\n`);
      return 1;
    }
  }
  if (action === 'export') {
    if (spec !== undefined) return usage(`unexpected argument "${spec}"`);
    if (values.config === undefined) return usage('missing --config FILE');
    const result = await loadConfig(values.config, { components });
    const errors = result.issues.filter((issue) => issue.severity === 'error');
    if (result.config === undefined || errors.length > 0) {
      for (const issue of errors) process.stderr.write(`${formatIssue(issue)}\n`);
      return 1;
    }
    await emit(exportOpenApi(result.config), values.output);
    return 0;
  }
  return usage(action === undefined ? 'missing import or export' : `unknown action "${action}"`);
}

async function emit(document: unknown, output: string | undefined): Promise<void> {
  if (output === undefined) {
    process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    return;
  }
  await writeFile(output, /\.ya?ml$/i.test(output) ? (await loadYaml()).stringify(document) : `${JSON.stringify(document, null, 2)}\n`);
}

/** Loaded by the openapi command only: imported with the CLI, yaml cost every gateway ~7 MB of memory. */
function loadYaml(): Promise<typeof import('yaml')> {
  return import('yaml');
}

function usage(message: string): number {
  process.stderr.write(`${message}\n\n${OPENAPI_USAGE}\n`);
  return 2;
}
