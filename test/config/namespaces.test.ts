/** Namespaces at load time: v2-era names, namespaces Portico does not implement, Go plugins, weak types. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { LEGACY_NAMESPACES } from '../../src/config/legacy-namespaces.js';
import { request } from '../helpers/http.js';
import { startBackend, startGateway, writeConfig } from '../helpers/servers.js';
import { components } from '../helpers/components.js';

/** Parsed config objects have no prototype; compare their JSON. */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

const backend = { host: ['http://b:1'], url_pattern: '/b' };

async function load(config: Record<string, unknown> | string, options: { env?: NodeJS.ProcessEnv; allowMissingPlugins?: string[]; lint?: boolean } = {}) {
  const result = await loadConfig(await writeConfig(config), { components, env: {}, ...options });
  return { ...result, codes: result.issues.map((issue) => `${issue.severity} ${issue.code} ${issue.keyPath}`) };
}

describe('v2-era namespace names (krakend-ce main.go aliases, lura ExtraConfig.Normalize)', () => {
  it('lists the 34 names KrakenD CE 2.13 still reads, each to a different current name', () => {
    assert.equal(Object.keys(LEGACY_NAMESPACES).length, 34);
    assert.equal(new Set(Object.values(LEGACY_NAMESPACES)).size, 34);
  });

  it('reads an old name as the current one at every level, with a located warning suggesting the new name', async () => {
    const text = `{
  "version": 3,
  "extra_config": {
    "github_com/devopsfaith/krakend-cors": { "allow_origins": ["https://a.test"] }
  },
  "endpoints": [{
    "endpoint": "/a",
    "extra_config": { "github.com/devopsfaith/krakend/proxy": { "sequential": true } },
    "backend": [{ "host": ["http://b:1"], "url_pattern": "/b",
      "extra_config": { "github.com/devopsfaith/krakend/http": { "return_error_code": true } } }]
  }]
}`;
    const { config, issues, codes } = await load(text);
    assert.ok(config, codes.join('\n'));
    assert.deepEqual(codes, [
      'warning PRT_WARN_CONFIG_LEGACY_NAMESPACE extra_config["github_com/devopsfaith/krakend-cors"]',
      'warning PRT_WARN_CONFIG_LEGACY_NAMESPACE endpoints[0].extra_config["github.com/devopsfaith/krakend/proxy"]',
      'warning PRT_WARN_CONFIG_LEGACY_NAMESPACE endpoints[0].backend[0].extra_config["github.com/devopsfaith/krakend/http"]',
    ]);
    assert.deepEqual(issues.map((issue) => issue.position?.line), [4, 8, 10]);
    assert.match(issues[0]?.hint ?? '', /write "security\/cors"/);
    assert.deepEqual(plain(config.extraConfig['security/cors']), { allow_origins: ['https://a.test'] });
    assert.deepEqual(plain(config.endpoints[0]?.extraConfig['proxy']), { sequential: true });
    assert.deepEqual(plain(config.endpoints[0]?.backends[0]?.extraConfig['backend/http']), { return_error_code: true });
  });

  it('warns once per old name, naming the other places', async () => {
    const endpoints = [0, 1, 2].map((i) => ({ endpoint: `/e${i}`, extra_config: { 'github.com/devopsfaith/krakend/proxy': { sequential: false } }, backend: [backend] }));
    const { config, issues, codes } = await load({ version: 3, endpoints });
    assert.deepEqual(config?.endpoints.map((endpoint) => Object.keys(endpoint.extraConfig)), [['proxy'], ['proxy'], ['proxy']]);
    assert.deepEqual(codes, ['warning PRT_WARN_CONFIG_LEGACY_NAMESPACE endpoints[0].extra_config["github.com/devopsfaith/krakend/proxy"]']);
    assert.match(issues[0]?.message ?? '', /also used at endpoints\[1\], endpoints\[2\]$/);
  });

  it('protects an endpoint whose validator uses the old name (it was open when the name was ignored)', async () => {
    const upstream = await startBackend((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end('{"secret":true}');
    });
    const gateway = await startGateway({
      version: 3,
      endpoints: [
        {
          endpoint: '/private',
          extra_config: { 'github.com/devopsfaith/krakend-jose/validator': { alg: 'RS256', jwk_url: 'https://idp.invalid/jwks' } },
          backend: [{ host: [upstream.url], url_pattern: '/' }],
        },
      ],
    });
    try {
      const answer = await request(`${gateway.url}/private`);
      assert.equal(answer.status, 401);
      assert.equal(answer.body, '');
    } finally {
      await Promise.all([gateway.close(), upstream.close()]);
    }
  });

  it('lets the current name win when both are set, as lura does', async () => {
    const { config, codes } = await load({
      version: 3,
      extra_config: { 'github_com/devopsfaith/krakend-cors': { allow_origins: ['https://old.test'] }, 'security/cors': { allow_origins: ['https://new.test'] } },
      endpoints: [{ endpoint: '/a', backend: [backend] }],
    });
    assert.deepEqual(codes, ['warning PRT_WARN_CONFIG_LEGACY_NAMESPACE extra_config["github_com/devopsfaith/krakend-cors"]']);
    assert.deepEqual(plain(config?.extraConfig['security/cors']), { allow_origins: ['https://new.test'] });
  });

  it('locates a later error inside a renamed block where the user wrote it', async () => {
    const text = `{
  "version": 3,
  "endpoints": [{
    "endpoint": "/a",
    "extra_config": { "github.com/devopsfaith/krakend/proxy": { "sequential": "yes" } },
    "backend": [{ "host": ["http://b:1"], "url_pattern": "/b" }]
  }]
}`;
    const { issues } = await load(text);
    const error = issues.find((issue) => issue.severity === 'error');
    assert.equal(error?.keyPath, 'endpoints[0].extra_config.proxy.sequential');
    assert.equal(error?.position?.line, 5);
  });

  it('leaves names KrakenD does not alias (github.com/ spelling of a github_com/ name) unknown', async () => {
    const { codes } = await load({ version: 3, extra_config: { 'github.com/devopsfaith/krakend-cors': {} }, endpoints: [{ endpoint: '/a', backend: [backend] }] });
    assert.deepEqual(codes, ['warning PRT_WARN_CONFIG_UNKNOWN_NAMESPACE extra_config["github.com/devopsfaith/krakend-cors"]']);
  });
});

describe('namespaces Portico does not implement', () => {
  it('are reported once per namespace and level, naming the other places', async () => {
    const endpoints = [0, 1, 2].map((i) => ({ endpoint: `/e${i}`, extra_config: { 'telemetry/made-up': {} }, backend: [{ ...backend, extra_config: { 'telemetry/made-up': {} } }] }));
    const { config, issues, codes } = await load({ version: 3, extra_config: { 'telemetry/made-up': {} }, endpoints });
    assert.ok(config);
    assert.deepEqual([...codes].sort(), [
      'warning PRT_WARN_CONFIG_UNKNOWN_NAMESPACE endpoints[0].backend[0].extra_config["telemetry/made-up"]',
      'warning PRT_WARN_CONFIG_UNKNOWN_NAMESPACE endpoints[0].extra_config["telemetry/made-up"]',
      'warning PRT_WARN_CONFIG_UNKNOWN_NAMESPACE extra_config["telemetry/made-up"]',
    ]);
    const atEndpoints = issues.find((issue) => issue.keyPath === 'endpoints[0].extra_config["telemetry/made-up"]');
    assert.match(atEndpoints?.message ?? '', /also used at endpoints\[1\], endpoints\[2\]$/);
    const atBackends = issues.find((issue) => issue.keyPath.startsWith('endpoints[0].backend[0]'));
    assert.match(atBackends?.message ?? '', /also used at endpoints\[1\]\.backend\[0\], endpoints\[2\]\.backend\[0\]$/);
  });

  it('are errors, still once each, with check --lint', async () => {
    const endpoints = [0, 1].map((i) => ({ endpoint: `/e${i}`, extra_config: { 'made/up': {} }, backend: [backend] }));
    const { config, codes } = await load({ version: 3, endpoints }, { lint: true });
    assert.equal(config, undefined);
    assert.deepEqual(codes, ['error PRT_ERR_CONFIG_UNKNOWN_NAMESPACE endpoints[0].extra_config["made/up"]']);
  });
});

describe('Go plugins', () => {
  const withPlugins = {
    version: 3,
    plugin: { pattern: '.so', folder: './plugins/' },
    extra_config: { 'plugin/http-server': { name: ['auth-gate', 'headers'], 'auth-gate': { realm: 'x' } } },
    endpoints: [
      { endpoint: '/a', extra_config: { 'plugin/req-resp-modifier': { name: ['headers'] } }, backend: [{ ...backend, extra_config: { 'plugin/http-client': { name: 'custom-client' } } }] },
      { endpoint: '/b', backend: [{ ...backend, extra_config: { 'github.com/devopsfaith/krakend/transport/http/client/executor': { name: 'custom-client' } } }] },
    ],
  };

  it('refuse the start with one error per missing plugin, naming every place it is used and the way out', async () => {
    const { config, issues, codes } = await load(withPlugins);
    assert.equal(config, undefined);
    assert.deepEqual(codes.filter((code) => code.startsWith('error')), [
      'error PRT_ERR_CONFIG_PLUGIN_MISSING extra_config["plugin/http-server"]',
      'error PRT_ERR_CONFIG_PLUGIN_MISSING extra_config["plugin/http-server"]',
      'error PRT_ERR_CONFIG_PLUGIN_MISSING endpoints[0].backend[0].extra_config["plugin/http-client"]',
    ]);
    const headers = issues.find((issue) => issue.message.includes('"headers"'));
    assert.match(headers?.message ?? '', /used at extra_config\["plugin\/http-server"\]\.name, endpoints\[0\]\.extra_config\["plugin\/req-resp-modifier"\]\.name;/);
    assert.match(headers?.hint ?? '', /docs\/plugins\.md.*--allow-missing-plugin headers.*PORTICO_ALLOW_MISSING_PLUGINS=headers/);
    const client = issues.find((issue) => issue.message.includes('"custom-client"'));
    assert.match(client?.message ?? '', /endpoints\[1\]\.backend\[0\]/, 'the legacy name counts too');
    assert.ok(codes.includes('warning PRT_WARN_CONFIG_PLUGIN plugin.folder'), 'the plugin folder does not exist');
  });

  it('start when every named plugin is allowed to be missing (option or environment), with one warning each', async () => {
    const { config, codes } = await load(withPlugins, { allowMissingPlugins: ['auth-gate', 'headers'], env: { PORTICO_ALLOW_MISSING_PLUGINS: 'custom-client, other' } });
    assert.ok(config, codes.join('\n'));
    assert.deepEqual(codes.filter((code) => code.includes('PRT_WARN_CONFIG_UNSUPPORTED')).length, 3); // one per plugin
    assert.ok(codes.every((code) => !code.startsWith('error')));
  });

  it('still refuse a plugin that was not allowed', async () => {
    const { config, codes } = await load(withPlugins, { allowMissingPlugins: ['headers', 'custom-client'] });
    assert.equal(config, undefined);
    assert.deepEqual(codes.filter((code) => code.startsWith('error')), ['error PRT_ERR_CONFIG_PLUGIN_MISSING extra_config["plugin/http-server"]']);
  });
});

describe("KrakenD's weakly typed reading of root, endpoint and backend keys (koanf + mapstructure)", () => {
  it('converts what mapstructure converts, with a warning each', async () => {
    const { config, codes } = await load({
      version: 3,
      port: '8081',
      disable_rest: 'false',
      host: 'http://root:1',
      endpoints: [
        { endpoint: '/a', concurrent_calls: '2', backend: [{ url_pattern: '/b', input_headers: 'X-A', is_collection: 1 }] },
        { endpoint: '/b', concurrent_calls: true, backend: [backend] },
      ],
    });
    assert.ok(config, codes.join('\n'));
    assert.deepEqual(codes, [
      'warning PRT_WARN_CONFIG_WEAK_TYPE port',
      'warning PRT_WARN_CONFIG_WEAK_TYPE host',
      'warning PRT_WARN_CONFIG_WEAK_TYPE disable_rest',
      'warning PRT_WARN_CONFIG_WEAK_TYPE endpoints[0].concurrent_calls',
      'warning PRT_WARN_CONFIG_WEAK_TYPE endpoints[0].backend[0].input_headers',
      'warning PRT_WARN_CONFIG_WEAK_TYPE endpoints[0].backend[0].is_collection',
      'warning PRT_WARN_CONFIG_WEAK_TYPE endpoints[1].concurrent_calls',
    ].sort((a, b) => codes.indexOf(a) - codes.indexOf(b)));
    assert.equal(config.port, 8081);
    assert.equal(config.disableRest, false);
    assert.deepEqual(config.hosts, ['http://root:1']);
    assert.deepEqual(config.endpoints.map((endpoint) => endpoint.concurrentCalls), [2, 1]);
    assert.deepEqual(config.endpoints[0]?.backends[0]?.inputHeaders, ['X-A']);
    assert.equal(config.endpoints[0]?.backends[0]?.isCollection, true);
  });

  it('still refuses what mapstructure cannot convert', async () => {
    const { config, codes } = await load({ version: 3, endpoints: [{ endpoint: '/a', concurrent_calls: 'two', backend: [backend] }] });
    assert.equal(config, undefined);
    assert.deepEqual(codes, ['error PRT_ERR_CONFIG_TYPE endpoints[0].concurrent_calls']);
  });
});

describe('a supported namespace at a level its component does not read', () => {
  it('is ignored as KrakenD ignores it, with a warning naming the level it belongs to and every other place', async () => {
    const cache = { 'qos/http-cache': { shared: true } };
    const { config, issues } = await load({
      version: 3,
      endpoints: [
        { endpoint: '/a', extra_config: cache, backend: [backend] },
        { endpoint: '/b', extra_config: cache, backend: [backend] },
      ],
    });
    assert.ok(config);
    const warnings = issues.filter((issue) => issue.code === 'PRT_WARN_CONFIG_NAMESPACE_LEVEL');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]?.message ?? '', /"qos\/http-cache" is read at the backend level only.*also used at endpoints\[1\]/);
    assert.ok(!issues.some((issue) => issue.code === 'PRT_WARN_CONFIG_UNKNOWN_NAMESPACE'));
  });

  it('is an error with --lint, and an unknown namespace keeps its own code', async () => {
    const { config, codes } = await load(
      { version: 3, endpoints: [{ endpoint: '/a', extra_config: { 'qos/http-cache': {}, 'no/such-thing': {} }, backend: [backend] }] },
      { lint: true },
    );
    assert.equal(config, undefined);
    assert.ok(codes.some((code) => code.startsWith('error PRT_ERR_CONFIG_NAMESPACE_LEVEL')), codes.join('\n'));
    assert.ok(codes.some((code) => code.startsWith('error PRT_ERR_CONFIG_UNKNOWN_NAMESPACE')), codes.join('\n'));
  });
});
