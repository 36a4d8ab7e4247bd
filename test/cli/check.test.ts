/** `portico check`, `version`, `--help` and usage errors, run as a real process. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { CLI_PATH, runCli } from '../helpers/cli.js';
import { writeConfig } from '../helpers/servers.js';

const BROKEN = `{
  "version": 3,
  "timeout": "fast",
  "endpoints": [
    { "endpoint": "/__health", "backend": [{ "host": ["http://a:1"], "url_pattern": "/x" }] },
    { "endpoint": "/users/{id}", "backend": [{ "host": ["http://a:1"], "url_pattern": "/u/{uid}" }] },
    { "endpoint": "/p", "concurrent_calls": "many", "backend": [{ "host": ["http://a:1"], "url_pattern": "/1" }] }
  ]
}
`;

/** `line:column` (1-based) where `needle` first appears in BROKEN. */
function where(needle: string): string {
  const lines = BROKEN.split('\n');
  const index = lines.findIndex((line) => line.includes(needle));
  return `${index + 1}:${(lines[index] as string).indexOf(needle) + 1}`;
}

const VALID = { version: 3, endpoints: [{ endpoint: '/a', backend: [{ host: ['http://a:1'], url_pattern: '/a' }] }] };

describe('portico check', () => {
  it('prints every error with file:line:col and exits 1', async () => {
    const file = await writeConfig(BROKEN);
    const result = await runCli(['check', '-c', file]);
    assert.equal(result.code, 1, result.stderr);
    const errorLines = result.stderr.split('\n').filter((line) => / error PRT_ERR_CONFIG_/.test(line));
    assert.deepEqual(
      errorLines.map((line) => line.replace(/ at (\S+):.*/, ' $1')),
      [
        `${file}:${where('"timeout"')}: error PRT_ERR_CONFIG_DURATION timeout`,
        `${file}:${where('"concurrent_calls"')}: error PRT_ERR_CONFIG_TYPE endpoints[2].concurrent_calls`,
        `${file}:${where('"endpoint": "/__health"')}: error PRT_ERR_CONFIG_RESERVED_PATH endpoints[0].endpoint`,
        `${file}:${where('"url_pattern": "/u/{uid}"')}: error PRT_ERR_CONFIG_UNDEFINED_PARAM endpoints[1].backend[0].url_pattern`,
      ],
    );
    assert.match(result.stderr, /4 error\(s\)/);
    assert.equal(result.stdout, '');
  });

  it('exits 0 and says OK for a valid config', async () => {
    const result = await runCli(['check', '-c', await writeConfig(VALID)]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /OK \(1 endpoints\)/);
  });

  it("reads Go's micro sign in either spelling (U+00B5, U+03BC) through the bundled command and validator", async () => {
    for (const micro of ['\u00b5', '\u03bc']) {
      const result = await runCli(['check', '-c', await writeConfig({ ...VALID, timeout: `5000${micro}s` })]);
      assert.equal(result.code, 0, result.stderr);
    }
    const wrong = await runCli(['check', '-c', await writeConfig({ ...VALID, timeout: '5000xs' })]);
    assert.equal(wrong.code, 1);
  });

  it('ships its scripts in Latin-1: V8 would hold a script with any other character as UTF-16, twice the memory', () => {
    // The entry, then the bundled command it loads and the generated code.
    assert.equal(/[^\x00-\xff]/.exec(readFileSync(CLI_PATH, 'utf8'))?.[0], undefined, CLI_PATH);
    const generated = (file: string): string => CLI_PATH.replace(/cli[\\/]portico\.js$/, `config/${file}`);
    const scripts = [CLI_PATH.replace(/portico\.js$/, 'portico-command.cjs'), generated('config-validator.generated.js'), generated('ajv-drafts.generated.cjs'), generated('json-schema-meta.2020-12.generated.cjs')];
    for (const script of scripts) {
      const text = readFileSync(script, 'utf8');
      assert.ok(text.length > 20_000, script);
      assert.equal(/[^\x00-\xff]/.exec(text)?.[0], undefined, script);
    }
  });

  it('prints warnings for unknown keys but still exits 0', async () => {
    const result = await runCli(['check', '--config', await writeConfig({ ...VALID, colour: 'blue' })]);
    assert.equal(result.code, 0);
    assert.match(result.stderr, /:\d+:\d+: warning PRT_WARN_CONFIG_UNKNOWN_KEY at colour/);
  });

  it('--lint turns unknown keys and namespaces into errors', async () => {
    const file = await writeConfig({ ...VALID, colour: 'blue', extra_config: { 'made/up': {} } });
    const result = await runCli(['check', '-c', file, '--lint']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error PRT_ERR_CONFIG_UNKNOWN_KEY at colour/);
    assert.match(result.stderr, /error PRT_ERR_CONFIG_UNKNOWN_NAMESPACE at extra_config\["made\/up"\]/);
    assert.doesNotMatch(result.stderr, / warning /);
  });

  it('refuses a config naming a Go plugin unless --allow-missing-plugin names it', async () => {
    const file = await writeConfig({ ...VALID, extra_config: { 'plugin/http-server': { name: ['gate', 'log'] } } });
    const refused = await runCli(['check', '-c', file, '--allow-missing-plugin', 'log']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /error PRT_ERR_CONFIG_PLUGIN_MISSING at extra_config\["plugin\/http-server"\]: plugin "gate" is not loaded.*--allow-missing-plugin gate/);
    assert.doesNotMatch(refused.stderr, /error .*"log"/);
    const allowed = await runCli(['check', '-c', file, '--allow-missing-plugin', 'log', '--allow-missing-plugin', 'gate']);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.match(allowed.stderr, /warning PRT_WARN_CONFIG_UNSUPPORTED .*plugin "gate" is not loaded/);
  });

  it('checks YAML configs too', async () => {
    const file = await writeConfig('version: 3\nendpoints:\n  - endpoint: /a/{id}\n    backend:\n      - host: [http://a:1]\n        url_pattern: /b/{x}\n', 'krakend.yml');
    const result = await runCli(['check', '-c', file]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`${file.replace(/[.]/g, '\\.')}:6:\\d+: error PRT_ERR_CONFIG_UNDEFINED_PARAM`));
  });

  it('gives a one-line error and the usage for a missing file', async () => {
    const result = await runCli(['check', '-c', '/nonexistent/krakend.json']);
    assert.notEqual(result.code, 0);
    const [first, second, third] = result.stderr.split('\n');
    assert.match(first ?? '', /^portico: .*not found.*\/nonexistent\/krakend\.json$/);
    assert.equal(second, '');
    assert.match(third ?? '', /^Usage: portico check/);
  });

  it('gives a one-line error and the usage when --config is missing', async () => {
    const result = await runCli(['check']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /^portico: missing --config FILE\n\nUsage: portico check/);
  });

  it('gives a one-line error and the usage for an unknown flag', async () => {
    const result = await runCli(['check', '-c', 'x.json', '--frobnicate']);
    assert.notEqual(result.code, 0);
    const lines = result.stderr.split('\n');
    assert.match(lines[0] ?? '', /^portico: .*--frobnicate/);
    assert.match(lines[2] ?? '', /^Usage: portico check/);
  });

  it('gives a one-line error and the main usage for an unknown command', async () => {
    const result = await runCli(['launch']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /^portico: unknown command "launch"\n\nUsage: portico <command>/);
  });
});

describe('portico version and help', () => {
  it('version prints the version and exits 0', async () => {
    const result = await runCli(['version']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^Portico \d+\.\d+\.\d+/);
  });

  it('--help prints the commands and exits 0', async () => {
    const result = await runCli(['--help']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /Usage: portico <command>/);
    for (const command of ['run', 'check', 'version']) assert.match(result.stdout, new RegExp(`^  ${command} `, 'm'));
  });

  for (const command of ['run', 'check', 'version']) {
    it(`${command} --help prints that command's usage and exits 0`, async () => {
      const result = await runCli([command, '--help']);
      assert.equal(result.code, 0);
      assert.match(result.stdout, new RegExp(`^Usage: portico ${command}`));
    });
  }

  it('run --help lists its flags', async () => {
    const result = await runCli(['run', '-h']);
    for (const flag of ['--config', '--port', '--debug', '--workers']) assert.ok(result.stdout.includes(flag), flag);
  });
});
