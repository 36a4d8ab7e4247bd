import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';
import { send, startEchoBackend } from './helpers.js';

describe('security/cors', () => {
  let backend: RunningServer;
  let gateway: TestGateway;
  let credentialed: TestGateway;
  let passthrough: TestGateway;

  before(async () => {
    backend = await startEchoBackend();
    const endpoints = [{ endpoint: '/items', backend: [{ host: [backend.url], url_pattern: '/items' }] }];
    gateway = await startGateway({
      version: 3,
      endpoints,
      extra_config: {
        'security/cors': {
          allow_origins: ['https://app.example.com', 'https://*.example.org'],
          allow_methods: ['GET', 'POST'],
          allow_headers: ['Authorization', 'Content-Type'],
          expose_headers: ['content-length', 'x-request-id'],
          max_age: '12h',
        },
      },
    });
    credentialed = await startGateway({
      version: 3,
      endpoints,
      extra_config: { 'security/cors': { allow_origins: ['https://app.example.com'], allow_credentials: true, allow_private_network: true, options_success_status: 200 } },
    });
    passthrough = await startGateway({ version: 3, endpoints, extra_config: { 'security/cors': { options_passthrough: true } } });
  });

  after(async () => {
    await Promise.all([gateway.close(), credentialed.close(), passthrough.close(), backend.close()]);
  });

  test('a preflight from an allowed origin is answered 204 before routing, echoing method and headers', async () => {
    const answer = await send(`${gateway.url}/anything/not/routed`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type' },
    });
    assert.equal(answer.status, 204);
    assert.equal(answer.body, '');
    assert.equal(answer.headers['access-control-allow-origin'], 'https://app.example.com');
    assert.equal(answer.headers['access-control-allow-methods'], 'POST');
    // rs/cors v1.11.1 echoes the requested list as it came (KrakenD's cors_1 spec).
    assert.equal(answer.headers['access-control-allow-headers'], 'authorization, content-type');
    assert.equal(answer.headers['access-control-max-age'], '43200');
    assert.equal(answer.headers['vary'], 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers');
    assert.equal(answer.headers['x-krakend-completed'], undefined);
    assert.equal(answer.headers['access-control-allow-credentials'], undefined);
  });

  test('wildcard origins match any subdomain, and nothing else', async () => {
    const ok = await send(`${gateway.url}/items`, { method: 'OPTIONS', headers: { Origin: 'https://a.b.example.org', 'Access-Control-Request-Method': 'GET' } });
    assert.equal(ok.headers['access-control-allow-origin'], 'https://a.b.example.org');
    const lookalike = await send(`${gateway.url}/items`, { method: 'OPTIONS', headers: { Origin: 'https://example.org.evil.com', 'Access-Control-Request-Method': 'GET' } });
    assert.equal(lookalike.status, 204);
    assert.equal(lookalike.headers['access-control-allow-origin'], undefined);
  });

  test('a preflight for a method or header outside the lists gets no CORS headers', async () => {
    const method = await send(`${gateway.url}/items`, { method: 'OPTIONS', headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'DELETE' } });
    assert.equal(method.status, 204);
    assert.equal(method.headers['access-control-allow-origin'], undefined);
    assert.equal(method.headers['access-control-allow-methods'], undefined);
    const header = await send(`${gateway.url}/items`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'X-Pingother' },
    });
    assert.equal(header.headers['access-control-allow-origin'], undefined);
  });

  test('requested headers must be lowercase and sorted, as rs/cors v1.11.1 accepts them', async () => {
    for (const list of ['content-type,authorization', 'Authorization', 'authorization,authorization']) {
      const refused = await send(`${gateway.url}/items`, {
        method: 'OPTIONS',
        headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': list },
      });
      assert.equal(refused.headers['access-control-allow-origin'], undefined, list);
      assert.equal(refused.headers['access-control-allow-headers'], undefined, list);
    }
  });

  test('an actual request from an allowed origin carries Allow-Origin, Expose-Headers and Vary', async () => {
    const answer = await send(`${gateway.url}/items`, { headers: { Origin: 'https://app.example.com' } });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['access-control-allow-origin'], 'https://app.example.com');
    assert.equal(answer.headers['access-control-expose-headers'], 'Content-Length, X-Request-Id');
    assert.equal(answer.headers['vary'], 'Origin');
    assert.equal(answer.headers['x-krakend-completed'], 'true');
  });

  test('the headers reach 404 answers too, and a foreign origin gets only Vary', async () => {
    const missing = await send(`${gateway.url}/nope`, { headers: { Origin: 'https://app.example.com' } });
    assert.equal(missing.status, 404);
    assert.equal(missing.headers['access-control-allow-origin'], 'https://app.example.com');
    const foreign = await send(`${gateway.url}/items`, { headers: { Origin: 'https://evil.example.com' } });
    assert.equal(foreign.status, 200);
    assert.equal(foreign.headers['access-control-allow-origin'], undefined);
    assert.equal(foreign.headers['vary'], 'Origin');
  });

  test('credentials: the exact origin, Allow-Credentials, private network and a custom success status', async () => {
    const preflight = await send(`${credentialed.url}/items`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Private-Network': 'true' },
    });
    assert.equal(preflight.status, 200);
    assert.equal(preflight.headers['access-control-allow-origin'], 'https://app.example.com');
    assert.equal(preflight.headers['access-control-allow-credentials'], 'true');
    assert.equal(preflight.headers['access-control-allow-private-network'], 'true');
    assert.match(String(preflight.headers['vary']), /Access-Control-Request-Private-Network/);
    const actual = await send(`${credentialed.url}/items`, { headers: { Origin: 'https://app.example.com' } });
    assert.equal(actual.headers['access-control-allow-credentials'], 'true');
  });

  test('defaults allow every origin with "*", and options_passthrough hands the preflight to the router', async () => {
    const actual = await send(`${passthrough.url}/items`, { headers: { Origin: 'https://whoever.test' } });
    assert.equal(actual.headers['access-control-allow-origin'], '*');
    const preflight = await send(`${passthrough.url}/items`, { method: 'OPTIONS', headers: { Origin: 'https://whoever.test', 'Access-Control-Request-Method': 'GET' } });
    // No OPTIONS endpoint exists, so the router answers 405, with the CORS headers already set.
    assert.equal(preflight.status, 405);
    assert.equal(preflight.headers['access-control-allow-origin'], '*');
    assert.equal(preflight.headers['access-control-allow-methods'], 'GET');
  });

  test('a max_age without a unit is ignored with a warning, as krakend-cors drops what time.ParseDuration refuses: CORS stays on', async () => {
    const unitless = await startGateway({ version: 3, endpoints: [{ endpoint: '/items', backend: [{ host: [backend.url], url_pattern: '/items' }] }], extra_config: { 'security/cors': { allow_origins: ['https://app.example.com'], max_age: '86400' } } });
    try {
      assert.deepEqual(unitless.warnings.map((issue) => `${issue.code} ${issue.keyPath}`), ['PRT_WARN_CONFIG_IGNORED_VALUE extra_config["security/cors"].max_age']);
      const preflight = await send(`${unitless.url}/items`, { method: 'OPTIONS', headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'GET' } });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers['access-control-allow-origin'], 'https://app.example.com');
      assert.equal(preflight.headers['access-control-max-age'], undefined);
    } finally {
      await unitless.close();
    }
  });
});
