/**
 * Portico's audit against the real `krakend audit` on the same fixtures: for krakend-audit's rules, the
 * same recommendations (id, severity and message) must be reported. Runs only when KRAKEND_BIN names a KrakenD CE binary (skipped otherwise).
 * A fixture KrakenD's parser refuses (an endpoint without backends) is skipped: there is nothing to compare.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { audit } from '../../src/audit/audit.js';
import { buildSubject } from '../../src/audit/subject.js';
import { writeConfig } from '../helpers/servers.js';
import { TRIGGERS, cleanConfig } from './fixtures.js';

const run = promisify(execFile);
const KRAKEND_BIN = process.env['KRAKEND_BIN'];

interface Marshalled {
  rule: string;
  severity: string;
  message: string;
}

async function krakendRecommendations(file: string): Promise<Marshalled[] | undefined> {
  const result = await run(KRAKEND_BIN as string, ['audit', '-c', file, '-f', '{{ marshal . }}'], { timeout: 20_000 }).catch(
    (error: { stdout: string; stderr: string; code: number }) => error,
  );
  if (/ERROR parsing the configuration file/.test(result.stderr + result.stdout)) return undefined;
  return (JSON.parse(result.stderr) as { recommendations: Marshalled[] }).recommendations;
}

describe('audit compared with krakend audit', { skip: KRAKEND_BIN === undefined ? 'set KRAKEND_BIN to a KrakenD CE binary' : false }, () => {
  const cases: [string, () => Record<string, unknown>][] = [
    ['clean', cleanConfig],
    ...Object.entries(TRIGGERS).map(([id, trigger]): [string, () => Record<string, unknown>] => [
      id,
      () => {
        const config = cleanConfig();
        trigger(config);
        return config;
      },
    ]),
  ];
  for (const [name, make] of cases) {
    it(`same KrakenD recommendations for the ${name} fixture`, async () => {
      const config = make();
      const expected = await krakendRecommendations(await writeConfig(config));
      if (expected === undefined) return;
      const ours = audit(buildSubject(config))
        .Recommendations.filter((recommendation) => !recommendation.Rule.startsWith('P'))
        .map((recommendation) => ({ rule: recommendation.Rule, severity: recommendation.Severity, message: recommendation.Message }));
      assert.deepEqual(ours, expected);
    });
  }
});
