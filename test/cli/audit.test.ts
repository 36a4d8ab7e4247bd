/** `portico audit` run as a real process: flags, output forms and exit statuses. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { writeConfig } from '../helpers/servers.js';
import { cleanConfig } from '../audit/fixtures.js';
import { assertSarifShape } from '../helpers/sarif.js';

/** A small config, formatted so line numbers are predictable. */
const OPEN = `{
  "version": 3,
  "timeout": "4s",
  "extra_config": { "router": { "forwarded_by_client_ip": true }, "made/up": {} },
  "endpoints": [
    { "endpoint": "/a", "input_headers": ["*"], "backend": [{ "host": ["http://127.0.0.1:9"], "url_pattern": "/a" }] }
  ]
}
`;

/** `{ line, column }` (1-based) where `needle` first appears in OPEN. */
function where(needle: string): { line: number; column: number } {
  const lines = OPEN.split('\n');
  const index = lines.findIndex((line) => line.includes(needle));
  return { line: index + 1, column: (lines[index] as string).indexOf(needle) + 1 };
}

/** Rule ids in the default text report (one `id\t[SEVERITY]   \tmessage` line each). */
function reportedIds(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => /^\S+\t\[[A-Z]+\] {3}\t/.test(line))
    .map((line) => line.split('\t')[0] as string);
}

describe('portico audit', () => {
  it("prints KrakenD's default report on stderr and exits 1 when there are recommendations", async () => {
    const result = await runCli(['audit', '-c', await writeConfig(OPEN)]);
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stdout, '');
    const ids = reportedIds(result.stderr);
    for (const id of ['1.2.1', '2.1.2', '2.2.1', '2.2.3', '3.1.2', '3.3.1', '5.2.2', 'P2.2.6', 'P7.4.2']) assert.ok(ids.includes(id), `${id} missing from ${ids.join(' ')}`);
    assert.match(result.stderr, /^2\.2\.3\t\[HIGH\] {3}\tAvoid passing all input headers to the backend\.$/m);
  });

  it('exits 0 with no output when nothing is left to report', async () => {
    const file = await writeConfig(cleanConfig());
    const result = await runCli(['audit', '-c', file, '-s', 'CRITICAL,HIGH']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '');
    assert.doesNotMatch(result.stderr, /\t\[/);
  });

  it('-s keeps the named severities (spaces and case do not matter) and refuses unknown ones', async () => {
    const file = await writeConfig(OPEN);
    const high = await runCli(['audit', '-c', file, '-s', 'high, critical']);
    assert.equal(high.code, 1);
    assert.ok(reportedIds(high.stderr).length > 0);
    assert.ok(high.stderr.split('\n').filter((line) => line.includes('\t[')).every((line) => /\t\[(HIGH|CRITICAL)\]/.test(line)), high.stderr);
    const typo = await runCli(['audit', '-c', file, '-s', 'HIHG']);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /--severity expects/);
  });

  it('-i and -I silence rules', async () => {
    const file = await writeConfig(OPEN);
    const all = reportedIds((await runCli(['audit', '-c', file])).stderr);
    const ignoreFile = join(dirname(file), 'audit-ignore');
    await writeFile(ignoreFile, '# accepted risks\n3.1.2\n\n P2.2.6 \n');
    const result = await runCli(['audit', '-c', file, '-i', '1.2.1,2.1.2', '-I', ignoreFile]);
    assert.deepEqual(
      reportedIds(result.stderr),
      all.filter((id) => !['1.2.1', '2.1.2', '3.1.2', 'P2.2.6'].includes(id)),
    );
    const everything = await runCli(['audit', '-c', file, '-i', all.join(',')]);
    assert.equal(everything.code, 0, 'nothing left: exit 0');
    const missing = await runCli(['audit', '-c', file, '-I', join(dirname(file), 'nope')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read the ignore file/);
  });

  it('-f renders a template; {{ marshal . }} gives the JSON KrakenD prints', async () => {
    const file = await writeConfig(OPEN);
    const ids = await runCli(['audit', '-c', file, '-s', 'HIGH', '-f', '{{ range .Recommendations }}{{ .Rule }},{{ end }}']);
    assert.equal(ids.code, 1);
    assert.equal(ids.stderr, '1.2.1,2.1.2,2.1.7,2.2.2,2.2.3,3.1.2,3.1.3,P2.2.6,');
    const marshalled = await runCli(['audit', '-c', file, '-s', 'CRITICAL,HIGH', '-i', '1.2.1', '-f', '{{ marshal . }}']);
    const parsed = JSON.parse(marshalled.stderr) as { recommendations: Record<string, string>[]; stats: object };
    assert.deepEqual(Object.keys(parsed), ['recommendations', 'stats']);
    assert.deepEqual(parsed.recommendations[0], { rule: '2.1.2', severity: 'HIGH', message: 'Enable TLS or use a terminator in front of KrakenD.' });
    const conditional = await runCli(['audit', '-c', file, '-s', 'CRITICAL', '-f', '{{ if .Recommendations }}found{{ else }}clean{{ end }}']);
    assert.deepEqual([conditional.code, conditional.stderr], [0, 'clean']);
    const unparsable = await runCli(['audit', '-c', file, '-f', '{{ upper .Rule }}']);
    assert.deepEqual([unparsable.code, unparsable.stderr], [1, 'ERROR parsing the template:\ttemplate: audit:1: function "upper" not defined\n\n']);
    const failing = await runCli(['audit', '-c', file, '-f', '{{ .Nope }}']);
    assert.deepEqual([failing.code, failing.stderr], [1, 'ERROR rendering the results:\ttemplate: audit:1:3: executing "audit" at <.Nope>: can\'t evaluate field Nope in type audit.AuditResult\n\n']);
  });

  it('--format json prints the report with key locations on stdout', async () => {
    const file = await writeConfig(OPEN);
    const result = await runCli(['audit', '-c', file, '--format', 'json']);
    assert.equal(result.code, 1);
    const report = JSON.parse(result.stdout) as { recommendations: { rule: string; severity: string; message: string; locations: { keyPath: string; line?: number; column?: number }[] }[] };
    const byRule = new Map(report.recommendations.map((recommendation) => [recommendation.rule, recommendation]));
    assert.deepEqual(byRule.get('2.2.3')?.locations, [{ keyPath: 'endpoints[0].input_headers', ...where('"input_headers"') }]);
    assert.deepEqual(byRule.get('3.3.1')?.locations, [{ keyPath: 'timeout', ...where('"timeout"') }]);
    assert.deepEqual(byRule.get('P7.4.2')?.locations, [{ keyPath: 'extra_config["made/up"]', ...where('"made/up"') }]);
    assert.deepEqual(byRule.get('2.1.2')?.locations, []);
    const clean = await runCli(['audit', '-c', await writeConfig(cleanConfig()), '--format', 'json', '-s', 'CRITICAL']);
    assert.equal(clean.code, 0);
    assert.deepEqual(JSON.parse(clean.stdout), { recommendations: [], stats: {} });
  });

  it('--format sarif gives one SARIF result per location, rule id = audit rule, level by severity', async () => {
    const file = await writeConfig(OPEN);
    const result = await runCli(['audit', '-c', file, '--format', 'sarif', '-s', 'HIGH,LOW']);
    assert.equal(result.code, 1);
    const log: unknown = JSON.parse(result.stdout);
    assertSarifShape(log);
    const results = log.runs[0]?.results ?? [];
    const headers = results.find((entry) => entry.ruleId === '2.2.3');
    assert.equal(headers?.level, 'error');
    assert.deepEqual(headers?.locations[0]?.physicalLocation.region, { startLine: where('"input_headers"').line, startColumn: where('"input_headers"').column });
    assert.equal(results.find((entry) => entry.ruleId === '3.3.1')?.level, 'note');
    const tls = results.find((entry) => entry.ruleId === '2.1.2');
    assert.equal(tls?.locations[0]?.physicalLocation.region, undefined, 'a missing feature points at the file');
    assert.ok(results.every((entry) => entry.ruleId !== '2.2.1'), '-s applies');
  });

  it('audits configs that portico run refuses, and says so', async () => {
    const config = cleanConfig();
    (config['endpoints'] as unknown[]).push({ endpoint: '/files/*', backend: [{ host: ['http://127.0.0.1:9'], url_pattern: '/f' }] });
    // The clean fixture's telemetry namespaces are ignored by Portico (P7.4.2); its TLS files do not exist:
    // 2 errors for `run`, none stopping the audit. The wildcard endpoint is served, and audited (5.1.4).
    const result = await runCli(['audit', '-c', await writeConfig(config), '-i', 'P7.4.2']);
    assert.equal(result.code, 1);
    assert.deepEqual(reportedIds(result.stderr), ['5.1.4']);
    assert.match(result.stderr, /note: .* also has 2 configuration error\(s\)/);
  });

  it('exits 1 on a file it cannot parse and 2 on usage mistakes', async () => {
    const broken = await runCli(['audit', '-c', await writeConfig('{ "version": 3, ')]);
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /ERROR parsing the configuration file:\n\t.*PRT_ERR_CONFIG_SYNTAX/);
    const v2 = await runCli(['audit', '-c', await writeConfig({ version: 2, endpoints: [] })]);
    assert.equal(v2.code, 1);
    assert.match(v2.stderr, /PRT_ERR_CONFIG_VERSION/);
    assert.equal((await runCli(['audit'])).code, 2);
    assert.equal((await runCli(['audit', '-c', '/nonexistent/krakend.json'])).code, 2);
    const help = await runCli(['audit', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /-I, --ignore-file FILE/);
  });
});
