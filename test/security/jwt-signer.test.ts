import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactVerify, flattenedVerify, importJWK } from 'jose';
import { startBackend, startGateway } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';
import { makeKey, privateJwkOf, send } from './helpers.js';
import type { TestKey } from './helpers.js';

describe('auth/signer', () => {
  let backend: RunningServer;
  let gateway: TestGateway;
  let key: TestKey;

  before(async () => {
    key = await makeKey('ES256', 'signing-1');
    const dir = await mkdtemp(join(tmpdir(), 'portico-signer-'));
    const path = join(dir, 'private.json');
    await writeFile(path, JSON.stringify({ keys: [await privateJwkOf(key)] }));
    backend = await startBackend((request, response) => {
      const body = request.url === '/fail' ? '' : JSON.stringify({ access_token: { sub: 'alice', roles: ['user'], note: '<b>&' }, refresh_token: { sub: 'alice' }, token_type: 'bearer', expires_in: 3600 });
      response.writeHead(request.url === '/fail' ? 500 : 200, { 'Content-Type': 'application/json', 'X-Backend': 'login' });
      response.end(body);
    });
    const signer = (extra: Record<string, unknown>) => ({ 'auth/signer': { alg: 'ES256', kid: 'signing-1', keys_to_sign: ['access_token', 'refresh_token', 'token_type'], jwk_local_path: path, disable_jwk_security: true, ...extra } });
    gateway = await startGateway({
      version: 3,
      cache_ttl: '1h',
      endpoints: [
        { endpoint: '/login', method: 'POST', backend: [{ host: [backend.url], url_pattern: '/ok' }], extra_config: signer({}) },
        { endpoint: '/login-full', method: 'POST', backend: [{ host: [backend.url], url_pattern: '/ok' }], extra_config: signer({ full: true, typ: 'at+jwt' }) },
        { endpoint: '/broken', method: 'POST', backend: [{ host: [backend.url], url_pattern: '/fail' }], extra_config: signer({}) },
        { endpoint: '/wrong-kid', method: 'POST', backend: [{ host: [backend.url], url_pattern: '/ok' }], extra_config: signer({ kid: 'nope' }) },
      ],
    });
  });

  after(() => Promise.all([gateway.close(), backend.close()]));

  test('objects under keys_to_sign become compact JWS verifiable with the public key; other keys stay', async () => {
    const answer = await send(`${gateway.url}/login`, { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json' } });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(answer.headers['cache-control'], undefined, 'a token must never be cacheable');
    assert.equal(answer.headers['x-krakend-completed'], undefined);
    // gin's c.JSON: json.Marshal, no trailing newline (KrakenD's jwt_4 spec compares the bytes).
    assert.ok(answer.body.endsWith('}'));
    const data = JSON.parse(answer.body) as Record<string, unknown>;
    assert.equal(data['token_type'], 'bearer', 'only objects are signed');
    assert.equal(data['expires_in'], 3600);
    const publicKey = await importJWK(key.publicJwk, 'ES256');
    const verified = await compactVerify(data['access_token'] as string, publicKey);
    // krakend-jose: typ JWT, keys in go-jose's sorted order (the bytes are what a client compares).
    assert.equal(Buffer.from((data['access_token'] as string).split('.')[0] as string, 'base64url').toString(), '{"alg":"ES256","kid":"signing-1","typ":"JWT"}');
    // Go's json.Marshal: sorted keys and escaped HTML characters.
    assert.equal(new TextDecoder().decode(verified.payload), '{"note":"\\u003cb\\u003e\\u0026","roles":["user"],"sub":"alice"}');
    await compactVerify(data['refresh_token'] as string, publicKey);
  });

  test('full: the flattened JSON serialization, with a configured typ', async () => {
    const data = JSON.parse((await send(`${gateway.url}/login-full`, { method: 'POST' })).body) as Record<string, string>;
    const jws = JSON.parse(data['access_token'] as string) as { payload: string; protected: string; signature: string };
    assert.deepEqual(Object.keys(jws), ['payload', 'protected', 'signature']);
    assert.equal(Buffer.from(jws.protected, 'base64url').toString(), '{"alg":"ES256","kid":"signing-1","typ":"at+jwt"}');
    await flattenedVerify(jws, await importJWK(key.publicJwk, 'ES256'));
  });

  test('a failing backend: bare 400', async () => {
    const answer = await send(`${gateway.url}/broken`, { method: 'POST' });
    assert.equal(answer.status, 400);
    assert.equal(answer.body, '');
  });

  test('a kid the local JWK set lacks: a start-up warning and a bare 401 (KrakenD cannot build that signer)', async () => {
    assert.ok(gateway.warnings.some((issue) => issue.code === 'PRT_WARN_CONFIG_JWK_SOURCE' && issue.keyPath === 'endpoints[3].extra_config["auth/signer"].kid'));
    const answer = await send(`${gateway.url}/wrong-kid`, { method: 'POST' });
    assert.equal(answer.status, 401);
    assert.equal(answer.body, '');
  });
});

describe('auth/signer that KrakenD cannot build (krakend-jose gin/jose.go TokenSigner: erroredHandler)', () => {
  test('an unreadable jwk_local_path or an insecure source starts with a warning; the endpoint answers a bare 401', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-signer-'));
    const backend = await startBackend((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end('{"access_token":{"sub":"alice"}}');
    });
    const signer = (extra: Record<string, unknown>) => ({ 'auth/signer': { alg: 'HS256', kid: 'sim2', keys_to_sign: ['access_token'], ...extra } });
    const gateway = await startGateway({
      version: 3,
      endpoints: [
        { endpoint: '/missing-file', method: 'POST', backend: [{ host: [backend.url], url_pattern: '/' }], extra_config: signer({ jwk_local_path: join(dir, 'none.json'), disable_jwk_security: true }) },
        { endpoint: '/insecure', method: 'POST', backend: [{ host: [backend.url], url_pattern: '/' }], extra_config: signer({ jwk_url: 'http://idp.test/jwks' }) },
      ],
    });
    try {
      assert.deepEqual(gateway.warnings.map((issue) => `${issue.code} ${issue.keyPath}`), [
        'PRT_WARN_CONFIG_JWK_SOURCE endpoints[0].extra_config["auth/signer"].jwk_local_path',
        'PRT_WARN_CONFIG_JWK_SOURCE endpoints[1].extra_config["auth/signer"]',
      ]);
      for (const path of ['/missing-file', '/insecure']) {
        const answer = await send(`${gateway.url}${path}`, { method: 'POST' });
        assert.equal(answer.status, 401, path);
        assert.equal(answer.body, '', 'no unsigned claims leave the gateway');
      }
    } finally {
      await Promise.all([gateway.close(), backend.close()]);
    }
  });
});
