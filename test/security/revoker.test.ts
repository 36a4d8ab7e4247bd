/** `auth/revoker` through the whole gateway: real JWTs, revocations added on the admin listener, 401s. */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { request } from '../helpers/http.js';
import { startGateway, writeConfig } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';
import { makeKey, signToken, startEchoBackend, startJwkServer } from './helpers.js';
import type { JwkServer, TestKey } from './helpers.js';
import { components } from '../helpers/components.js';

/** A port free right now on 127.0.0.1 (the admin listener binds it next). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

function admin(port: number, path: string, body: unknown, method = 'POST') {
  return request(`http://127.0.0.1:${port}${path}`, { method, body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
}

async function waitForListener(port: number): Promise<void> {
  for (let i = 0; i < 50; i++) {
    try {
      await admin(port, '/check', { elems: ['x-y'] });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  throw new Error(`no admin listener on ${port}`);
}

const revoker = (port: number, extra: Record<string, unknown> = {}) => ({ N: 1000, P: 0.0001, hash_name: 'optimal', TTL: 60, port, token_keys: ['jti', 'sub'], ...extra });

describe('auth/revoker', () => {
  let key: TestKey;
  let jwks: JwkServer;
  let backend: RunningServer;
  let gateway: TestGateway;
  let adminPort: number;

  before(async () => {
    key = await makeKey('RS256', 'rsa-revoker');
    jwks = await startJwkServer([key]);
    backend = await startEchoBackend();
    adminPort = await freePort();
    gateway = await startGateway({
      version: 3,
      extra_config: { 'auth/revoker': revoker(adminPort) },
      endpoints: [
        { endpoint: '/private', backend: [{ host: [backend.url], url_pattern: '/echo' }], extra_config: { 'auth/validator': { alg: 'RS256', jwk_url: `${jwks.url}/jwks`, disable_jwk_security: true } } },
        { endpoint: '/public', backend: [{ host: [backend.url], url_pattern: '/echo' }] },
      ],
    });
    await waitForListener(adminPort);
  });

  after(async () => {
    await Promise.all([gateway.close(), backend.close(), jwks.close()]);
  });

  const call = (token: string) => request(`${gateway.url}/private`, { headers: { authorization: `Bearer ${token}` } });

  it('a token revoked by jti gets 401; other tokens still pass', async () => {
    const revoked = await signToken(key, { sub: 'alice', jti: 'token-1' });
    const other = await signToken(key, { sub: 'alice', jti: 'token-2' });
    assert.equal((await call(revoked)).status, 200);
    const added = await admin(adminPort, '/add', { elems: ['jti-token-1'] });
    assert.equal(added.status, 200);
    assert.deepEqual(JSON.parse(added.body), { count: 1 });
    const refused = await call(revoked);
    assert.equal(refused.status, 401);
    assert.equal(refused.body, '');
    assert.equal((await call(other)).status, 200);
    assert.deepEqual(JSON.parse((await admin(adminPort, '/check', { elems: ['jti-token-1', 'jti-token-2'] })).body), { checks: [true, false] });
  });

  it('revoking a subject refuses every token of that subject', async () => {
    const bobs = [await signToken(key, { sub: 'bob', jti: 'b-1' }), await signToken(key, { sub: 'bob', jti: 'b-2' })];
    await admin(adminPort, '/add', { Elems: ['sub-bob'] });
    for (const token of bobs) assert.equal((await call(token)).status, 401);
    assert.equal((await call(await signToken(key, { sub: 'carol', jti: 'c-1' }))).status, 200);
  });

  it('only string claims named in token_keys are checked', async () => {
    await admin(adminPort, '/add', { elems: ['iss-evil', 'jti-42'] });
    assert.equal((await call(await signToken(key, { sub: 'dave', iss: 'evil' }))).status, 200, 'iss is not a token key');
    assert.equal((await call(await signToken(key, { sub: 'dave', jti: 42 as unknown as string }))).status, 200, 'a number claim is not checked, as in KrakenD');
  });

  it('the admin listener is on 127.0.0.1 and answers bad input with 4xx', async () => {
    assert.equal((await admin(adminPort, '/add', 'not json')).status, 400);
    assert.equal((await admin(adminPort, '/add', { elems: [1] })).status, 400);
    assert.equal((await admin(adminPort, '/remove', { elems: ['jti-x'] })).status, 404);
    assert.equal((await request(`http://127.0.0.1:${adminPort}/add`)).status, 405);
    assert.equal((await admin(adminPort, '/add', { elems: ['x'.repeat(1 << 20)] })).status, 413);
    assert.equal((await request(`${gateway.url}/public`)).status, 200);
  });

  it('the v2-era namespace KrakenD CE still reads works the same', async () => {
    const legacyPort = await freePort();
    const legacy = await startGateway({
      version: 3,
      extra_config: { 'github_com/devopsfaith/bloomfilter': revoker(legacyPort) },
      endpoints: [{ endpoint: '/private', backend: [{ host: [backend.url], url_pattern: '/echo' }], extra_config: { 'auth/validator': { alg: 'RS256', jwk_url: `${jwks.url}/jwks`, disable_jwk_security: true } } }],
    });
    try {
      await waitForListener(legacyPort);
      await admin(legacyPort, '/add', { elems: ['jti-legacy-1'] });
      const token = await signToken(key, { sub: 'frank', jti: 'legacy-1' });
      assert.equal((await request(`${legacy.url}/private`, { headers: { authorization: `Bearer ${token}` } })).status, 401);
    } finally {
      await legacy.close();
    }
  });

  it('refuses what KrakenD crashes on and warns about an exposed or useless listener', async () => {
    const base = { version: 3, endpoints: [{ endpoint: '/x', backend: [{ host: ['http://127.0.0.1:1'], url_pattern: '/' }] }] };
    const load = async (block: Record<string, unknown>) => loadConfig(await writeConfig({ ...base, extra_config: { 'auth/revoker': block } }), { components, env: {} });
    const noHash = await load({ N: 10, P: 0.01, TTL: 10, port: 0, token_keys: ['jti'] });
    assert.ok(noHash.issues.some((issue) => issue.severity === 'error' && issue.keyPath.endsWith('hash_name')));
    const noTtl = await load({ N: 10, P: 0.01, hash_name: 'default', token_keys: ['jti'] });
    assert.ok(noTtl.issues.some((issue) => issue.severity === 'error' && issue.keyPath.endsWith('TTL')));
    const huge = await load({ N: 1e12, P: 1e-9, hash_name: 'optimal', TTL: 10, token_keys: ['jti'] });
    assert.ok(huge.issues.some((issue) => issue.severity === 'error' && /bytes per filter/.test(issue.message)));
    const exposed = await load({ n: 10, p: 0.01, ttl: 10, hash_name: 'default', port: 1234, listen_ip: '0.0.0.0', token_keys: ['jti'] });
    assert.ok(exposed.config, 'lower-case n, p, ttl are read as Go reads them');
    assert.ok(exposed.issues.some((issue) => issue.code === 'PRT_WARN_CONFIG_REVOKER' && /no authentication/.test(issue.message)));
  });
});
