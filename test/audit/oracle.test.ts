/**
 * Portico's audit against the real `krakend audit` on the same fixtures: for krakend-audit's rules, the
 * same recommendations (id, severity and message) must be reported. Runs only when KRAKEND_BIN names a KrakenD CE binary (skipped otherwise).
 * A fixture KrakenD's parser refuses (an endpoint without backends) is skipped: there is nothing to compare.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { audit } from '../../src/audit/audit.js';
import { buildSubject } from '../../src/audit/subject.js';
import { runCli } from '../helpers/cli.js';
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

/** From dist/test/audit/ the repository root is three levels up. */
const DEMO = fileURLToPath(new URL('../../../examples/demo/krakend.json', import.meta.url));

/** Templates KrakenD's audit takes, and some it refuses: Portico must print the same and exit the same. */
const TEMPLATES = [
  undefined,
  '{{ marshal . }}',
  '{{ if .Recommendations }}{{ len .Recommendations }} found{{ else }}clean{{ end }}',
  '{{ range $i, $r := .Recommendations }}{{ $i }}:{{ $r.Rule }}{{ if eq $r.Severity "HIGH" "CRITICAL" }}!{{ end }} {{ end }}',
  '{{ range .Recommendations }}{{ printf "%-6s|%8s|%q" .Rule .Severity .Message }};{{ end }}',
  '{{ define "r" }}[{{ .Rule }}]{{ end }}{{ range .Recommendations }}{{ template "r" . }}{{ end }}',
  '{{ range .Recommendations }}{{ colored .Severity }} {{ end }}{{ marshal .Stats }}',
  '{{ . }}',
  '{{ index .Recommendations 0 }}',
  '{{ .Nope }}',
  '{{ upper .Rule }}',
  '{{ colored 3 }}',
  '{{ range .Recommendations }}',
];

describe('audit -f compared with krakend audit -f on the demo config', { skip: KRAKEND_BIN === undefined ? 'set KRAKEND_BIN to a KrakenD CE binary' : false }, () => {
  for (const template of TEMPLATES) {
    it(`same stderr and exit status for ${template ?? 'the default template'}`, async () => {
      const args = ['audit', '-c', DEMO, ...(template === undefined ? [] : ['-f', template])];
      const krakend = await run(KRAKEND_BIN as string, args, { timeout: 20_000 }).then(
        (result) => ({ code: 0, stderr: result.stderr }),
        (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
      );
      const ours = await runCli(args);
      assert.deepEqual({ code: ours.code, stderr: ours.stderr }, krakend);
    });
  }
});
