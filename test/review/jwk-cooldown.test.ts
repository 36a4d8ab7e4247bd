/**
 * While the JWK set has never been downloaded (identity provider down or answering errors), tokens are
 * refused with 401 and the download is retried at most once per `failed_jwk_key_cooldown`, not once per
 * request: a flood of requests never becomes a flood of requests to the identity provider.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startBackend, startGateway } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';
import { makeKey, send, signToken, startEchoBackend } from '../security/helpers.js';
import type { TestKey } from '../security/helpers.js';

describe('JWK downloads while the key set is unavailable', () => {
  let backend: RunningServer;
  let idp: RunningServer;
  let gateway: TestGateway;
  let key: TestKey;
  let downloads = 0;

  before(async () => {
    key = await makeKey('RS256', 'rsa-down');
    backend = await startEchoBackend();
    idp = await startBackend((_request, response) => {
      downloads++;
      response.writeHead(503, { 'Content-Length': '0' });
      response.end();
    });
    gateway = await startGateway({
      version: 3,
      endpoints: [
        {
          endpoint: '/guarded',
          backend: [{ host: [backend.url], url_pattern: '/echo' }],
          extra_config: { 'auth/validator': { alg: 'RS256', jwk_url: `${idp.url}/jwks`, disable_jwk_security: true, failed_jwk_key_cooldown: '1h' } },
        },
      ],
    });
  });
  after(async () => {
    await Promise.all([gateway?.close(), backend?.close(), idp?.close()]);
  });

  it('refuses tokens and asks the identity provider again only after the cooldown', async () => {
    const token = await signToken(key, { sub: 'alice' });
    for (let i = 0; i < 8; i++) {
      const answer = await send(`${gateway.url}/guarded`, { headers: { Authorization: `Bearer ${token}` } });
      assert.equal(answer.status, 401);
    }
    // The start-up download and one retry for the first token; the cooldown covers the rest.
    assert.ok(downloads <= 2, `${downloads} downloads for 8 requests`);
  });
});
