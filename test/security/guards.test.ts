/** Bot detector, security headers, API keys and basic auth against a real gateway. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { loadConfig } from '../../src/config/load.js';
import { startGateway, writeConfig } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';
import { send, startEchoBackend } from './helpers.js';
import { components } from '../helpers/components.js';

let backend: RunningServer;
before(async () => {
  backend = await startEchoBackend();
});
after(async () => {
  await backend.close();
});

const route = (path: string, extra: Record<string, unknown> = {}, more: Record<string, unknown> = {}) => ({
  endpoint: path,
  backend: [{ host: [backend.url], url_pattern: '/echo' }],
  extra_config: extra,
  ...more,
});

describe('security/bot-detector', () => {
  let gateway: TestGateway;
  before(async () => {
    gateway = await startGateway({
      version: 3,
      endpoints: [route('/open'), route('/strict', { 'security/bot-detector': { empty_user_agent_is_bot: true, deny: ['curl/8.0'] } })],
      extra_config: {
        'security/bot-detector': { deny: ['a', 'b'], allow: ['c', 'Pingdom.com_bot_version_1.1'], patterns: ['(Pingdom.com_bot_version_).*', '(?i)(facebookexternalhit)/.*'], cache_size: 2 },
      },
    });
  });
  after(() => gateway.close());

  test('denied, pattern-matched and case-insensitive user agents get a bare 403 on every path', async () => {
    for (const agent of ['a', 'b', 'Pingdom.com_bot_version_1.14', 'FacebookExternalHit/1.1', 'FacebookExternalHit/1.1']) {
      for (const path of ['/open', '/not-routed']) {
        const answer = await send(`${gateway.url}${path}`, { headers: { 'User-Agent': agent } });
        assert.equal(answer.status, 403, `${agent} on ${path}`);
        assert.equal(answer.body, '');
        assert.equal(answer.headers['x-krakend-completed'], undefined);
      }
    }
  });

  test('allow entries win over patterns; browsers pass; the endpoint level adds its own rules', async () => {
    assert.equal((await send(`${gateway.url}/open`, { headers: { 'User-Agent': 'Pingdom.com_bot_version_1.1' } })).status, 200);
    assert.equal((await send(`${gateway.url}/open`, { headers: { 'User-Agent': 'Mozilla/5.0' } })).status, 200);
    assert.equal((await send(`${gateway.url}/open`, { headers: {} })).status, 200);
    assert.equal((await send(`${gateway.url}/strict`, { headers: {} })).status, 403);
    assert.equal((await send(`${gateway.url}/strict`, { headers: { 'User-Agent': 'curl/8.0' } })).status, 403);
    assert.equal((await send(`${gateway.url}/strict`, { headers: { 'User-Agent': 'Mozilla/5.0' } })).status, 200);
  });

  test('a pattern that does not compile is a located config error', async () => {
    const file = await writeConfig({ version: 3, endpoints: [], extra_config: { 'security/bot-detector': { patterns: ['ok', '(unclosed'] } } });
    const result = await loadConfig(file, { components, env: {} });
    assert.equal(result.config, undefined);
    assert.deepEqual(result.issues.filter((issue) => issue.code === 'PRT_ERR_CONFIG_REGEX').map((issue) => issue.keyPath), ['extra_config["security/bot-detector"].patterns[1]']);
  });
});

describe('security/http', () => {
  let gateway: TestGateway;
  let redirecting: TestGateway;
  before(async () => {
    gateway = await startGateway({
      version: 3,
      endpoints: [route('/x')],
      extra_config: {
        'security/http': {
          allowed_hosts: ['api.example.com'],
          host_proxy_headers: ['X-Forwarded-Host'],
          ssl_proxy_headers: { 'X-Forwarded-Proto': 'https' },
          sts_seconds: 31536000,
          sts_include_subdomains: true,
          frame_deny: true,
          content_type_nosniff: true,
          browser_xss_filter: true,
          content_security_policy: "default-src 'self'",
          referrer_policy: 'same-origin',
        },
      },
    });
    redirecting = await startGateway({ version: 3, endpoints: [route('/x')], extra_config: { 'security/http': { ssl_redirect: true, ssl_host: 'secure.example.com' } } });
  });
  after(() => Promise.all([gateway.close(), redirecting.close()]));

  test('an allowed host gets every header, 404s included; HSTS only over (proxied) TLS', async () => {
    for (const path of ['/x', '/missing']) {
      const answer = await send(`${gateway.url}${path}`, { headers: { Host: 'api.example.com', 'X-Forwarded-Proto': 'https' } });
      assert.equal(answer.headers['x-frame-options'], 'DENY');
      assert.equal(answer.headers['x-content-type-options'], 'nosniff');
      assert.equal(answer.headers['x-xss-protection'], '1; mode=block');
      assert.equal(answer.headers['content-security-policy'], "default-src 'self'");
      assert.equal(answer.headers['referrer-policy'], 'same-origin');
      assert.equal(answer.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains');
    }
    const plain = await send(`${gateway.url}/x`, { headers: { Host: 'api.example.com' } });
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['strict-transport-security'], undefined);
  });

  test('a header key of the wrong type is ignored with a warning, as krakend-httpsecure skips it; the other headers stay', async () => {
    const loose = await startGateway({
      version: 3,
      endpoints: [route('/x')],
      extra_config: { 'security/http': { sts_seconds: '31536000', force_sts_header: true, content_type_nosniff: 'true', frame_deny: true } },
    });
    try {
      assert.deepEqual(loose.warnings.map((issue) => `${issue.code} ${issue.keyPath}`), [
        'PRT_WARN_CONFIG_IGNORED_VALUE extra_config["security/http"].sts_seconds',
        'PRT_WARN_CONFIG_IGNORED_VALUE extra_config["security/http"].content_type_nosniff',
      ]);
      const answer = await send(`${loose.url}/x`);
      assert.equal(answer.status, 200);
      assert.equal(answer.headers['strict-transport-security'], undefined);
      assert.equal(answer.headers['x-content-type-options'], undefined);
      assert.equal(answer.headers['x-frame-options'], 'DENY');
    } finally {
      await loose.close();
    }
  });

  test('another host is refused with 500 "Bad Host"; host_proxy_headers are honoured', async () => {
    const bad = await send(`${gateway.url}/x`, { headers: { Host: 'evil.example.com' } });
    assert.equal(bad.status, 500);
    assert.equal(bad.body, 'Bad Host\n');
    const proxied = await send(`${gateway.url}/x`, { headers: { Host: 'internal:8080', 'X-Forwarded-Host': 'api.example.com' } });
    assert.equal(proxied.status, 200);
  });

  test('ssl_redirect sends plain-HTTP clients to https on ssl_host, keeping path and query', async () => {
    const answer = await send(`${redirecting.url}/x?a=1`, { headers: { Host: 'api.example.com' } });
    assert.equal(answer.status, 301);
    assert.equal(answer.headers['location'], 'https://secure.example.com/x?a=1');
  });
});

describe('auth/api-keys', () => {
  let gateway: TestGateway;
  const adminKey = '4d2c61e1-34c4-e96c-9456-15bd983c5019';
  const userKey = '58427514-be32-0b52-b7c6-d01fada30497';
  before(async () => {
    gateway = await startGateway({
      version: 3,
      endpoints: [
        route('/any', { 'auth/api-keys': {} }),
        route('/admin', { 'auth/api-keys': { roles: ['admin'] } }),
        route('/query', { 'auth/api-keys': { strategy: 'query_string', identifier: 'api_key' } }, { input_query_strings: ['api_key', 'q'] }),
      ],
      extra_config: {
        'auth/api-keys': {
          propagate_role: 'X-Roles',
          keys: [
            { key: adminKey, roles: ['admin', 'user'] },
            { key: userKey, roles: ['user'] },
          ],
        },
      },
    });
  });
  after(() => gateway.close());

  test('Authorization: Bearer <key>; 401 without or with a wrong key, 403 without the role', async () => {
    assert.equal((await send(`${gateway.url}/any`)).status, 401);
    assert.equal((await send(`${gateway.url}/any`, { headers: { Authorization: `Bearer ${userKey}x` } })).status, 401);
    assert.equal((await send(`${gateway.url}/any`, { headers: { Authorization: userKey } })).status, 401);
    const ok = await send(`${gateway.url}/any`, { headers: { Authorization: `Bearer ${userKey}` } });
    assert.equal(ok.status, 200);
    assert.equal((JSON.parse(ok.body) as { headers: Record<string, string> }).headers['x-roles'], 'user');
    assert.equal((await send(`${gateway.url}/admin`, { headers: { Authorization: `Bearer ${userKey}` } })).status, 403);
    assert.equal((await send(`${gateway.url}/admin`, { headers: { Authorization: `Bearer ${adminKey}` } })).status, 200);
  });

  test('query_string strategy reads the key from the query', async () => {
    assert.equal((await send(`${gateway.url}/query?api_key=${adminKey}&q=1`)).status, 200);
    assert.equal((await send(`${gateway.url}/query?q=1`)).status, 401);
  });

  test('hashed keys: the config holds only the digest', async () => {
    const digest = createHash('sha256').update(userKey).digest('hex');
    const hashed = await startGateway({ version: 3, endpoints: [route('/h', { 'auth/api-keys': {} })], extra_config: { 'auth/api-keys': { hash: 'sha256', identifier: 'X-Key', keys: [{ key: digest, roles: [] }] } } });
    try {
      assert.equal((await send(`${hashed.url}/h`, { headers: { 'X-Key': userKey } })).status, 200);
      assert.equal((await send(`${hashed.url}/h`, { headers: { 'X-Key': digest } })).status, 401);
    } finally {
      await hashed.close();
    }
  });

  test('an endpoint asking for keys without a root key list starts with a warning and stays closed (401), where KrakenD CE would serve it', async () => {
    const keyless = await startGateway({ version: 3, endpoints: [route('/x', { 'auth/api-keys': { roles: ['reader'] } }), route('/open')] });
    try {
      assert.deepEqual(keyless.warnings.map((issue) => `${issue.code} ${issue.keyPath}`), ['PRT_WARN_CONFIG_API_KEYS endpoints[0].extra_config["auth/api-keys"]']);
      assert.equal((await send(`${keyless.url}/x`)).status, 401);
      assert.equal((await send(`${keyless.url}/x`, { headers: { Authorization: 'Bearer anything' } })).status, 401);
      assert.equal((await send(`${keyless.url}/open`)).status, 200);
    } finally {
      await keyless.close();
    }
  });
});

describe('auth/basic', () => {
  let gateway: TestGateway;
  const basic = (user: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
  before(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-htpasswd-'));
    const htpasswd = join(dir, '.htpasswd');
    await writeFile(htpasswd, `# users\nbob:${bcrypt.hashSync('builder', 4)}\n`);
    gateway = await startGateway({
      version: 3,
      endpoints: [route('/private', { 'auth/basic': {} }), route('/alice-only', { 'auth/basic': { users: ['alice'] } })],
      extra_config: { 'auth/basic': { users: { alice: bcrypt.hashSync('wonderland', 4) }, htpasswd_path: htpasswd, realm: 'Portico' } },
    });
  });
  after(() => gateway.close());

  test('valid users from the config and from the htpasswd file pass; others get 401 with a challenge', async () => {
    assert.equal((await send(`${gateway.url}/private`, { headers: basic('alice', 'wonderland') })).status, 200);
    assert.equal((await send(`${gateway.url}/private`, { headers: basic('bob', 'builder') })).status, 200);
    for (const headers of [{}, basic('alice', 'wrong'), basic('nobody', 'wonderland'), { Authorization: 'Basic !!!' }]) {
      const answer = await send(`${gateway.url}/private`, { headers });
      assert.equal(answer.status, 401);
      assert.equal(answer.headers['www-authenticate'], 'Basic realm="Portico", charset="UTF-8"');
    }
    // Cached success still checks the password.
    assert.equal((await send(`${gateway.url}/private`, { headers: basic('alice', 'wonderland') })).status, 200);
    assert.equal((await send(`${gateway.url}/private`, { headers: basic('alice', 'wonderlandx') })).status, 401);
  });

  test('an endpoint can restrict itself to some users', async () => {
    assert.equal((await send(`${gateway.url}/alice-only`, { headers: basic('bob', 'builder') })).status, 401);
    assert.equal((await send(`${gateway.url}/alice-only`, { headers: basic('alice', 'wonderland') })).status, 200);
  });

  test('plain-text passwords in the config are refused', async () => {
    const file = await writeConfig({ version: 3, endpoints: [], extra_config: { 'auth/basic': { users: { alice: 'wonderland' } } } });
    const result = await loadConfig(file, { components, env: {} });
    assert.equal(result.config, undefined);
    assert.ok(result.issues.some((issue) => issue.code === 'PRT_ERR_CONFIG_BASIC_AUTH'));
  });
});
