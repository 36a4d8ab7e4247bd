/** Every config error names file, line, column and key path, and all of them come out in one run. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { formatIssue } from '../../src/config/issues.js';
import type { ConfigIssue } from '../../src/config/issues.js';
import { writeConfig } from '../helpers/servers.js';
import { components } from '../helpers/components.js';

/** 1-based line of the first line containing `needle`. */
function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((line) => line.includes(needle));
  assert.notEqual(index, -1, `${needle} is in the fixture`);
  return index + 1;
}

const BROKEN = `{
  "version": 3,
  "timeout": "2 seconds",
  "port": "eighty",
  "endpoints": [
    {
      "endpoint": "/fine",
      "backend": [{ "host": ["http://a:1"], "url_pattern": "/fine" }]
    },
    {
      "endpoint": "/users/{id}",
      "backend": [{ "host": ["http://a:1"], "url_pattern": "/users/{user}" }]
    },
    {
      "endpoint": "/orders",
      "cache_ttl": 30,
      "backend": [{ "host": ["http://a:1"], "url_pattern": "/orders", "is_collection": "yes" }]
    }
  ]
}
`;

function find(issues: ConfigIssue[], keyPath: string): ConfigIssue {
  const issue = issues.find((item) => item.keyPath === keyPath && item.severity === 'error');
  assert.ok(issue, `an error at ${keyPath}; got:\n${issues.map(formatIssue).join('\n')}`);
  return issue;
}

describe('config errors', () => {
  it('reports every error of a file in one run, each with file:line:col and key path', async () => {
    const file = await writeConfig(BROKEN, 'broken.json');
    const result = await loadConfig(file, { components, env: {} });
    assert.equal(result.config, undefined);
    const errors = result.issues.filter((issue) => issue.severity === 'error');
    assert.ok(errors.length >= 5, `five errors, got ${errors.length}`);
    for (const error of errors) {
      assert.equal(error.file, file);
      assert.ok(error.position, `${error.keyPath} has a position`);
      assert.ok(error.keyPath !== '', 'a key path');
      assert.match(error.code, /^PRT_ERR_CONFIG_[A-Z_]+$/);
      assert.ok(formatIssue(error).startsWith(`${file}:${error.position.line}:${error.position.column}: error ${error.code} at ${error.keyPath}: `));
    }

    const timeout = find(errors, 'timeout');
    assert.equal(timeout.code, 'PRT_ERR_CONFIG_DURATION');
    assert.equal(timeout.position?.line, lineOf(BROKEN, '"timeout"'));
    assert.equal(timeout.found, '2 seconds');
    assert.match(timeout.expected ?? '', /duration/);

    const port = find(errors, 'port');
    assert.equal(port.code, 'PRT_ERR_CONFIG_TYPE');
    assert.equal(port.position?.line, lineOf(BROKEN, '"port"'));
    assert.equal(port.expected, 'an integer');

    const urlPattern = find(errors, 'endpoints[1].backend[0].url_pattern');
    assert.equal(urlPattern.code, 'PRT_ERR_CONFIG_UNDEFINED_PARAM');
    assert.equal(urlPattern.position?.line, lineOf(BROKEN, '/users/{user}'));
    assert.equal(urlPattern.found, '/users/{user}');
    assert.match(urlPattern.message, /\{user\}/);
    assert.match(urlPattern.expected ?? '', /\{id\}/);

    const cacheTtl = find(errors, 'endpoints[2].cache_ttl');
    assert.equal(cacheTtl.position?.line, lineOf(BROKEN, '"cache_ttl"'));
    assert.equal(cacheTtl.found, 30);

    const isCollection = find(errors, 'endpoints[2].backend[0].is_collection');
    assert.equal(isCollection.code, 'PRT_ERR_CONFIG_TYPE');
    assert.equal(isCollection.position?.line, lineOf(BROKEN, '"is_collection"'));
    assert.equal(isCollection.expected, 'a boolean');
  });

  it('points at the key, not at its value, in JSON', async () => {
    const text = '{\n  "version": 3,\n  "port":\n    "x"\n}\n';
    const result = await loadConfig(await writeConfig(text), { components, env: {} });
    const port = find(result.issues, 'port');
    assert.deepEqual(port.position, { line: 3, column: 3 });
  });

  it('points a missing required key at its parent', async () => {
    const text = '{\n  "version": 3,\n  "endpoints": [\n    {\n      "endpoint": "/a"\n    }\n  ]\n}\n';
    const result = await loadConfig(await writeConfig(text), { components, env: {} });
    const missing = find(result.issues, 'endpoints[0].backend');
    assert.equal(missing.code, 'PRT_ERR_CONFIG_REQUIRED');
    assert.equal(missing.position?.line, 4);
  });

  it('locates errors in YAML files by line', async () => {
    const text = 'version: 3\nendpoints:\n  - endpoint: /a/{id}\n    backend:\n      - host: ["http://a:1"]\n        url_pattern: /a/{other}\n';
    const result = await loadConfig(await writeConfig(text, 'krakend.yaml'), { components, env: {} });
    const issue = find(result.issues, 'endpoints[0].backend[0].url_pattern');
    assert.equal(issue.position?.line, 6);
    assert.match(formatIssue(issue), /krakend\.yaml:6:\d+: error PRT_ERR_CONFIG_UNDEFINED_PARAM at endpoints\[0\]\.backend\[0\]\.url_pattern/);
  });

  it('locates errors in TOML files by line when the key is unambiguous', async () => {
    const text = 'version = 3\ntimeout = "soon"\n\n[[endpoints]]\nendpoint = "/a"\n[[endpoints.backend]]\nhost = ["http://a:1"]\nurl_pattern = "/a"\n';
    const result = await loadConfig(await writeConfig(text, 'krakend.toml'), { components, env: {} });
    const issue = find(result.issues, 'timeout');
    assert.equal(issue.position?.line, 2);
  });

  it('quotes key path parts that are not plain identifiers', async () => {
    const text = JSON.stringify({ version: 3, extra_config: { 'qos/unknown': {} } }, null, 2);
    const result = await loadConfig(await writeConfig(text), { components, env: {}, lint: true });
    const issue = result.issues.find((item) => item.code === 'PRT_ERR_CONFIG_UNKNOWN_NAMESPACE');
    assert.ok(issue);
    assert.equal(issue.keyPath, 'extra_config["qos/unknown"]');
  });
});
