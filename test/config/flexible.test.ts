/**
 * Flexible configuration (FC_ENABLE): the -c file is a Go template rendered once with FC_SETTINGS,
 * FC_PARTIALS and FC_TEMPLATES, optionally written to FC_OUT, then parsed and checked like any config.
 * The fixture tree is test/config/fixtures/flexible; its expected rendering is what KrakenD's renderer
 * (Go text/template + Sprig) produced for the same files.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { formatIssue } from '../../src/config/issues.js';
import { cleanEnv, runCli } from '../helpers/cli.js';
import { components } from '../helpers/components.js';

function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!(existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src')))) dir = dirname(dir);
  return dir;
}

const FIXTURE = join(repositoryRoot(), 'test', 'config', 'fixtures', 'flexible');
const ENTRY = join(FIXTURE, 'krakend.tmpl');
const FC_ENV = {
  FC_ENABLE: '1',
  FC_SETTINGS: join(FIXTURE, 'settings'),
  FC_PARTIALS: join(FIXTURE, 'partials'),
  FC_TEMPLATES: join(FIXTURE, 'templates'),
};

const EXPECTED_RENDERING = `{
  "version": 3,
  "name": "fixture gateway",
  "port": 8123,
  "timeout": "2s",
  "extra_config": {
    "security/cors": { "allow_origins": ["*"], "max_age": "12h" }

  },
  "endpoints": [
    {
      "endpoint": "/users/{id}",
      "method": "GET",
      "backend": [{
        "host": ["http://127.0.0.1:9"],
        "url_pattern": "/u/{id}"
      }
]
    }
,
    {
      "endpoint": "/orders",
      "method": "POST",
      "backend": [{
        "host": ["http://127.0.0.1:9"],
        "url_pattern": "/o",
        "allow": ["id","total"]
      }
]
    }

  ]
}
`;

async function scratch(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'portico-fc-'));
}

describe('flexible configuration', () => {
  it('renders settings, partials and sub-templates exactly as KrakenD, then loads the result', async () => {
    const result = await loadConfig(ENTRY, { components, env: FC_ENV });
    assert.equal(result.rendered?.text, EXPECTED_RENDERING);
    assert.deepEqual(result.issues.filter((issue) => issue.severity === 'error'), []);
    const config = result.config;
    assert.ok(config);
    assert.equal(config.port, 8123);
    assert.deepEqual(
      config.endpoints.map((endpoint) => [endpoint.method, endpoint.path]),
      [
        ['GET', '/users/{id}'],
        ['POST', '/orders'],
      ],
    );
  });

  it('writes FC_OUT, and later problems point at lines of that file', async () => {
    const dir = await scratch();
    const out = join(dir, 'rendered.json');
    const template = join(dir, 'krakend.tmpl');
    await writeFile(template, '{\n  "version": 3,\n  "timeout": "{{ env "TIMEOUT" }}",\n  "endpoints": []\n}\n');
    const result = await loadConfig(template, { components, env: { FC_ENABLE: '1', FC_OUT: out, TIMEOUT: 'soon' } });
    assert.equal(await readFile(out, 'utf8'), '{\n  "version": 3,\n  "timeout": "soon",\n  "endpoints": []\n}\n');
    const error = result.issues.find((issue) => issue.code === 'PRT_ERR_CONFIG_DURATION');
    assert.ok(error, result.issues.map(formatIssue).join('\n'));
    assert.equal(error.file, out);
    assert.deepEqual(error.position, { line: 3, column: 3 });
  });

  it('an FC_OUT that cannot be written stops the start', async () => {
    const dir = await scratch();
    const template = join(dir, 'krakend.tmpl');
    await writeFile(template, '{ "version": 3, "endpoints": [] }');
    const result = await loadConfig(template, { components, env: { FC_ENABLE: '1', FC_OUT: join(dir, 'missing-folder', 'out.json') } });
    assert.equal(result.config, undefined);
    assert.equal(result.issues[0]?.code, 'PRT_ERR_CONFIG_FC_OUT');
  });

  it("parses the rendering by FC_OUT's extension, and as JSON without FC_OUT whatever the -c extension", async () => {
    const dir = await scratch();
    const template = join(dir, 'krakend.yaml');
    await writeFile(template, 'version: 3\nport: {{ add 8000 80 }}\nendpoints: []\n');
    const asYaml = await loadConfig(template, { components, env: { FC_ENABLE: '1', FC_OUT: join(dir, 'out.yml') } });
    assert.equal(asYaml.config?.port, 8080);
    const asJson = await loadConfig(template, { components, env: { FC_ENABLE: '1' } });
    assert.equal(asJson.config, undefined);
    const syntax = asJson.issues.find((issue) => issue.code === 'PRT_ERR_CONFIG_SYNTAX');
    assert.ok(syntax);
    assert.equal(syntax.file, `${template} (rendered)`);
  });

  it('without FC_ENABLE the file is read as it is', async () => {
    const result = await loadConfig(ENTRY, { components, env: { ...FC_ENV, FC_ENABLE: '' } });
    assert.equal(result.config, undefined);
    assert.ok(result.issues.some((issue) => issue.code === 'PRT_ERR_CONFIG_SYNTAX'));
  });

  it('a template error names the template file, line, column and the failing call', async () => {
    const dir = await scratch();
    const templates = join(dir, 'templates');
    await mkdir(templates);
    await writeFile(join(dir, 'krakend.tmpl'), '{ "version": 3, "endpoints": [ {{ template "endpoints.tmpl" . }} ] }');
    await writeFile(join(templates, 'endpoints.tmpl'), '\n\n  {{ index .hosts 2 }}');
    const result = await loadConfig(join(dir, 'krakend.tmpl'), { components, env: { FC_ENABLE: '1', FC_TEMPLATES: templates } });
    assert.equal(result.config, undefined);
    const [error] = result.issues;
    assert.ok(error);
    assert.equal(formatIssue(error), `${join(templates, 'endpoints.tmpl')}:3:6: error PRT_ERR_CONFIG_TEMPLATE: at <index .hosts 2>: error calling index: index of untyped nil`);
  });

  it('a missing partial inserts nothing, as in KrakenD, with a located warning', async () => {
    const dir = await scratch();
    const template = join(dir, 'krakend.tmpl');
    await writeFile(template, '{\n  "version": 3,{{ include "nope.json" }}\n  "endpoints": []\n}');
    const result = await loadConfig(template, { components, env: { FC_ENABLE: '1', FC_PARTIALS: dir } });
    assert.ok(result.config);
    const warning = result.issues.find((issue) => issue.code === 'PRT_WARN_CONFIG_FC_PARTIAL');
    assert.ok(warning);
    assert.equal(warning.file, template);
    assert.deepEqual(warning.position, { line: 2, column: 19 });
  });

  it('a settings file that is not a JSON object stops the start, as KrakenD does', async () => {
    const dir = await scratch();
    const settings = join(dir, 'settings');
    await mkdir(settings);
    await writeFile(join(settings, 'list.json'), '[1, 2]');
    await writeFile(join(settings, 'broken.json'), '{\n  "a": 1,\n}');
    await writeFile(join(dir, 'krakend.tmpl'), '{ "version": 3, "endpoints": [] }');
    const result = await loadConfig(join(dir, 'krakend.tmpl'), { components, env: { FC_ENABLE: '1', FC_SETTINGS: settings } });
    assert.equal(result.config, undefined);
    const errors = result.issues.map(formatIssue);
    assert.equal(errors.length, 2, errors.join('\n'));
    assert.match(errors[0] ?? '', /broken\.json:3:1: error PRT_ERR_CONFIG_FC_SETTINGS: invalid JSON in a settings file/);
    assert.match(errors[1] ?? '', /list\.json: error PRT_ERR_CONFIG_FC_SETTINGS: a settings file must hold a JSON object/);

    const missing = await loadConfig(join(dir, 'krakend.tmpl'), { components, env: { FC_ENABLE: '1', FC_SETTINGS: join(dir, 'nope') } });
    assert.equal(missing.issues[0]?.code, 'PRT_ERR_CONFIG_FC_SETTINGS');
  });
});

describe('portico check with a flexible configuration', () => {
  it('-d prints the rendered configuration, then checks it', async () => {
    const result = await runCli(['check', '-d', '-c', ENTRY], { env: cleanEnv(FC_ENV) });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${EXPECTED_RENDERING}${ENTRY}: OK (2 endpoints)\n`);
  });

  it('a template error exits 1 with the position', async () => {
    const dir = await scratch();
    const template = join(dir, 'krakend.tmpl');
    await writeFile(template, '{\n  "version": {{ .service.version | upper }}\n}');
    const result = await runCli(['check', '-c', template], { env: cleanEnv({ FC_ENABLE: '1' }) });
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`${template.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:36: error PRT_ERR_CONFIG_TEMPLATE: at <upper>: invalid value; expected string`));
  });
});
