import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { startGateway, writeConfig } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';
import { makeKey, send, signToken, startEchoBackend, startJwkServer } from './helpers.js';
import type { JwkServer, TestKey } from './helpers.js';
import { components } from '../helpers/components.js';

const ISSUER = 'https://idp.test';
const AUDIENCE = 'https://api.test';

interface Echo {
  path: string;
  headers: Record<string, string>;
}

describe('auth/validator', () => {
  let backend: RunningServer;
  let jwks: JwkServer;
  let keys: Record<string, TestKey>;
  let gateway: TestGateway;

  const validator = (alg: string, extra: Record<string, unknown> = {}) => ({
    alg,
    jwk_url: `${jwks.url}/jwks`,
    disable_jwk_security: true,
    issuer: ISSUER,
    audience: [AUDIENCE],
    ...extra,
  });

  before(async () => {
    keys = {
      RS256: await makeKey('RS256', 'rsa-1'),
      ES256: await makeKey('ES256', 'ec-1'),
      HS256: await makeKey('HS256', 'hmac-1'),
      EdDSA: await makeKey('EdDSA', 'ed-1'),
      PS384: await makeKey('PS384', 'pss-1'),
    };
    backend = await startEchoBackend();
    jwks = await startJwkServer(Object.values(keys));
    const endpoint = (path: string, alg: string, extra: Record<string, unknown> = {}, urlPattern = '/echo') => ({
      endpoint: path,
      backend: [{ host: [backend.url], url_pattern: urlPattern }],
      extra_config: { 'auth/validator': validator(alg, extra) },
    });
    gateway = await startGateway({
      version: 3,
      endpoints: [
        endpoint('/rs', 'RS256'),
        endpoint('/es', 'ES256'),
        endpoint('/hs', 'HS256'),
        endpoint('/ed', 'EdDSA'),
        endpoint('/ps', 'PS384'),
        endpoint('/roles', 'RS256', { roles_key: 'realm.roles', roles_key_is_nested: true, roles: ['admin', 'ops'] }),
        endpoint('/scopes-any', 'RS256', { scopes_key: 'scope', scopes: ['read', 'write'] }),
        endpoint('/scopes-all', 'RS256', { scopes_key: 'scope', scopes: ['read', 'write'], scopes_matcher: 'all' }),
        endpoint('/claims', 'RS256', { propagate_claims: [['sub', 'X-User'], ['realm.tenant', 'X-Tenant'], ['missing', 'X-Missing']] }, '/users/{JWT.sub}/tenant/{JWT.realm.tenant}'),
        endpoint('/cookie', 'RS256', { cookie_key: 'session', auth_header_name: 'X-Token' }),
        endpoint('/leeway', 'RS256', { leeway: '0s' }),
        {
          endpoint: '/input',
          input_headers: ['X-User'],
          backend: [{ host: [backend.url], url_pattern: '/echo' }],
          extra_config: { 'auth/validator': validator('RS256', { propagate_claims: [['sub', 'X-User']] }) },
        },
      ],
    });
  });

  after(async () => {
    await Promise.all([gateway.close(), backend.close(), jwks.close()]);
  });

  const claims = (extra: Record<string, unknown> = {}) => ({ iss: ISSUER, aud: AUDIENCE, sub: 'alice', ...extra });
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  for (const [path, alg] of [['/rs', 'RS256'], ['/es', 'ES256'], ['/hs', 'HS256'], ['/ed', 'EdDSA'], ['/ps', 'PS384']] as const) {
    test(`a valid ${alg} token reaches the backend`, async () => {
      const token = await signToken(keys[alg] as TestKey, claims(), { expiresIn: '5m' });
      const answer = await send(`${gateway.url}${path}`, { headers: bearer(token) });
      assert.equal(answer.status, 200);
      assert.equal(answer.headers['x-krakend-completed'], 'true');
    });
  }

  test('no token, a malformed one, or a token for another algorithm: bare 401', async () => {
    for (const headers of [{}, { Authorization: 'Bearer not.a.jwt' }, { Authorization: 'Basic dXNlcjpwYXNz' }]) {
      const answer = await send(`${gateway.url}/rs`, { headers });
      assert.equal(answer.status, 401);
      assert.equal(answer.body, '');
      assert.equal(answer.headers['x-krakend-completed'], undefined);
      assert.equal(answer.headers['content-type'], undefined);
    }
    // An ES256 token on an RS256 endpoint: the algorithm is pinned by the config, never taken from the token.
    const esToken = await signToken(keys['ES256'] as TestKey, claims(), { kid: 'rsa-1' });
    assert.equal((await send(`${gateway.url}/rs`, { headers: bearer(esToken) })).status, 401);
  });

  test('expired, wrong issuer, wrong audience, bad signature: 401', async () => {
    const rsa = keys['RS256'] as TestKey;
    const expired = await signToken(rsa, claims({ exp: Math.floor(Date.now() / 1000) - 120 }));
    const wrongIssuer = await signToken(rsa, claims({ iss: 'https://other.test' }));
    const wrongAudience = await signToken(rsa, claims({ aud: ['https://other.test'] }));
    const valid = await signToken(rsa, claims());
    const tampered = `${valid.slice(0, valid.lastIndexOf('.'))}.${Buffer.from('forged').toString('base64url')}`;
    for (const token of [expired, wrongIssuer, wrongAudience, tampered]) {
      assert.equal((await send(`${gateway.url}/rs`, { headers: bearer(token) })).status, 401);
    }
    // Every configured audience must be present; extra audiences are fine.
    const several = await signToken(rsa, claims({ aud: ['https://other.test', AUDIENCE] }));
    assert.equal((await send(`${gateway.url}/rs`, { headers: bearer(several) })).status, 200);
  });

  test('leeway: 1m by default (as go-jose), configurable', async () => {
    const justExpired = await signToken(keys['RS256'] as TestKey, claims({ exp: Math.floor(Date.now() / 1000) - 10 }));
    assert.equal((await send(`${gateway.url}/rs`, { headers: bearer(justExpired) })).status, 200);
    assert.equal((await send(`${gateway.url}/leeway`, { headers: bearer(justExpired) })).status, 401);
  });

  test('a token verified once (and remembered) still expires on time', async () => {
    // At least one whole second of validity, so the first call cannot already be late.
    const exp = Math.floor(Date.now() / 1000) + 2;
    const shortLived = await signToken(keys['RS256'] as TestKey, claims({ exp }));
    assert.equal((await send(`${gateway.url}/leeway`, { headers: bearer(shortLived) })).status, 200);
    await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 50));
    assert.equal((await send(`${gateway.url}/leeway`, { headers: bearer(shortLived) })).status, 401);
  });

  test('roles (nested claim): 403 without one of them, 200 with one', async () => {
    const rsa = keys['RS256'] as TestKey;
    const without = await signToken(rsa, claims({ realm: { roles: ['user'] } }));
    const forbidden = await send(`${gateway.url}/roles`, { headers: bearer(without) });
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.body, '');
    assert.equal(forbidden.headers['x-krakend-completed'], undefined);
    const withRole = await signToken(rsa, claims({ realm: { roles: ['user', 'ops'] } }));
    assert.equal((await send(`${gateway.url}/roles`, { headers: bearer(withRole) })).status, 200);
  });

  test('scopes: any needs one, all needs every one', async () => {
    const rsa = keys['RS256'] as TestKey;
    const readOnly = await signToken(rsa, claims({ scope: 'profile read' }));
    const both = await signToken(rsa, claims({ scope: 'read write' }));
    const none = await signToken(rsa, claims({ scope: 'profile' }));
    assert.equal((await send(`${gateway.url}/scopes-any`, { headers: bearer(readOnly) })).status, 200);
    assert.equal((await send(`${gateway.url}/scopes-any`, { headers: bearer(none) })).status, 403);
    assert.equal((await send(`${gateway.url}/scopes-all`, { headers: bearer(readOnly) })).status, 403);
    assert.equal((await send(`${gateway.url}/scopes-all`, { headers: bearer(both) })).status, 200);
  });

  test('claims travel as backend headers and as {JWT.claim} in url_pattern; clients cannot spoof them', async () => {
    const token = await signToken(keys['RS256'] as TestKey, claims({ sub: 'alice/../admin', realm: { tenant: 42 } }));
    const answer = await send(`${gateway.url}/claims`, { headers: { ...bearer(token), 'X-User': 'mallory' } });
    assert.equal(answer.status, 200);
    const echo = JSON.parse(answer.body) as Echo;
    assert.equal(echo.path, '/users/alice%2F..%2Fadmin/tenant/42');
    assert.equal(echo.headers['x-user'], 'alice/../admin');
    assert.equal(echo.headers['x-tenant'], '42');
    assert.equal(echo.headers['x-missing'], '');
    // Listed in input_headers, a client-sent X-User is still replaced by the claim.
    const listed = JSON.parse((await send(`${gateway.url}/input`, { headers: { ...bearer(token), 'X-User': 'mallory' } })).body) as Echo;
    assert.equal(listed.headers['x-user'], 'alice/../admin');
  });

  test('cookie_key and auth_header_name choose where the token is read', async () => {
    const token = await signToken(keys['RS256'] as TestKey, claims());
    assert.equal((await send(`${gateway.url}/cookie`, { headers: { Cookie: `theme=dark; session=${token}` } })).status, 200);
    assert.equal((await send(`${gateway.url}/cookie`, { headers: { 'X-Token': `Bearer ${token}` } })).status, 200);
    assert.equal((await send(`${gateway.url}/cookie`, { headers: bearer(token) })).status, 401);
  });
});

describe('auth/validator key rotation and unknown keys', () => {
  let backend: RunningServer;
  let jwks: JwkServer;
  let gateway: TestGateway;
  let first: TestKey;

  before(async () => {
    first = await makeKey('RS256', 'k1');
    backend = await startEchoBackend();
    jwks = await startJwkServer([first]);
    gateway = await startGateway({
      version: 3,
      endpoints: ['/a', '/b'].map((path) => ({
        endpoint: path,
        backend: [{ host: [backend.url], url_pattern: '/echo' }],
        extra_config: { 'auth/validator': { alg: 'RS256', jwk_url: `${jwks.url}/jwks`, disable_jwk_security: true, cache: true, failed_jwk_key_cooldown: '1h' } },
      })),
    });
  });

  after(async () => {
    await Promise.all([gateway.close(), backend.close(), jwks.close()]);
  });

  test('a rotated key works on its first request; forged kids then cool down instead of hammering the IdP', async () => {
    const before = await signToken(first, { sub: 'x' });
    assert.equal((await send(`${gateway.url}/a`, { headers: { Authorization: `Bearer ${before}` } })).status, 200);
    assert.equal((await send(`${gateway.url}/b`, { headers: { Authorization: `Bearer ${before}` } })).status, 200);
    // Two endpoints on one jwk_url share one key set: one download so far.
    assert.equal(jwks.hits, 1);

    const second = await makeKey('RS256', 'k2');
    jwks.publish([second]);
    const rotated = await signToken(second, { sub: 'x' });
    assert.equal((await send(`${gateway.url}/a`, { headers: { Authorization: `Bearer ${rotated}` } })).status, 200);
    assert.equal(jwks.hits, 2);
    // The old key left the set: its tokens no longer verify.
    assert.equal((await send(`${gateway.url}/a`, { headers: { Authorization: `Bearer ${before}` } })).status, 401);
    assert.equal(jwks.hits, 3);

    const stranger = await makeKey('RS256', 'forged');
    for (let i = 0; i < 5; i++) {
      const forged = await signToken(stranger, { sub: 'x' }, { kid: `forged-${i}` });
      assert.equal((await send(`${gateway.url}/b`, { headers: { Authorization: `Bearer ${forged}` } })).status, 401);
    }
    assert.equal(jwks.hits, 3, 'unknown kids within the cooldown cause no download');
  });
});

describe('auth/validator key sources (krakend-jose jws.go GetSignatureConfig, jwk.go SecretProvider)', () => {
  const endpointWith = (validator: Record<string, unknown>, path = '/x') => ({ endpoint: path, backend: [{ host: ['http://127.0.0.1:1'], url_pattern: '/' }], extra_config: { 'auth/validator': validator } });

  /** Starts a gateway whose only endpoint has `validator`; returns its warnings and the answer to a signed request. */
  async function answerWith(validator: Record<string, unknown>, key: TestKey, backendUrl: string) {
    const gateway = await startGateway({ version: 3, endpoints: [{ ...endpointWith(validator), backend: [{ host: [backendUrl], url_pattern: '/' }] }] });
    try {
      const token = await signToken(key, { sub: 'x' });
      const answer = await send(`${gateway.url}/x`, { headers: { Authorization: `Bearer ${token}` } });
      return { status: answer.status, body: answer.body, warnings: gateway.warnings.map((issue) => `${issue.code} ${issue.keyPath}`) };
    } finally {
      await gateway.close();
    }
  }

  test('a validator without a usable source starts with a located warning and refuses every request with 401', async () => {
    const key = await makeKey('ES256', 'k');
    const backend = await startEchoBackend();
    try {
      for (const validator of [
        { alg: 'ES256', jwk_url: 'http://idp.test/jwks' }, // http without disable_jwk_security
        { alg: 'ES256' }, // no source at all
        { alg: 'ES256', disable_jwk_security: true }, // nowhere to fetch keys from
        { alg: 'ES256', jwk_url: '$JWK_URL', cache: true }, // an unrendered placeholder
        { alg: 'ES256', disable_jwk_security: true, secret_url: 'base64url:c2VjcmV0' }, // secret_url alone is no source
      ]) {
        const { status, body, warnings } = await answerWith(validator, key, backend.url);
        assert.equal(status, 401, JSON.stringify(validator));
        assert.equal(body, '');
        assert.ok(warnings.includes('PRT_WARN_CONFIG_JWK_SOURCE endpoints[0].extra_config["auth/validator"]'), `${JSON.stringify(validator)}: ${warnings.join(', ')}`);
      }
    } finally {
      await backend.close();
    }
  });

  test('jwk_local_path needs disable_jwk_security, as in KrakenD; with it the file serves the keys', async () => {
    const key = await makeKey('ES256', 'local');
    const dir = await mkdtemp(join(tmpdir(), 'portico-jwk-'));
    const path = join(dir, 'jwks.json');
    await writeFile(path, JSON.stringify({ keys: [key.publicJwk] }));
    const backend = await startEchoBackend();
    try {
      const strict = await answerWith({ alg: 'ES256', jwk_local_path: path }, key, backend.url);
      assert.equal(strict.status, 401);
      assert.deepEqual(strict.warnings, ['PRT_WARN_CONFIG_JWK_SOURCE endpoints[0].extra_config["auth/validator"]']);
      const allowed = await answerWith({ alg: 'ES256', jwk_local_path: path, disable_jwk_security: true, jwk_url: 'https://ignored.test/jwks' }, key, backend.url);
      assert.equal(allowed.status, 200, 'jwk_local_path wins over jwk_url');
      assert.deepEqual(allowed.warnings, []);
    } finally {
      await backend.close();
    }
  });

  test('an unreadable jwk_local_path is refused at start-up (KrakenD exits: logger.Fatal)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-jwk-'));
    const result = await loadConfig(await writeConfig({ version: 3, endpoints: [endpointWith({ alg: 'ES256', disable_jwk_security: true, jwk_local_path: join(dir, 'missing.json') })] }), { components, env: {} });
    assert.equal(result.config, undefined);
    const issue = result.issues.find((item) => item.code === 'PRT_ERR_CONFIG_JWK_SOURCE');
    assert.equal(issue?.keyPath, 'endpoints[0].extra_config["auth/validator"].jwk_local_path');
  });

  test('cache with jwk_local_path is refused (KrakenD exits too)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-jwk-'));
    const path = join(dir, 'jwks.json');
    await writeFile(path, JSON.stringify({ keys: [] }));
    const result = await loadConfig(await writeConfig({ version: 3, endpoints: [endpointWith({ alg: 'ES256', disable_jwk_security: true, jwk_local_path: path, cache: true })] }), { components, env: {} });
    assert.equal(result.config, undefined);
    assert.ok(result.issues.some((item) => item.code === 'PRT_ERR_CONFIG_JWK_SOURCE' && item.keyPath.endsWith('.cache')));
  });

  test('secret_url without jwk_local_path is ignored with a warning; jwk_url still serves the keys', async () => {
    const result = await loadConfig(await writeConfig({ version: 3, endpoints: [endpointWith({ alg: 'HS256', disable_jwk_security: true, jwk_url: 'http://idp.test/jwks', secret_url: 'base64url:c2VjcmV0' })] }), { components, env: {} });
    assert.ok(result.config);
    assert.deepEqual(result.issues.map((item) => `${item.code} ${item.keyPath}`), ['PRT_WARN_CONFIG_UNUSED endpoints[0].extra_config["auth/validator"].secret_url']);
  });

  test('the service-level block (shared key cache) is accepted and checks no source', async () => {
    const result = await loadConfig(await writeConfig({ version: 3, extra_config: { 'auth/validator': { shared_cache_duration: 60 } }, endpoints: [{ endpoint: '/x', backend: [{ host: ['http://127.0.0.1:1'], url_pattern: '/' }] }] }), { components, env: {} });
    assert.ok(result.config);
    assert.deepEqual(result.issues, []);
  });
});
