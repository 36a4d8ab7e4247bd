/** The three config formats, chosen by extension, and the `version` rule. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { formatIssue } from '../../src/config/issues.js';
import { writeConfig } from '../helpers/servers.js';
import { components } from '../helpers/components.js';

const JSON_TEXT = `{
  "version": 3,
  "name": "formats",
  "port": 9123,
  "timeout": "1.5s",
  "endpoints": [
    {
      "endpoint": "/users/{id}",
      "method": "post",
      "backend": [{ "host": ["http://users:8080"], "url_pattern": "/u/{id}", "allow": ["name"] }]
    }
  ]
}`;

const YAML_TEXT = `version: 3
name: formats
port: 9123
timeout: 1.5s
endpoints:
  - endpoint: /users/{id}
    method: post
    backend:
      - host: ["http://users:8080"]
        url_pattern: /u/{id}
        allow: [name]
`;

const TOML_TEXT = `version = 3
name = "formats"
port = 9123
timeout = "1.5s"

[[endpoints]]
endpoint = "/users/{id}"
method = "post"

[[endpoints.backend]]
host = ["http://users:8080"]
url_pattern = "/u/{id}"
allow = ["name"]
`;

async function load(text: string, name: string) {
  return loadConfig(await writeConfig(text, name), { components, env: {} });
}

describe('config formats', () => {
  for (const [name, text] of [
    ['krakend.json', JSON_TEXT],
    ['krakend.yaml', YAML_TEXT],
    ['krakend.yml', YAML_TEXT],
    ['krakend.toml', TOML_TEXT],
  ] as const) {
    it(`reads ${name} into the same normalised config`, async () => {
      const result = await load(text, name);
      assert.deepEqual(result.issues, []);
      const config = result.config;
      assert.ok(config);
      assert.equal(config.name, 'formats');
      assert.equal(config.port, 9123);
      assert.equal(config.timeoutMs, 1500);
      assert.equal(config.endpoints.length, 1);
      const endpoint = config.endpoints[0];
      assert.ok(endpoint);
      assert.equal(endpoint.path, '/users/{id}');
      assert.equal(endpoint.method, 'POST');
      assert.deepEqual(endpoint.params, ['id']);
      assert.equal(endpoint.timeoutMs, 1500);
      assert.deepEqual(endpoint.backends[0]?.hosts, ['http://users:8080']);
      assert.equal(endpoint.backends[0]?.urlPattern, '/u/{id}');
      assert.deepEqual(endpoint.backends[0]?.allow, ['name']);
    });
  }

  it('treats an unknown extension as JSON', async () => {
    const result = await load(JSON_TEXT, 'gateway.conf');
    assert.ok(result.config);
    assert.equal(result.config.port, 9123);
  });

  it('reports a JSON syntax error with its line and column', async () => {
    const text = '{\n  "version": 3,\n  "port": 8080,\n}\n';
    const result = await load(text, 'broken.json');
    assert.equal(result.config, undefined);
    const first = result.issues[0];
    assert.ok(first);
    assert.equal(first.code, 'PRT_ERR_CONFIG_SYNTAX');
    assert.equal(first.position?.line, 4);
    assert.match(formatIssue(first), /broken\.json:4:1: error PRT_ERR_CONFIG_SYNTAX/);
  });

  it('reports JSON comments as a syntax error that says how to comment', async () => {
    const result = await load('{\n  // note\n  "version": 3\n}', 'comment.json');
    assert.equal(result.config, undefined);
    assert.ok(result.issues.some((issue) => issue.code === 'PRT_ERR_CONFIG_SYNTAX' && issue.position?.line === 2 && /@comment/.test(issue.message)));
  });

  it('reports a YAML syntax error with its line', async () => {
    const result = await load('version: 3\nendpoints: [\n', 'broken.yaml');
    assert.equal(result.config, undefined);
    const first = result.issues[0];
    assert.equal(first?.code, 'PRT_ERR_CONFIG_SYNTAX');
    assert.ok(first?.position, 'a YAML syntax error has a position');
    assert.match(formatIssue(first), /^.*broken\.yaml:\d+:\d+: error PRT_ERR_CONFIG_SYNTAX: invalid YAML/);
  });

  it('reports a TOML syntax error with its line and column', async () => {
    const result = await load('version = 3\nport = \n', 'broken.toml');
    assert.equal(result.config, undefined);
    const first = result.issues[0];
    assert.equal(first?.code, 'PRT_ERR_CONFIG_SYNTAX');
    assert.equal(first?.position?.line, 2);
  });

  it('reports an empty file', async () => {
    const result = await load('', 'empty.json');
    assert.equal(result.config, undefined);
    assert.equal(result.issues[0]?.code, 'PRT_ERR_CONFIG_SYNTAX');
  });

  it('reports a missing file', async () => {
    const result = await loadConfig('/nonexistent/dir/krakend.json', { components, env: {} });
    assert.equal(result.config, undefined);
    assert.equal(result.issues[0]?.code, 'PRT_ERR_CONFIG_READ');
    assert.match(result.issues[0]?.message ?? '', /not found/);
  });

  it('refuses a config that is not an object', async () => {
    const result = await load('[1, 2]', 'array.json');
    assert.equal(result.config, undefined);
    assert.equal(result.issues[0]?.code, 'PRT_ERR_CONFIG_TYPE');
  });
});

describe('config version', () => {
  it('refuses a config without "version", pointing at the document', async () => {
    const result = await load('{\n  "port": 8080\n}\n', 'noversion.json');
    assert.equal(result.config, undefined);
    const issue = result.issues.find((item) => item.code === 'PRT_ERR_CONFIG_VERSION');
    assert.ok(issue);
    assert.equal(issue.keyPath, 'version');
    assert.match(formatIssue(issue), /noversion\.json:1:1: error PRT_ERR_CONFIG_VERSION at version: .*no "version".*expected "version": 3/);
  });

  for (const version of [2, 1, 4, '3']) {
    it(`refuses "version": ${JSON.stringify(version)} with what was expected and found`, async () => {
      const result = await load(`{\n  "port": 8080,\n  "version": ${JSON.stringify(version)}\n}\n`, 'oldversion.json');
      assert.equal(result.config, undefined);
      const issue = result.issues.find((item) => item.code === 'PRT_ERR_CONFIG_VERSION');
      assert.ok(issue, formatIssue(result.issues[0]!));
      assert.equal(issue.position?.line, 3);
      assert.equal(issue.expected, '3');
      assert.deepEqual(issue.found, version);
    });
  }

  it('refuses a YAML config with the wrong version, located', async () => {
    const result = await load('port: 1\nversion: 2\n', 'v2.yaml');
    const issue = result.issues.find((item) => item.code === 'PRT_ERR_CONFIG_VERSION');
    assert.ok(issue);
    assert.equal(issue.position?.line, 2);
  });
});
