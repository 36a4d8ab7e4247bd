/** Defaults, durations, comment keys, unknown keys and environment overrides. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import type { LoadOptions } from '../../src/config/load.js';
import { formatIssue } from '../../src/config/issues.js';
import { writeConfig } from '../helpers/servers.js';
import { components } from '../helpers/components.js';

const backend = { host: ['http://b:1'], url_pattern: '/b' };

async function load(config: Record<string, unknown>, options: Partial<LoadOptions> = {}) {
  return loadConfig(await writeConfig(config), { env: {}, ...options, components });
}

describe('config defaults', () => {
  it("applies KrakenD's defaults to a minimal config", async () => {
    const result = await load({ version: 3, endpoints: [{ endpoint: '/a', backend: [backend] }] });
    assert.deepEqual(result.issues, []);
    const config = result.config;
    assert.ok(config);
    assert.equal(config.port, 8080);
    assert.equal(config.timeoutMs, 2000);
    assert.equal(config.outputEncoding, 'json');
    assert.equal(config.cacheTtlMs, 0);
    assert.equal(config.debugEndpoint, false);
    assert.equal(config.echoEndpoint, false);
    assert.equal(config.transport.maxIdleConnectionsPerHost, 250);
    const endpoint = config.endpoints[0];
    assert.ok(endpoint);
    assert.equal(endpoint.method, 'GET');
    assert.equal(endpoint.timeoutMs, 2000);
    assert.equal(endpoint.outputEncoding, 'json');
    assert.deepEqual(endpoint.inputHeaders, ['Content-Type']);
    assert.deepEqual(endpoint.inputQueryStrings, []);
    assert.equal(endpoint.concurrentCalls, 1);
    const first = endpoint.backends[0];
    assert.ok(first);
    assert.equal(first.method, 'GET', 'a backend inherits the endpoint method');
    assert.equal(first.encoding, 'json');
    assert.equal(first.isCollection, false);
  });

  it('lets endpoints inherit root timeout, cache_ttl, output_encoding and host', async () => {
    const result = await load({
      version: 3,
      timeout: '3s',
      cache_ttl: '5m',
      output_encoding: 'string',
      host: ['root-host:9000'],
      endpoints: [
        { endpoint: '/inherit', method: 'PUT', backend: [{ url_pattern: '/x' }] },
        { endpoint: '/own', timeout: '100ms', cache_ttl: '1s', output_encoding: 'json', backend: [{ host: ['https://own'], url_pattern: 'y' }] },
      ],
    });
    assert.deepEqual(result.issues, []);
    const [inherit, own] = result.config?.endpoints ?? [];
    assert.equal(inherit?.timeoutMs, 3000);
    assert.equal(inherit?.cacheTtlMs, 300_000);
    assert.equal(inherit?.outputEncoding, 'string');
    assert.deepEqual(inherit?.backends[0]?.hosts, ['http://root-host:9000'], 'http:// is assumed, as in lura');
    assert.equal(inherit?.backends[0]?.method, 'PUT');
    assert.equal(own?.timeoutMs, 100);
    assert.equal(own?.cacheTtlMs, 1000);
    assert.equal(own?.outputEncoding, 'json');
    assert.deepEqual(own?.backends[0]?.hosts, ['https://own']);
    assert.equal(own?.backends[0]?.urlPattern, '/y', 'a leading slash is added to url_pattern');
  });

  it('canonicalises input_headers names', async () => {
    const result = await load({ version: 3, endpoints: [{ endpoint: '/a', input_headers: ['x-custom-header', 'authorization'], backend: [backend] }] });
    assert.deepEqual(result.config?.endpoints[0]?.inputHeaders, ['X-Custom-Header', 'Authorization']);
  });
});

describe('config durations', () => {
  for (const [text, ms] of [
    ['1.5s', 1500],
    ['300ms', 300],
    ['150us', 0.15],
    ['150µs', 0.15],
    ['1m', 60_000],
    ['1m30s', 90_000],
    ['2h', 7_200_000],
    ['0', 0],
  ] as const) {
    it(`reads "${text}" as ${ms} ms`, async () => {
      const result = await load({ version: 3, read_timeout: text, endpoints: [{ endpoint: '/a', timeout: text === '0' ? '1s' : text, backend: [backend] }] });
      assert.deepEqual(result.issues.map(formatIssue), []);
      assert.equal(result.config?.server.readTimeoutMs, ms);
      if (text !== '0') assert.equal(result.config?.endpoints[0]?.timeoutMs, ms);
    });
  }

  for (const text of ['2', '2 s', 's', '1.5', '1d', '', 'ten seconds']) {
    it(`refuses the duration ${JSON.stringify(text)}`, async () => {
      const result = await load({ version: 3, timeout: text });
      assert.equal(result.config, undefined);
      const issue = result.issues.find((item) => item.keyPath === 'timeout');
      assert.equal(issue?.code, 'PRT_ERR_CONFIG_DURATION');
    });
  }
});

describe('config comments and unknown keys', () => {
  it('ignores keys starting with @ $ _ # at every level, without warnings', async () => {
    const result = await load({
      version: 3,
      '@comment': 'root',
      $schema: 'https://www.krakend.io/schema/krakend.json',
      _note: 1,
      '#tag': true,
      extra_config: { '@ns-comment': 'x', router: { '@why': 'because', return_error_msg: true } },
      endpoints: [
        {
          endpoint: '/a',
          '@comment': 'endpoint',
          '#x': [],
          backend: [{ ...backend, $ref: 'not-a-ref', _private: {}, extra_config: { '@c': 1 } }],
        },
      ],
    });
    assert.deepEqual(result.issues.map(formatIssue), []);
    assert.ok(result.config);
  });

  it('warns once per unknown key and namespace, and still loads', async () => {
    const result = await load({
      version: 3,
      colour: 'blue',
      extra_config: { 'example/unknown': { a: 1 } },
      endpoints: [{ endpoint: '/a', mystery: 1, backend: [{ ...backend, urlpattern: '/typo', extra_config: { 'other/ns': {} } }] }],
    });
    assert.ok(result.config, 'unknown keys do not stop the gateway');
    const warnings = result.issues.filter((issue) => issue.severity === 'warning');
    assert.deepEqual(warnings.map((warning) => `${warning.code} ${warning.keyPath}`).sort(), [
      'PRT_WARN_CONFIG_UNKNOWN_KEY colour',
      'PRT_WARN_CONFIG_UNKNOWN_KEY endpoints[0].backend[0].urlpattern',
      'PRT_WARN_CONFIG_UNKNOWN_KEY endpoints[0].mystery',
      'PRT_WARN_CONFIG_UNKNOWN_NAMESPACE endpoints[0].backend[0].extra_config["other/ns"]',
      'PRT_WARN_CONFIG_UNKNOWN_NAMESPACE extra_config["example/unknown"]',
    ]);
    for (const warning of warnings) assert.ok(warning.position, `${warning.keyPath} is located`);
  });

  it('turns unknown keys and namespaces into errors with lint', async () => {
    const result = await load({ version: 3, colour: 'blue', extra_config: { 'example/unknown': {} } }, { lint: true });
    assert.equal(result.config, undefined);
    assert.deepEqual(result.issues.map((issue) => `${issue.severity} ${issue.code} ${issue.keyPath}`).sort(), [
      'error PRT_ERR_CONFIG_UNKNOWN_KEY colour',
      'error PRT_ERR_CONFIG_UNKNOWN_NAMESPACE extra_config["example/unknown"]',
    ]);
  });

  it('lints unknown keys inside a known namespace', async () => {
    const result = await load({ version: 3, extra_config: { router: { return_error_msg: true, retrun_error_msg: true } } }, { lint: true });
    assert.equal(result.config, undefined);
    assert.equal(result.issues[0]?.keyPath, 'extra_config.router.retrun_error_msg');
  });
});

describe('config environment overrides', () => {
  const config = { version: 3, port: 7000, timeout: '3s', name: 'file', endpoints: [{ endpoint: '/a', backend: [backend] }] };

  it('KRAKEND_PORT overrides the file', async () => {
    const result = await load(config, { env: { KRAKEND_PORT: '9100' } });
    assert.equal(result.config?.port, 9100);
  });

  it('PORTICO_PORT overrides the file and wins over KRAKEND_PORT', async () => {
    assert.equal((await load(config, { env: { PORTICO_PORT: '9200' } })).config?.port, 9200);
    assert.equal((await load(config, { env: { KRAKEND_PORT: '9100', PORTICO_PORT: '9200' } })).config?.port, 9200);
    assert.equal((await load(config, { env: { PORTICO_PORT: '9200', KRAKEND_PORT: '9100' } })).config?.port, 9200);
  });

  it('KRAKEND_TIMEOUT overrides the root timeout that endpoints inherit', async () => {
    const result = await load(config, { env: { KRAKEND_TIMEOUT: '750ms' } });
    assert.equal(result.config?.timeoutMs, 750);
    assert.equal(result.config?.endpoints[0]?.timeoutMs, 750);
  });

  it('KRAKEND_NAME and boolean overrides are converted to the key type', async () => {
    const result = await load(config, { env: { KRAKEND_NAME: 'from-env', PORTICO_ECHO_ENDPOINT: 'true' } });
    assert.equal(result.config?.name, 'from-env');
    assert.equal(result.config?.echoEndpoint, true);
  });

  it('names the variable when an override is invalid', async () => {
    const result = await load(config, { env: { KRAKEND_PORT: 'eighty', PORTICO_TIMEOUT: 'soon' } });
    assert.equal(result.config, undefined);
    const port = result.issues.find((issue) => issue.keyPath === 'port');
    const timeout = result.issues.find((issue) => issue.keyPath === 'timeout');
    assert.match(port?.hint ?? '', /KRAKEND_PORT/);
    assert.match(timeout?.hint ?? '', /PORTICO_TIMEOUT/);
  });

  it('ignores unrelated variables', async () => {
    const result = await load(config, { env: { KRAKEND_UNKNOWN: 'x', PORT: '1' } });
    assert.equal(result.config?.port, 7000);
  });
});
