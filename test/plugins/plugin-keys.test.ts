/**
 * KrakenD's plugin keys with TypeScript plugins, through the whole gateway: modules loaded from the
 * root `plugin` folder, named under `plugin/http-server`, `plugin/http-client` and
 * `plugin/req-resp-modifier`, each given its own block; start-up errors for broken plugins; bounded
 * answers for plugins that fail on a request.
 */
import { components } from '../helpers/components.js';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { createGateway } from '../../src/server/gateway.js';
import { createLogger } from '../../src/core/logger.js';
import { request } from '../helpers/http.js';
import { MemoryLog, readAll, sendJson, startBackend, startGateway, writeConfig } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';

/** Writes plugin modules (name → source) into a fresh folder. */
async function pluginFolder(modules: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-plugins-'));
  for (const [file, source] of Object.entries(modules)) await writeFile(join(dir, file), source);
  return dir;
}

// Each http-server plugin appends its tag to X-Order on the way in, and writes what it saw on the way out.
const SERVER_PLUGIN = (name: string): string => `
export default {
  name: '${name}',
  httpServer(config, context) {
    const tag = config.tag ?? '${name}';
    globalThis.porticoTestBuilds = (globalThis.porticoTestBuilds ?? 0) + 1;
    const names = JSON.stringify(context.namespaceBlock.name);
    return (next) => (request, response) => {
      request.headers['x-order'] = (request.headers['x-order'] ? request.headers['x-order'] + ',' : '') + tag;
      if (request.url === '/${name}-says-no') {
        response.writeHead(401, { 'Content-Type': 'text/plain' });
        response.end('${name} refused');
        return;
      }
      response.setHeader('X-Seen-${name}', names);
      response.setHeader('X-Order-${name}', request.headers['x-order']);
      next(request, response);
    };
  },
};
`;

const MODULES = {
  'outer.mjs': SERVER_PLUGIN('outer'),
  'inner.mjs': SERVER_PLUGIN('inner'),
  'fake-client.mjs': `
export default {
  name: 'fake-client',
  httpClient(config) {
    return async (request) => {
      let body = '';
      if (request.body && typeof request.body.on === 'function') { for await (const chunk of request.body) body += chunk; }
      else if (request.body) body = request.body.toString();
      if (request.url.includes('fail')) throw new Error('client plugin down');
      return { status: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ via: config.label, method: request.method, url: request.url, tenant: request.headers['X-Tenant']?.[0] ?? null, body }) };
    };
  },
};`,
  'modifiers.mjs': `
class Refusal extends Error { constructor(m) { super(m); this.statusCode = 403; } }
export default {
  name: 'stamp',
  reqRespModifier(config, context) {
    const where = context.backend ? 'backend' : 'endpoint';
    return {
      request(request) {
        if (request.headers['X-Deny']) throw new Refusal('denied by stamp');
        if (request.headers['X-Boom']) throw new Error('stamp exploded');
        request.headers['X-Stamp-' + where] = [config.value ?? 'none'];
      },
      async response(response) {
        return { ...response, data: { ...response.data, ['stamped_' + where]: config.value ?? 'none' } };
      },
    };
  },
};`,
  'second.mjs': `
export default {
  name: 'second',
  reqRespModifier: () => ({ response(response) { response.data.order = Object.keys(response.data).filter((k) => k.startsWith('stamped')).join(','); } }),
};`,
  'async-fail.mjs': `
export default {
  name: 'async-fail',
  httpServer: () => (next) => async (request, response) => {
    if (request.url === '/async-boom') throw new Error('async handler failed');
    next(request, response);
  },
};`,
  'notes.txt': 'not a plugin: skipped by the pattern',
};

describe('TypeScript plugins under the KrakenD plugin keys', () => {
  let backend: RunningServer;
  let gateway: TestGateway;
  const seen: { headers: Record<string, unknown>; url: string }[] = [];

  before(async () => {
    backend = await startBackend((req, res) => {
      seen.push({ headers: req.headers, url: req.url ?? '' });
      void readAll(req).then(() => sendJson(res, 200, { from: 'backend' }));
    });
    const folder = await pluginFolder(MODULES);
    gateway = await startGateway({
      version: 3,
      plugin: { folder, pattern: '.mjs' },
      extra_config: { 'plugin/http-server': { name: ['inner', 'outer', 'async-fail'], inner: { tag: 'I' }, outer: { tag: 'O' } } },
      endpoints: [
        {
          endpoint: '/modified',
          input_headers: ['X-Deny', 'X-Boom'],
          extra_config: { 'plugin/req-resp-modifier': { name: ['stamp', 'second'], stamp: { value: 'e1' } } },
          backend: [{ host: [backend.url], url_pattern: '/data', extra_config: { 'plugin/req-resp-modifier': { name: ['stamp'], stamp: { value: 'b1' } } } }],
        },
        {
          endpoint: '/client',
          method: 'POST',
          input_headers: ['X-Tenant'],
          backend: [{ host: [backend.url], url_pattern: '/never', extra_config: { 'plugin/http-client': { name: 'fake-client', 'fake-client': { label: 'plugin' } } } }],
        },
        { endpoint: '/client-fail', backend: [{ host: [backend.url], url_pattern: '/fail', extra_config: { 'plugin/http-client': { name: 'fake-client' } } }] },
        { endpoint: '/async-boom', backend: [{ host: [backend.url], url_pattern: '/data' }] },
        { endpoint: '/inner-says-no', backend: [{ host: [backend.url], url_pattern: '/data' }] },
      ],
    });
  });
  after(async () => {
    await gateway?.close();
    await backend?.close();
  });

  it('http-server: each plugin gets its own block; the last name wraps the others (sees the request first)', async () => {
    const response = await request(`${gateway.url}/modified`);
    assert.equal(response.status, 200, response.body);
    assert.equal(response.headers['x-seen-inner'], '["inner","outer","async-fail"]', 'the whole block reaches the plugin as namespaceBlock');
    assert.equal(response.headers['x-seen-outer'], '["inner","outer","async-fail"]');
    assert.equal(response.headers['x-order-outer'], 'O', 'outer (listed after inner) runs first');
    assert.equal(response.headers['x-order-inner'], 'O,I');
    const refused = await request(`${gateway.url}/inner-says-no`);
    assert.equal(refused.status, 401);
    assert.equal(refused.body, 'inner refused');
  });

  it('req-resp-modifier: endpoint and backend modifiers change the backend request and the response, in name order', async () => {
    seen.length = 0;
    const response = await request(`${gateway.url}/modified`);
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.body), { from: 'backend', stamped_backend: 'b1', stamped_endpoint: 'e1', order: 'stamped_backend,stamped_endpoint' });
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.headers['x-stamp-endpoint'], 'e1');
    assert.equal(seen[0]?.headers['x-stamp-backend'], 'b1');
  });

  it('req-resp-modifier: a thrown error with a statusCode answers with it; any other throw is a 500', async () => {
    seen.length = 0;
    const denied = await request(`${gateway.url}/modified`, { headers: { 'X-Deny': '1' } });
    assert.equal(denied.status, 403);
    const boom = await request(`${gateway.url}/modified`, { headers: { 'X-Boom': '1' } });
    assert.equal(boom.status, 500);
    assert.equal(boom.body, '');
    assert.equal(seen.length, 0, 'a refused request never reaches the backend');
    assert.ok(gateway.log.lines.some((line) => line.includes('plugin "stamp" request modifier failed: stamp exploded')), gateway.log.lines.join('\n'));
  });

  it('http-client: the plugin answers in place of the backend call, with the request it would have sent', async () => {
    seen.length = 0;
    const response = await request(`${gateway.url}/client`, { method: 'POST', body: 'hello', headers: { 'X-Tenant': 'acme', 'Content-Type': 'text/plain' } });
    assert.equal(response.status, 200, response.body);
    assert.deepEqual(JSON.parse(response.body), { via: 'plugin', method: 'POST', url: `${backend.url}/never`, tenant: 'acme', body: 'hello' });
    assert.equal(seen.length, 0, 'the real backend is never called');
    const failed = await request(`${gateway.url}/client-fail`);
    assert.equal(failed.status, 500);
    assert.ok(gateway.log.lines.some((line) => line.includes('plugin "fake-client" http-client failed: client plugin down')));
  });

  it('http-server: an async handler that rejects is answered 500 and logged; the gateway keeps serving', async () => {
    const failed = await request(`${gateway.url}/async-boom`);
    assert.equal(failed.status, 500);
    assert.ok(gateway.log.lines.some((line) => line.includes('[async-fail]') && line.includes('async handler failed')));
    assert.equal((await request(`${gateway.url}/modified`)).status, 200);
  });

  it('a reload whose plugin throws while building is refused, and the running config keeps serving', async () => {
    const folder = await pluginFolder({ 'thrower.mjs': 'export default { name: "thrower", httpServer() { throw new Error("no way"); } };' });
    const file = await writeConfig({ version: 3, plugin: { folder, pattern: '.mjs' }, extra_config: { 'plugin/http-server': { name: 'thrower' } }, endpoints: [{ endpoint: '/x', backend: [{ host: [backend.url], url_pattern: '/' }] }] });
    const next = await loadConfig(file, { components, env: {} });
    assert.ok(next.config);
    assert.throws(() => gateway.gateway.replace(next.config!, 0), /PRT_ERR_PLUGIN_BUILD: plugin "thrower" .* failed to build its http-server at extra_config\["plugin\/http-server"\]: no way/);
    assert.equal((await request(`${gateway.url}/modified`)).status, 200);
  });

  it('factories ran once, at start-up, however many requests came', () => {
    assert.equal((globalThis as { porticoTestBuilds?: number }).porticoTestBuilds, 2);
  });
});

describe('broken plugins stop the start, naming plugin, file and key', () => {
  const backend = { host: ['http://127.0.0.1:9'], url_pattern: '/' };

  async function load(modules: Record<string, string>, extra: Record<string, unknown>, endpointExtra: Record<string, unknown> = {}) {
    const folder = await pluginFolder(modules);
    const file = await writeConfig({ version: 3, plugin: { folder, pattern: '.mjs' }, extra_config: extra, endpoints: [{ endpoint: '/e', extra_config: endpointExtra, backend: [backend] }] });
    return { folder, result: await loadConfig(file, { components, env: {} }) };
  }

  it('a module that fails to import', async () => {
    const { folder, result } = await load({ 'bad.mjs': 'export default { name: "bad", httpServer() {} ;' }, {});
    assert.equal(result.config, undefined);
    const issue = result.issues.find((item) => item.code === 'PRT_ERR_CONFIG_PLUGIN_LOAD');
    assert.ok(issue, JSON.stringify(result.issues));
    assert.equal(issue.keyPath, 'plugin');
    assert.match(issue.message, new RegExp(`plugin module ${join(folder, 'bad.mjs').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} failed to load`));
  });

  it('a module whose default export is not a plugin, and two plugins with one name', async () => {
    const { result } = await load({ 'a.mjs': 'export default { name: "same", httpServer: () => (n) => n };', 'b.mjs': 'export default { name: "same", httpServer: () => (n) => n };', 'c.mjs': 'export const x = 1;' }, {});
    const messages = result.issues.filter((item) => item.code === 'PRT_ERR_CONFIG_PLUGIN_LOAD').map((item) => item.message);
    assert.equal(messages.length, 2, messages.join('\n'));
    assert.match(messages.join('\n'), /c\.mjs has no default export/);
    assert.match(messages.join('\n'), /plugin "same" is defined twice: .*a\.mjs and .*b\.mjs/);
  });

  it('a name no plugin provides, and a plugin of another kind, are missing', async () => {
    const { result } = await load({ 'only-server.mjs': 'export default { name: "only-server", httpServer: () => (n) => n };' }, { 'plugin/http-server': { name: ['only-server', 'ghost'] } }, { 'plugin/req-resp-modifier': { name: ['only-server'] } });
    const missing = result.issues.filter((item) => item.code === 'PRT_ERR_CONFIG_PLUGIN_MISSING');
    assert.equal(missing.length, 2, JSON.stringify(result.issues));
    assert.match(missing.map((item) => item.message).join('\n'), /plugin "only-server" \(.*only-server\.mjs\) is not a req-resp-modifier plugin \(it implements http-server\), used at endpoints\[0\]/);
    assert.match(missing.map((item) => item.message).join('\n'), /plugin "ghost" is not loaded/);
  });

  it('a factory that throws stops the build with the plugin, its file and the key', async () => {
    const { result } = await load({ 'thrower.mjs': 'export default { name: "thrower", reqRespModifier(config) { if (!config.secret) throw new Error("secret is required"); return {}; } };' }, {}, { 'plugin/req-resp-modifier': { name: ['thrower'] } });
    assert.ok(result.config, JSON.stringify(result.issues));
    const logger = createLogger({ level: 'ERROR', prefix: '[TEST]', stdout: true, format: 'default', accessLog: false, skipPaths: [] }, new MemoryLog());
    assert.throws(() => createGateway(result.config!, { components, logger }), (error: Error) => {
      assert.match(error.message, /^PRT_ERR_PLUGIN_BUILD: plugin "thrower" \(.*thrower\.mjs\) failed to build its req-resp-modifier at endpoints\[0\]\.extra_config\["plugin\/req-resp-modifier"\]: secret is required$/);
      return true;
    });
  });
});
