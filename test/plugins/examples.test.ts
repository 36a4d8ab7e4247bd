/**
 * The example plugins of examples/plugins/, compiled by the build, loaded from their folder and run
 * through the real gateway against real backends on loopback.
 */
import { components } from '../helpers/components.js';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { createGateway } from '../../src/server/gateway.js';
import { createLogger } from '../../src/core/logger.js';
import { CLI_PATH } from '../helpers/cli.js';
import { request } from '../helpers/http.js';
import { PACKAGE_ROOT, run } from '../helpers/package-project.js';
import { MemoryLog, readAll, sendJson, startBackend, startGateway, writeConfig } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';

const FOLDER = join(PACKAGE_ROOT, 'dist', 'examples', 'plugins');
const SECRET = 'a-test-secret-of-some-length';

describe('examples/plugins through the gateway', () => {
  let users: RunningServer;
  let partner: RunningServer;
  let gateway: TestGateway;
  const userCalls: Record<string, unknown>[] = [];

  before(async () => {
    users = await startBackend((req, res) => {
      userCalls.push(req.headers);
      sendJson(res, 200, { id: 7, name: 'Ada', password: 'hunter2', internal_id: 'x-7' });
    });
    // Checks the signature the way a partner API would, and says what it received.
    partner = await startBackend((req, res) => {
      void readAll(req).then((body) => {
        const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(req.headers['x-signature'] ?? ''));
        const expected = match && createHmac('sha256', SECRET).update(`${match[1]}.${req.method}.${req.url}.`).update(body).digest('hex');
        if (!match || expected !== match[2]) sendJson(res, 401, { error: 'bad signature' });
        else sendJson(res, 201, { accepted: JSON.parse(body) as unknown });
      });
    });
    gateway = await startGateway({
      version: 3,
      plugin: { folder: FOLDER, pattern: '.js' },
      extra_config: { 'plugin/http-server': { name: ['require-header'], 'require-header': { header: 'X-Tenant', paths: ['/users'] } } },
      endpoints: [
        {
          endpoint: '/users/{id}',
          input_headers: ['X-Tenant', 'X-Request-Id'],
          extra_config: { 'plugin/req-resp-modifier': { name: ['field-mask'], 'field-mask': { fields: ['password', 'internal_id'] } } },
          backend: [{ host: [users.url], url_pattern: '/users/{id}' }],
        },
        {
          endpoint: '/partner/orders',
          method: 'POST',
          backend: [{ host: [partner.url], url_pattern: '/v1/orders', extra_config: { 'plugin/http-client': { name: 'signed-client', 'signed-client': { secret: SECRET } } } }],
        },
      ],
    });
  });
  after(async () => {
    await gateway?.close();
    await users?.close();
    await partner?.close();
  });

  it('require-header (http-server): refuses a request without the header before routing, passes the others', async () => {
    userCalls.length = 0;
    const refused = await request(`${gateway.url}/users/7`);
    assert.equal(refused.status, 400);
    assert.deepEqual(JSON.parse(refused.body), { error: 'missing X-Tenant header' });
    assert.equal(userCalls.length, 0);
    const outside = await request(`${gateway.url}/partner/orders`, { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json' } });
    assert.notEqual(outside.status, 400, 'paths outside the prefixes need no header');
    const passed = await request(`${gateway.url}/users/7`, { headers: { 'X-Tenant': 'acme' } });
    assert.equal(passed.status, 200);
    assert.equal(passed.headers['x-tenant-seen'], 'acme');
  });

  it('field-mask (req-resp-modifier): removes the listed fields and gives the backend call a request id', async () => {
    userCalls.length = 0;
    const response = await request(`${gateway.url}/users/7`, { headers: { 'X-Tenant': 'acme' } });
    assert.deepEqual(JSON.parse(response.body), { id: 7, name: 'Ada' });
    assert.match(String(userCalls[0]?.['x-request-id']), /^[0-9a-f-]{36}$/);
    const kept = await request(`${gateway.url}/users/7`, { headers: { 'X-Tenant': 'acme', 'X-Request-Id': 'client-chosen' } });
    assert.equal(kept.status, 200);
    assert.equal(userCalls[1]?.['x-request-id'], 'client-chosen');
  });

  it('signed-client (http-client): the backend receives a valid signature over method, path and body', async () => {
    const response = await request(`${gateway.url}/partner/orders`, { method: 'POST', body: '{"sku":"A-1","qty":2}', headers: { 'Content-Type': 'application/json' } });
    assert.equal(response.status, 200, response.body);
    assert.deepEqual(JSON.parse(response.body), { accepted: { sku: 'A-1', qty: 2 } });
  });

  it('signed-client: a secret that is too short stops the build, naming the plugin and the key', async () => {
    const file = await writeConfig({
      version: 3,
      plugin: { folder: FOLDER, pattern: 'signed-client.js' },
      endpoints: [{ endpoint: '/x', backend: [{ host: [partner.url], url_pattern: '/', extra_config: { 'plugin/http-client': { name: 'signed-client', 'signed-client': { secret: 'short' } } } }] }],
    });
    const result = await loadConfig(file, { components, env: {} });
    assert.ok(result.config, JSON.stringify(result.issues));
    const logger = createLogger({ level: 'ERROR', prefix: '[TEST]', stdout: true, format: 'default', accessLog: false, skipPaths: [] }, new MemoryLog());
    assert.throws(() => createGateway(result.config!, { components, logger }), /plugin "signed-client" \(.*signed-client\.js\) failed to build its http-client at endpoints\[0\]\.backend\[0\]\.extra_config\["plugin\/http-client"\]: "secret" must be/);
  });

  it('examples/plugins/krakend.json checks clean with the CLI', async () => {
    // The example's folder is relative to the working directory, the repository root, as in KrakenD.
    const result = await run(process.execPath, [CLI_PATH, 'check', '-c', 'examples/plugins/krakend.json'], PACKAGE_ROOT);
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /examples\/plugins\/krakend\.json: OK \(2 endpoints\)/);
  });
});
