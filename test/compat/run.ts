/**
 * `npm run test:compat`: runs Portico's own spec suite (test/compat/fixtures) and fails on any miss.
 * `node dist/test/compat/run.js --config <krakend.json> --specs <dir> [--only a,b]` runs any suite in
 * KrakenD's format, for instance KrakenD CE's tests/fixtures, and prints a summary.
 */
import { parseArgs } from 'node:util';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSuite } from './spec-runner.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..', '..');
const { values } = parseArgs({
  options: {
    config: { type: 'string' },
    specs: { type: 'string' },
    only: { type: 'string' },
  },
});

const configFile = values.config ?? join(repoRoot, 'test', 'compat', 'fixtures', 'krakend.json');
const specsDir = values.specs ?? join(repoRoot, 'test', 'compat', 'fixtures', 'specs');
const results = await runSuite({
  configFile,
  specsDir,
  cliPath: join(repoRoot, 'dist', 'src', 'cli', 'portico.js'),
  only: values.only ? values.only.split(',') : [],
  log: (line) => process.stdout.write(`${line}\n`),
});
const failed = results.filter((result) => !result.passed);
process.stdout.write(`\n${results.length - failed.length}/${results.length} specs passed (${configFile})\n`);
process.exitCode = failed.length === 0 ? 0 : 1;
