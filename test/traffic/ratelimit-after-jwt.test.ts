/**
 * The router rate limit behind a real `auth/validator`: requests with a rejected token take no token, and
 * the `header` strategy can limit per user through a claim the validator propagates.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeKey, send, signToken, startEchoBackend, startJwkServer } from '../security/helpers.js';
import type { JwkServer, TestKey } from '../security/helpers.js';
import { startGateway } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';

const ISSUER = 'https://idp.test';

describe('qos/ratelimit/router after auth/validator', () => {
  let backend: RunningServer;
  let jwks: JwkServer;
  let key: TestKey;
  let gateway: TestGateway;

  before(async () => {
    key = await makeKey('RS256', 'rsa-rl');
    backend = await startEchoBackend();
    jwks = await startJwkServer([key]);
    const validator = { alg: 'RS256', jwk_url: `${jwks.url}/jwks`, disable_jwk_security: true, issuer: ISSUER, propagate_claims: [['sub', 'X-User']] };
    gateway = await startGateway({
      version: 3,
      endpoints: [
        {
          endpoint: '/guarded',
          backend: [{ host: [backend.url], url_pattern: '/echo' }],
          extra_config: { 'auth/validator': validator, 'qos/ratelimit/router': { max_rate: 2, capacity: 2, every: '1h' } },
        },
        {
          endpoint: '/per-user',
          backend: [{ host: [backend.url], url_pattern: '/echo' }],
          extra_config: { 'auth/validator': validator, 'qos/ratelimit/router': { client_max_rate: 1, client_capacity: 1, strategy: 'header', key: 'X-User', every: '1h' } },
        },
      ],
    });
  });
  after(async () => {
    await Promise.all([gateway?.close(), backend?.close(), jwks?.close()]);
  });

  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  it('rejected tokens consume nothing', async () => {
    const good = await signToken(key, { iss: ISSUER, sub: 'alice' });
    for (let i = 0; i < 5; i++) assert.equal((await send(`${gateway.url}/guarded`, { headers: bearer('not-a-token') })).status, 401);
    assert.equal((await send(`${gateway.url}/guarded`)).status, 401);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await send(`${gateway.url}/guarded`, { headers: bearer(good) })).status);
    assert.deepEqual(statuses, [200, 200, 503], 'the two tokens of the bucket were left for valid requests');
  });

  it('limits per user through a propagated claim', async () => {
    const alice = await signToken(key, { iss: ISSUER, sub: 'alice' });
    const bob = await signToken(key, { iss: ISSUER, sub: 'bob' });
    const alice2 = await signToken(key, { iss: ISSUER, sub: 'alice', jti: 'second-token' });
    assert.equal((await send(`${gateway.url}/per-user`, { headers: bearer(alice) })).status, 200);
    assert.equal((await send(`${gateway.url}/per-user`, { headers: bearer(alice2) })).status, 429, 'a second token of the same user shares the bucket');
    assert.equal((await send(`${gateway.url}/per-user`, { headers: bearer(bob) })).status, 200);
  });
});
