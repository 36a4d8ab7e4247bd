/** `portico check --format json|sarif` and `check -t`, run as a real process. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { assertSarifShape } from '../helpers/sarif.js';
import type { SarifLog } from '../helpers/sarif.js';
import { writeConfig } from '../helpers/servers.js';
import { ConfigIssues } from '../../src/config/issues.js';
import { loadConfig } from '../../src/config/load.js';
import { testRoutes } from '../../src/runtime/test-routes.js';
import { components } from '../helpers/components.js';

const BROKEN = `{
  "version": 3,
  "timeout": "fast",
  "colour": "blue",
  "endpoints": [
    { "endpoint": "/users/{id}", "backend": [{ "host": ["http://a:1"], "url_pattern": "/u/{uid}" }] }
  ]
}
`;

const VALID = { version: 3, endpoints: [{ endpoint: '/a', backend: [{ host: ['http://127.0.0.1:9'], url_pattern: '/a' }] }] };

function where(text: string, needle: string): { line: number; column: number } {
  const lines = text.split('\n');
  const index = lines.findIndex((line) => line.includes(needle));
  return { line: index + 1, column: (lines[index] as string).indexOf(needle) + 1 };
}

describe('portico check --format', () => {
  it('json lists every issue with file, line, column, key path and code, and exits 1 on errors', async () => {
    const file = await writeConfig(BROKEN);
    const result = await runCli(['check', '-c', file, '--format', 'json']);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, '');
    const report = JSON.parse(result.stdout) as { file: string; valid: boolean; errors: number; warnings: number; issues: Record<string, unknown>[] };
    assert.equal(report.file, file);
    assert.equal(report.valid, false);
    assert.equal(report.errors, 2);
    assert.equal(report.warnings, 1);
    const timeout = report.issues.find((issue) => issue['code'] === 'PRT_ERR_CONFIG_DURATION');
    assert.deepEqual(timeout && { ...timeout, message: typeof timeout['message'] }, {
      code: 'PRT_ERR_CONFIG_DURATION',
      severity: 'error',
      file,
      ...where(BROKEN, '"timeout"'),
      keyPath: 'timeout',
      message: 'string',
    });
    assert.ok(report.issues.some((issue) => issue['code'] === 'PRT_WARN_CONFIG_UNKNOWN_KEY' && issue['severity'] === 'warning' && issue['keyPath'] === 'colour'));
    assert.ok(report.issues.some((issue) => issue['code'] === 'PRT_ERR_CONFIG_UNDEFINED_PARAM' && issue['keyPath'] === 'endpoints[0].backend[0].url_pattern'));
  });

  it('json says valid and exits 0 for a good config', async () => {
    const result = await runCli(['check', '-c', await writeConfig(VALID), '--format', 'json']);
    assert.equal(result.code, 0);
    assert.deepEqual(JSON.parse(result.stdout), { file: JSON.parse(result.stdout).file, valid: true, errors: 0, warnings: 0, endpoints: 1, issues: [] });
  });

  it('sarif is a SARIF 2.1.0 log with one result per issue, rule id = code', async () => {
    const file = await writeConfig(BROKEN);
    const result = await runCli(['check', '-c', file, '--format', 'sarif']);
    assert.equal(result.code, 1);
    const log = JSON.parse(result.stdout) as SarifLog;
    assertSarifShape(log);
    const run = log.runs[0] as SarifLog['runs'][number];
    assert.equal(run.results.length, 3);
    for (const entry of run.results) {
      assert.equal(run.tool.driver.rules[entry.ruleIndex]?.id, entry.ruleId, 'ruleIndex points at its rule');
      assert.equal(entry.locations[0]?.physicalLocation.artifactLocation.uri, new URL(`file://${file}`).href);
    }
    const timeout = run.results.find((entry) => entry.ruleId === 'PRT_ERR_CONFIG_DURATION');
    const at = where(BROKEN, '"timeout"');
    assert.deepEqual(timeout?.locations[0]?.physicalLocation.region, { startLine: at.line, startColumn: at.column });
    assert.deepEqual(timeout?.locations[0]?.logicalLocations, [{ fullyQualifiedName: 'timeout', kind: 'member' }]);
    assert.equal(timeout?.level, 'error');
    assert.equal(run.results.find((entry) => entry.ruleId === 'PRT_WARN_CONFIG_UNKNOWN_KEY')?.level, 'warning');

    const clean = await runCli(['check', '-c', await writeConfig(VALID), '--format', 'sarif']);
    assert.equal(clean.code, 0);
    assert.deepEqual((JSON.parse(clean.stdout) as SarifLog).runs[0]?.results, []);
  });

  it('refuses an unknown format', async () => {
    const result = await runCli(['check', '-c', await writeConfig(VALID), '--format', 'xml']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--format expects one of text, json, sarif/);
  });
});

describe('portico check -t', () => {
  const backend = [{ host: ['http://127.0.0.1:9'], url_pattern: '/x' }];

  it('passes a config whose endpoints all build and answer their own paths', async () => {
    const config = { version: 3, endpoints: [{ endpoint: '/users/{id}', backend }, { endpoint: '/users/me', backend }, { endpoint: '/a b', backend }, { endpoint: '/users/{id}', method: 'DELETE', backend }] };
    const result = await runCli(['check', '-c', await writeConfig(config), '-t']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /OK \(4 endpoints\)/);
  });

  it('reaches wildcard endpoints below their explicit siblings, and every method of a method list', async () => {
    const config = { version: 3, endpoints: [{ endpoint: '/files/*', method: ['GET', 'HEAD'], backend }, { endpoint: '/files/{id}', backend }, { endpoint: '/files/{id}/meta', backend }, { endpoint: '/*', backend }] };
    const result = await runCli(['check', '-c', await writeConfig(config), '-t'], { timeoutMs: 30_000 });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /OK \(5 endpoints\)/);
  });

  it('reports endpoints no request reaches and a second handler on the health path', async () => {
    const text = JSON.stringify({ version: 3, extra_config: { router: { health_path: '/status' } }, endpoints: [{ endpoint: '/status', backend }, { endpoint: '/search?q', backend }, { endpoint: '/ok', backend }] }, null, 2);
    const file = await writeConfig(text);
    const plain = await runCli(['check', '-c', file]);
    assert.equal(plain.code, 0, 'the loader alone accepts it');
    const result = await runCli(['check', '-c', file, '--test-gin-routes', '--format', 'json']);
    assert.equal(result.code, 1);
    const issues = (JSON.parse(result.stdout) as { issues: { code: string; keyPath: string; line: number; message: string }[] }).issues;
    assert.deepEqual(
      issues.map((issue) => [issue.code, issue.keyPath, issue.line]),
      [
        ['PRT_ERR_CHECK_ROUTES', 'endpoints[0].endpoint', where(text, '"endpoint": "/status"').line],
        ['PRT_ERR_CHECK_ROUTES', 'endpoints[1].endpoint', where(text, '"endpoint": "/search?q"').line],
      ],
    );
    assert.match(issues[1]?.message ?? '', /a client sends \/search/);
  });

  it('turns a failure to build the gateway into PRT_ERR_CHECK_BUILD instead of throwing', async () => {
    const file = await writeConfig(VALID);
    const loaded = await loadConfig(file, { components, env: {} });
    assert.ok(loaded.config);
    // A config the loader would never produce: the gateway's build step trips over it.
    (loaded.config.endpoints[0] as { backends: unknown }).backends = undefined;
    const issues = new ConfigIssues(file);
    await testRoutes(loaded.config, issues, components);
    assert.deepEqual(
      issues.list.map((issue) => issue.code),
      ['PRT_ERR_CHECK_BUILD'],
    );
  });
});
