/**
 * Headers the gateway sets from verified data (`auth/validator` `propagate_claims`, `auth/api-keys`
 * `propagate_role`) replace whatever the client sent under that name, whatever case the config writes
 * the name in (KrakenD's `Header.Set` canonicalises it). Otherwise a client could send `X-User: admin`
 * next to, or (with a backend `input_headers` filter) instead of, the verified value, and choose its own
 * `header` rate-limit key.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startGateway } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';
import { makeKey, send, signToken, startEchoBackend, startJwkServer } from '../security/helpers.js';
import type { JwkServer, TestKey } from '../security/helpers.js';

const ISSUER = 'https://idp.test';
const API_KEY = '4d2c61e1-34c4-e96c-9456-15bd983c5019';

describe('propagated headers from verified data', () => {
  let backend: RunningServer;
  let jwks: JwkServer;
  let key: TestKey;
  let gateway: TestGateway;

  before(async () => {
    key = await makeKey('RS256', 'rsa-claims');
    backend = await startEchoBackend();
    jwks = await startJwkServer([key]);
    const validator = { alg: 'RS256', jwk_url: `${jwks.url}/jwks`, disable_jwk_security: true, issuer: ISSUER, propagate_claims: [['sub', 'x-user']] };
    gateway = await startGateway({
      version: 3,
      endpoints: [
        { endpoint: '/listed', input_headers: ['X-User'], backend: [{ host: [backend.url], url_pattern: '/echo' }], extra_config: { 'auth/validator': validator } },
        { endpoint: '/all', input_headers: ['*'], backend: [{ host: [backend.url], url_pattern: '/echo' }], extra_config: { 'auth/validator': validator } },
        {
          endpoint: '/backend-filter',
          input_headers: ['*'],
          backend: [{ host: [backend.url], url_pattern: '/echo', input_headers: ['X-User'] }],
          extra_config: { 'auth/validator': validator },
        },
        {
          endpoint: '/per-user',
          backend: [{ host: [backend.url], url_pattern: '/echo' }],
          extra_config: { 'auth/validator': validator, 'qos/ratelimit/router': { client_max_rate: 1, client_capacity: 1, strategy: 'header', key: 'X-User', every: '1h' } },
        },
        { endpoint: '/keyed', input_headers: ['*'], backend: [{ host: [backend.url], url_pattern: '/echo' }], extra_config: { 'auth/api-keys': {} } },
      ],
      extra_config: { 'auth/api-keys': { identifier: 'X-Api-Key', propagate_role: 'x-roles', keys: [{ key: API_KEY, roles: ['user'] }] } },
    });
  });
  after(async () => {
    await Promise.all([gateway?.close(), backend?.close(), jwks?.close()]);
  });

  const seenBy = (body: string): Record<string, string> => (JSON.parse(body) as { headers: Record<string, string> }).headers;

  it('the claim replaces a client header of the same name', async () => {
    const token = await signToken(key, { iss: ISSUER, sub: 'alice' });
    for (const path of ['/listed', '/all', '/backend-filter']) {
      const answer = await send(`${gateway.url}${path}`, { headers: { Authorization: `Bearer ${token}`, 'X-User': 'admin' } });
      assert.equal(answer.status, 200, path);
      assert.equal(seenBy(answer.body)['x-user'], 'alice', path);
    }
  });

  it('a client cannot pick its own header rate-limit key next to a propagated claim', async () => {
    const token = await signToken(key, { iss: ISSUER, sub: 'bob' });
    const statuses: number[] = [];
    for (const spoofed of ['one', 'two', 'three']) {
      statuses.push((await send(`${gateway.url}/per-user`, { headers: { Authorization: `Bearer ${token}`, 'X-User': spoofed } })).status);
    }
    assert.deepEqual(statuses, [200, 429, 429]);
  });

  it('the API key role replaces a client header of the same name', async () => {
    const answer = await send(`${gateway.url}/keyed`, { headers: { 'X-Api-Key': API_KEY, 'X-Roles': 'admin' } });
    assert.equal(answer.status, 200);
    assert.equal(seenBy(answer.body)['x-roles'], 'user');
  });
});
