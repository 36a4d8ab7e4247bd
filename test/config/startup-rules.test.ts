/** The rules KrakenD enforces when it starts, each reported with its code and key path. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { formatIssue } from '../../src/config/issues.js';
import { writeConfig } from '../helpers/servers.js';
import { components } from '../helpers/components.js';

const host = ['http://b:1'];
const backend = (urlPattern = '/b', extra: Record<string, unknown> = {}) => ({ host, url_pattern: urlPattern, ...extra });

async function issuesOf(endpoints: unknown[], root: Record<string, unknown> = {}) {
  const result = await loadConfig(await writeConfig({ version: 3, ...root, endpoints }), { components, env: {} });
  return { config: result.config, errors: result.issues.filter((issue) => issue.severity === 'error'), warnings: result.issues.filter((issue) => issue.severity === 'warning') };
}

function codes(list: { code: string; keyPath: string }[]): string[] {
  return list.map((issue) => `${issue.code} ${issue.keyPath}`);
}

describe('start-up rules', () => {
  for (const path of ['/__health', '/__debug/x', '/__echo', '/__echo/{a}', '/__stats', '/__catchall']) {
    it(`refuses the reserved path ${path}`, async () => {
      const { config, errors } = await issuesOf([{ endpoint: path, backend: [backend()] }]);
      assert.equal(config, undefined);
      assert.deepEqual(codes(errors), ['PRT_ERR_CONFIG_RESERVED_PATH endpoints[0].endpoint']);
    });
  }

  it('accepts paths that only look like reserved ones', async () => {
    const { config, errors } = await issuesOf([
      { endpoint: '/__healthy', backend: [backend()] },
      { endpoint: '/api/__health', backend: [backend()] },
    ]);
    assert.deepEqual(codes(errors), []);
    assert.equal(config?.endpoints.length, 2);
  });

  it('adds a missing leading slash with a warning, as KrakenD does', async () => {
    const { config, warnings } = await issuesOf([{ endpoint: 'no-slash', backend: [backend()] }]);
    assert.equal(config?.endpoints[0]?.path, '/no-slash');
    assert.deepEqual(codes(warnings), ['PRT_WARN_CONFIG_ENDPOINT_SLASH endpoints[0].endpoint']);
  });

  it('serves an empty or missing endpoint at "/" with a warning, as lura\'s CleanPath does', async () => {
    const { config, errors, warnings } = await issuesOf([{ endpoint: '', backend: [backend()] }, { method: 'POST', backend: [backend('/other')] }, { endpoint: '/{a}', backend: [backend('/x/{a}')] }]);
    assert.deepEqual(codes(errors), []);
    assert.deepEqual(config?.endpoints.map((endpoint) => endpoint.path), ['/', '/', '/{a}']);
    assert.deepEqual(codes(warnings), ['PRT_WARN_CONFIG_ENDPOINT_SLASH endpoints[0].endpoint', 'PRT_WARN_CONFIG_ENDPOINT_SLASH endpoints[1].endpoint']);
    assert.match(warnings[0]?.message ?? '', /empty/);
    assert.match(warnings[1]?.message ?? '', /missing/);
  });

  it('warns for a CORS max_age without a unit (krakend-cors ignores it) but refuses a number (KrakenD panics on it)', async () => {
    const unitless = await issuesOf([{ endpoint: '/a', backend: [backend()] }], { extra_config: { 'security/cors': { max_age: '86400' } } });
    assert.deepEqual(codes(unitless.errors), []);
    assert.deepEqual(codes(unitless.warnings), ['PRT_WARN_CONFIG_IGNORED_VALUE extra_config["security/cors"].max_age']);
    const numeric = await issuesOf([{ endpoint: '/a', backend: [backend()] }], { extra_config: { 'security/cors': { max_age: 86400 } } });
    assert.deepEqual(codes(numeric.errors), ['PRT_ERR_CONFIG_TYPE extra_config["security/cors"].max_age']);
  });

  it('warns for a wrong-typed security/http header key, refuses a wrong-typed host check or redirect key', async () => {
    const headers = await issuesOf([{ endpoint: '/a', backend: [backend()] }], { extra_config: { 'security/http': { sts_seconds: '31536000', frame_deny: 'true' } } });
    assert.deepEqual(codes(headers.errors), []);
    assert.deepEqual(codes(headers.warnings), ['PRT_WARN_CONFIG_IGNORED_VALUE extra_config["security/http"].sts_seconds', 'PRT_WARN_CONFIG_IGNORED_VALUE extra_config["security/http"].frame_deny']);
    assert.equal(headers.warnings[0]?.found, '31536000');
    const guards = await issuesOf([{ endpoint: '/a', backend: [backend()] }], { extra_config: { 'security/http': { allowed_hosts: 'api.example.com', ssl_redirect: 'true' } } });
    assert.deepEqual(codes(guards.errors), ['PRT_ERR_CONFIG_TYPE extra_config["security/http"].allowed_hosts', 'PRT_ERR_CONFIG_TYPE extra_config["security/http"].ssl_redirect']);
  });

  it('refuses an endpoint without backends', async () => {
    const empty = await issuesOf([{ endpoint: '/a', backend: [] }]);
    assert.deepEqual(codes(empty.errors), ['PRT_ERR_CONFIG_NO_BACKENDS endpoints[0].backend']);
    const missing = await issuesOf([{ endpoint: '/a' }]);
    assert.deepEqual(codes(missing.errors), ['PRT_ERR_CONFIG_REQUIRED endpoints[0].backend']);
  });

  it('refuses a {var} in url_pattern that the endpoint does not define', async () => {
    const { errors } = await issuesOf([{ endpoint: '/users/{id}', backend: [backend('/u/{id}'), backend('/v/{user_id}')] }]);
    assert.deepEqual(codes(errors), ['PRT_ERR_CONFIG_UNDEFINED_PARAM endpoints[0].backend[1].url_pattern']);
    assert.match(errors[0]?.message ?? '', /\{user_id\}/);
  });

  it('accepts response and JWT placeholders in url_pattern', async () => {
    const { errors } = await issuesOf([{ endpoint: '/a/{id}', backend: [backend('/x/{id}?user={JWT.sub}'), backend('/y/{resp0_id}')] }]);
    assert.deepEqual(codes(errors), []);
  });

  it('reads concurrent_calls 0 as 1, as lura does', async () => {
    const { config, errors } = await issuesOf([{ endpoint: '/a', concurrent_calls: 0, backend: [backend()] }]);
    assert.deepEqual(codes(errors), []);
    assert.equal(config?.endpoints[0]?.concurrentCalls, 1);
  });

  it('refuses a no-op endpoint with two backends', async () => {
    const { errors } = await issuesOf([{ endpoint: '/a', output_encoding: 'no-op', backend: [backend('/1'), backend('/2')] }]);
    assert.deepEqual(codes(errors), ['PRT_ERR_CONFIG_NOOP_BACKENDS endpoints[0].output_encoding']);
  });

  it('forces the backend encoding of a no-op endpoint to no-op', async () => {
    const { config } = await issuesOf([{ endpoint: '/a', output_encoding: 'no-op', backend: [backend('/1', { encoding: 'json' })] }]);
    assert.equal(config?.endpoints[0]?.backends[0]?.encoding, 'no-op');
  });

  it('refuses the same method and path twice', async () => {
    const { errors } = await issuesOf([
      { endpoint: '/a', backend: [backend()] },
      { endpoint: '/a', method: 'POST', backend: [backend()] },
      { endpoint: '/a', backend: [backend()] },
    ]);
    assert.deepEqual(codes(errors), ['PRT_ERR_CONFIG_ROUTE_CONFLICT endpoints[2].endpoint']);
    assert.match(errors[0]?.message ?? '', /endpoints\[0\]/);
  });

  it('accepts wildcard endpoints ending in /*, and refuses a "*" anywhere else', async () => {
    const ok = await issuesOf([
      { endpoint: '/files/*', backend: [backend()] },
      { endpoint: '/files/{id}', backend: [backend('/f/{id}')] },
      { endpoint: '/*', method: 'POST', backend: [backend()] },
    ]);
    assert.deepEqual(codes(ok.errors), []);
    assert.deepEqual(ok.config?.endpoints.map((endpoint) => endpoint.wildcardDepth), [1, undefined, 0]);
    for (const path of ['/files*', '/a/*/b', '/a/b*', '/a/**']) {
      const { errors } = await issuesOf([{ endpoint: path, backend: [backend()] }]);
      assert.deepEqual(codes(errors), ['PRT_ERR_CONFIG_WILDCARD endpoints[0].endpoint'], path);
    }
  });

  it('refuses the same wildcard twice on one method, accepts it on another', async () => {
    const { errors } = await issuesOf([
      { endpoint: '/files/*', backend: [backend()] },
      { endpoint: '/files/*', method: 'PUT', backend: [backend()] },
      { endpoint: '/files/*', backend: [backend()] },
    ]);
    assert.deepEqual(codes(errors), ['PRT_ERR_CONFIG_ROUTE_CONFLICT endpoints[2].endpoint']);
  });

  it('expands a method list into one endpoint per method, locating collisions at the method', async () => {
    const { config, errors, warnings } = await issuesOf([
      { endpoint: '/a', method: ['GET', 'HEAD', 'OPTIONS'], backend: [backend()] },
      { endpoint: '/b', method: ['GET', 'PUT', 'get'], backend: [backend()] },
      { endpoint: '/a', method: ['POST', 'OPTIONS'], backend: [backend()] },
      { endpoint: '/c', method: ['GET', 'TRACE'], backend: [backend('/c', { host: ['ftp://x'] })] },
    ]);
    assert.deepEqual(codes(errors), [
      'PRT_ERR_CONFIG_HOST endpoints[3].backend[0].host[0]',
      'PRT_ERR_CONFIG_ROUTE_CONFLICT endpoints[1].method[2]',
      'PRT_ERR_CONFIG_ROUTE_CONFLICT endpoints[2].method[1]',
    ]);
    assert.match(errors[2]?.message ?? '', /OPTIONS \/a is declared twice \(first at endpoints\[0\]\.method\[2\]\)/);
    assert.deepEqual(codes(warnings), ['PRT_WARN_CONFIG_METHOD endpoints[3].method[1]']);
    assert.equal(config, undefined);
    const ok = await issuesOf([{ endpoint: '/a', method: ['GET', 'HEAD'], backend: [backend(), backend('/h', { method: 'POST' })] }]);
    assert.deepEqual(ok.config?.endpoints.map((endpoint) => `${endpoint.method} ${endpoint.backends.map((b) => b.method).join(',')}`), ['GET GET,POST', 'HEAD GET,POST']);
  });

  it('calls the backends of a data HEAD endpoint with GET, of a no-op one with HEAD', async () => {
    const { config } = await issuesOf([
      { endpoint: '/a', method: 'HEAD', backend: [backend()] },
      { endpoint: '/b', method: 'HEAD', output_encoding: 'no-op', backend: [backend()] },
    ]);
    assert.deepEqual(config?.endpoints.map((endpoint) => endpoint.backends[0]?.method), ['GET', 'HEAD']);
  });

  it('refuses differently named parameters at the same position', async () => {
    const { errors } = await issuesOf([
      { endpoint: '/users/{id}', backend: [backend()] },
      { endpoint: '/users/{name}/posts', backend: [backend()] },
    ]);
    assert.deepEqual(codes(errors), ['PRT_ERR_CONFIG_ROUTE_CONFLICT endpoints[1].endpoint']);
  });

  it('accepts differently named parameters at the same position on different methods (gin has a tree per method)', async () => {
    const { errors, config } = await issuesOf([
      { endpoint: '/vehicles/{user_id}', backend: [backend('/v/{user_id}')] },
      { endpoint: '/vehicles/{car_id}', method: 'DELETE', backend: [backend('/v/{car_id}')] },
      { endpoint: '/vehicles/{id}/owner/{owner}', method: 'PATCH', backend: [backend()] },
    ]);
    assert.deepEqual(codes(errors), []);
    assert.equal(config?.endpoints.length, 3);
  });

  it('accepts the same parameter name shared by several routes', async () => {
    const { errors } = await issuesOf([
      { endpoint: '/users/{id}', backend: [backend()] },
      { endpoint: '/users/{id}/posts', backend: [backend()] },
      { endpoint: '/users/me', backend: [backend()] },
    ]);
    assert.deepEqual(codes(errors), []);
  });

  for (const method of ['TRACE', 'CONNECT', 'PROPFIND']) {
    it(`leaves out an endpoint with the method ${method}, with a warning (lura's router logs and skips it)`, async () => {
      const { config, errors, warnings } = await issuesOf([{ endpoint: '/a', method, backend: [backend()] }, { endpoint: '/b', backend: [backend()] }]);
      assert.deepEqual(codes(errors), []);
      assert.deepEqual(codes(warnings), ['PRT_WARN_CONFIG_METHOD endpoints[0].method']);
      assert.equal(warnings[0]?.found, method);
      assert.deepEqual(config?.endpoints.map((endpoint) => endpoint.path), ['/b']);
    });
  }

  // HEAD and OPTIONS are Portico's: KrakenD CE 2.13 leaves them out with a log line.
  for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'delete', 'HEAD', 'OPTIONS']) {
    it(`accepts the endpoint method ${method}`, async () => {
      const { errors, config } = await issuesOf([{ endpoint: '/a', method, backend: [backend()] }]);
      assert.deepEqual(codes(errors), []);
      assert.equal(config?.endpoints[0]?.method, method.toUpperCase());
    });
  }

  it('starts a non-GET endpoint with several backends, with a warning (lura IsValidSequentialEndpoint is always true)', async () => {
    const { config, errors, warnings } = await issuesOf([{ endpoint: '/a', method: 'POST', backend: [backend('/1'), backend('/2')] }]);
    assert.deepEqual(codes(errors), []);
    assert.deepEqual(codes(warnings), ['PRT_WARN_CONFIG_MULTI_BACKEND_WRITE endpoints[0].method']);
    assert.equal(config?.endpoints[0]?.backends.length, 2);
  });

  it('accepts a sequential non-GET endpoint whose only unsafe backend is last', async () => {
    const { errors } = await issuesOf([
      { endpoint: '/a', method: 'POST', extra_config: { proxy: { sequential: true } }, backend: [backend('/1', { method: 'GET' }), backend('/2')] },
    ]);
    assert.deepEqual(codes(errors), []);
  });

  it('warns about a sequential non-GET endpoint with an unsafe backend before the last', async () => {
    const { errors, warnings } = await issuesOf([
      { endpoint: '/a', method: 'POST', extra_config: { proxy: { sequential: true } }, backend: [backend('/1'), backend('/2', { method: 'GET' })] },
    ]);
    assert.deepEqual(codes(errors), []);
    assert.deepEqual(codes(warnings), ['PRT_WARN_CONFIG_MULTI_BACKEND_WRITE endpoints[0].method']);
  });

  // Each is refused by KrakenD 2.13.8 too ("host … not valid: invalid host").
  for (const bad of ['ftp://files', 'http://host/path', 'http://host?x=1', 'http://user@host', 'http://a:1/b']) {
    it(`refuses the backend host ${bad}`, async () => {
      const { errors } = await issuesOf([{ endpoint: '/a', backend: [{ host: ['http://good:1', bad], url_pattern: '/x' }] }]);
      assert.deepEqual(codes(errors), ['PRT_ERR_CONFIG_HOST endpoints[0].backend[0].host[1]'], errors.map(formatIssue).join('\n'));
      assert.equal(errors[0]?.found, bad);
    });
  }

  it('reads a host that is no URL as lura\'s host pattern does, with a warning (KrakenD 2.13.8 shows the same hosts)', async () => {
    const odd = ['[http://users:8080]', '<https://docs:8443/>', 'http://'];
    const { config, errors, warnings } = await issuesOf([{ endpoint: '/a', backend: [{ host: ['http://good:1', ...odd], url_pattern: '/x' }] }]);
    assert.deepEqual(codes(errors), []);
    assert.deepEqual(config?.endpoints[0]?.backends[0]?.hosts, ['http://good:1', 'http://users:8080', 'https://docs:8443', 'http://http']);
    assert.deepEqual(codes(warnings), [1, 2, 3].map((index) => `PRT_WARN_CONFIG_HOST endpoints[0].backend[0].host[${index}]`));
    assert.equal(warnings[0]?.found, '[http://users:8080]');
  });

  it('refuses a bad root host', async () => {
    const { errors } = await issuesOf([{ endpoint: '/a', backend: [{ url_pattern: '/x' }] }], { host: ['http://ok', 'ftp://no'] });
    assert.deepEqual(codes(errors), ['PRT_ERR_CONFIG_HOST host[1]']);
  });

  it('starts a backend with no host and no root host to inherit, with a warning (lura starts; each call fails)', async () => {
    const { config, errors, warnings } = await issuesOf([{ endpoint: '/a', backend: [{ url_pattern: '/x' }] }]);
    assert.deepEqual(codes(errors), []);
    assert.deepEqual(codes(warnings), ['PRT_WARN_CONFIG_NO_HOST endpoints[0].backend[0].host']);
    assert.deepEqual(config?.endpoints[0]?.backends[0]?.hosts, []);
  });

  it('calls a backend without url_pattern at "/", with a warning (lura CleanPath)', async () => {
    const { config, errors, warnings } = await issuesOf([{ endpoint: '/a', backend: [{ host }] }]);
    assert.deepEqual(codes(errors), []);
    assert.deepEqual(codes(warnings), ['PRT_WARN_CONFIG_NO_URL_PATTERN endpoints[0].backend[0].url_pattern']);
    assert.equal(config?.endpoints[0]?.backends[0]?.urlPattern, '/');
  });

  it('does not ask a pub/sub backend for a url_pattern', async () => {
    const { warnings } = await issuesOf([{ endpoint: '/a', backend: [{ host: ['kafka://'], disable_host_sanitize: true, extra_config: { 'backend/pubsub/publisher': { topic_url: 't' } } }] }]);
    assert.deepEqual(codes(warnings).filter((code) => code.includes('URL_PATTERN')), []);
  });

  it('decodes an unknown backend encoding as JSON, with a warning; names are case-insensitive (lura DecoderRegister.Get)', async () => {
    const { config, errors, warnings } = await issuesOf([
      { endpoint: '/a', backend: [backend('/1', { encoding: 'no_op' }), backend('/2', { encoding: 'XML' })] },
    ]);
    assert.deepEqual(codes(errors), []);
    assert.deepEqual(codes(warnings), ['PRT_WARN_CONFIG_ENCODING endpoints[0].backend[0].encoding']);
    assert.deepEqual(config?.endpoints[0]?.backends.map((b) => b.encoding), ['json', 'xml']);
  });

  it('keeps a host with a path when disable_host_sanitize is set', async () => {
    const { errors, config } = await issuesOf([{ endpoint: '/a', backend: [{ host: ['http://h/base/'], disable_host_sanitize: true, url_pattern: '/x' }] }]);
    assert.deepEqual(codes(errors), []);
    assert.deepEqual(config?.endpoints[0]?.backends[0]?.hosts, ['http://h/base']);
  });

  it('refuses a parameter that is not a whole segment unless disable_rest', async () => {
    const strict = await issuesOf([{ endpoint: '/a/x{id}', backend: [backend()] }]);
    assert.deepEqual(codes(strict.errors), ['PRT_ERR_CONFIG_ENDPOINT_PATH endpoints[0].endpoint']);
  });

  it('reports every broken endpoint, not just the first', async () => {
    const { errors } = await issuesOf([
      { endpoint: '/__debug', backend: [backend()] },
      { endpoint: '/ok', backend: [backend()] },
      { endpoint: '/m', method: 'TRACE', backend: [backend('/{m}')] },
      { endpoint: '/v', backend: [backend('/{v}')] },
    ]);
    assert.deepEqual(codes(errors).sort(), [
      'PRT_ERR_CONFIG_RESERVED_PATH endpoints[0].endpoint',
      'PRT_ERR_CONFIG_UNDEFINED_PARAM endpoints[2].backend[0].url_pattern',
      'PRT_ERR_CONFIG_UNDEFINED_PARAM endpoints[3].backend[0].url_pattern',
    ]);
  });
});
