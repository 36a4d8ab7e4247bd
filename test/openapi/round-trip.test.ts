/** `portico openapi import` / `export`: the Petstore sample round trip, and the imported config served. */
import { components } from '../helpers/components.js';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { runCli } from '../helpers/cli.js';
import { request } from '../helpers/http.js';
import { startRecordingBackend } from '../helpers/recording-backend.js';
import type { RecordingBackend } from '../helpers/recording-backend.js';
import { startGateway, writeConfig } from '../helpers/servers.js';
import type { TestGateway } from '../helpers/servers.js';

// From dist/test/openapi/ to the sources' fixture.
const PETSTORE = fileURLToPath(new URL('../../../test/openapi/fixtures/petstore.yaml', import.meta.url));
type Json = Record<string, any>;

/** method + path → the fields a round trip must keep. */
function operations(document: Json): Map<string, Json> {
  const out = new Map<string, Json>();
  for (const [path, item] of Object.entries(document['paths'] as Json)) {
    for (const [method, operation] of Object.entries(item as Json)) {
      if (method === 'parameters') continue;
      const op = operation as Json;
      const parameters = ((op['parameters'] ?? []) as Json[]).map((parameter) => `${parameter['in']}:${parameter['name']}`).sort();
      out.set(`${method.toUpperCase()} ${path}`, { operationId: op['operationId'], summary: op['summary'], tags: op['tags'], parameters, body: op['requestBody'] !== undefined });
    }
  }
  return out;
}

describe('OpenAPI import and export', () => {
  let backend: RecordingBackend;
  let gateway: TestGateway;
  let configFile: string;
  let imported: Json;
  before(async () => {
    backend = await startRecordingBackend((req, res, recorded) => {
      const status = req.method === 'POST' ? 201 : 200;
      const body = req.method === 'POST' ? '' : JSON.stringify(req.url === '/v1/pets/7' ? { id: 7, name: 'rex' } : [{ id: 1, name: 'a' }]);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...(recorded.body ? { 'X-Got': recorded.body } : {}) });
      res.end(body);
    });
    configFile = join(await (async () => (await writeConfig({}, 'placeholder.json')).replace(/\/placeholder\.json$/, ''))(), 'krakend.json');
    const result = await runCli(['openapi', 'import', PETSTORE, '--host', backend.url, '-o', configFile], { timeoutMs: 30_000 });
    assert.equal(result.code, 0, result.stderr);
    imported = JSON.parse(await readFile(configFile, 'utf8')) as Json;
    gateway = await startGateway(imported);
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('writes a config that loads without a warning: one endpoint per operation, host from --host, base path from servers', async () => {
    const loaded = await loadConfig(configFile, { components, env: {} });
    assert.deepEqual(loaded.issues.map((issue) => `${issue.code} ${issue.keyPath}`), []);
    assert.deepEqual(loaded.config?.endpoints.map((endpoint) => `${endpoint.method} ${endpoint.path} → ${endpoint.backends[0]?.method} ${endpoint.backends[0]?.urlPattern}`), [
      'GET /pets → GET /v1/pets',
      'POST /pets → POST /v1/pets',
      'GET /pets/{petId} → GET /v1/pets/{petId}',
    ]);
    assert.equal(imported['name'], 'Swagger Petstore');
  });

  it('serves the imported API through the gateway: parameters mapped, bodies and statuses passed through', async () => {
    const list = await request(`${gateway.url}/pets?limit=2&other=x`);
    assert.equal(list.status, 200);
    assert.deepEqual(JSON.parse(list.body), [{ id: 1, name: 'a' }]);
    assert.equal(backend.requests.at(-1)?.url, '/v1/pets?limit=2', 'only the declared query parameter');
    const one = await request(`${gateway.url}/pets/7`);
    assert.deepEqual(JSON.parse(one.body), { id: 7, name: 'rex' });
    const created = await request(`${gateway.url}/pets`, { method: 'POST', body: '{"name":"tom"}', headers: { 'content-type': 'application/json' } });
    assert.equal(created.status, 201);
    assert.equal(backend.requests.at(-1)?.body, '{"name":"tom"}');
  });

  it('exports what it imported: the same operations, ids, summaries, tags and parameters', async () => {
    const result = await runCli(['openapi', 'export', '-c', configFile], { timeoutMs: 30_000 });
    assert.equal(result.code, 0, result.stderr);
    const exported = JSON.parse(result.stdout) as Json;
    assert.equal(exported['openapi'], '3.0.3');
    assert.equal(exported['info']['title'], 'Swagger Petstore');
    assert.equal(exported['info']['version'], '1.0.0');
    assert.deepEqual(exported['info']['license'], { name: 'MIT' });
    const original = parseYaml(await readFile(PETSTORE, 'utf8')) as Json;
    assert.deepEqual(operations(exported), operations(original));
  });

  it('exports YAML with -o file.yaml, and a config with method lists and wildcards', async () => {
    const file = await writeConfig({
      version: 3,
      name: 'Mixed',
      extra_config: { 'documentation/openapi': { host: 'api.example.com', base_path: '/v2', description: 'desc' } },
      endpoints: [
        { endpoint: '/files/*', method: ['GET', 'HEAD'], backend: [{ host: ['http://b:1'], url_pattern: '/f' }] },
        { endpoint: '/users/{id}', input_headers: ['X-Tenant'], extra_config: { 'documentation/openapi': { summary: 'one user' } }, backend: [{ host: ['http://b:1'], url_pattern: '/u/{id}' }] },
      ],
    });
    const out = file.replace(/krakend\.json$/, 'openapi.yaml');
    const result = await runCli(['openapi', 'export', '-c', file, '-o', out], { timeoutMs: 30_000 });
    assert.equal(result.code, 0, result.stderr);
    const exported = parseYaml(await readFile(out, 'utf8')) as Json;
    assert.deepEqual(exported['servers'], [{ url: 'https://api.example.com/v2' }]);
    assert.deepEqual(Object.keys(exported['paths']['/files/{wildcard}']), ['get', 'head']);
    assert.deepEqual(exported['paths']['/users/{id}']['get']['parameters'].map((parameter: Json) => `${parameter['in']}:${parameter['name']}`), ['path:id', 'header:X-Tenant']);
    assert.equal(exported['paths']['/users/{id}']['get']['summary'], 'one user');
  });

  it('refuses what is not OpenAPI 3, a config with errors, and usage mistakes', async () => {
    const swagger2 = await writeConfig({ swagger: '2.0', paths: {} }, 'spec.json');
    const notV3 = await runCli(['openapi', 'import', swagger2], { timeoutMs: 30_000 });
    assert.equal(notV3.code, 1);
    assert.match(notV3.stderr, /not an OpenAPI 3 document/);
    const relative = await writeConfig({ openapi: '3.0.0', info: { title: 't', version: '1' }, servers: [{ url: '/v1' }], paths: {} }, 'spec.json');
    assert.match((await runCli(['openapi', 'import', relative], { timeoutMs: 30_000 })).stderr, /pass --host/);
    const broken = await writeConfig({ version: 3, endpoints: [{ endpoint: '/a', backend: [{ host: ['ftp://x'], url_pattern: '/' }] }] });
    const refused = await runCli(['openapi', 'export', '-c', broken], { timeoutMs: 30_000 });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /PRT_ERR_CONFIG_HOST/);
    assert.equal((await runCli(['openapi', 'export'], { timeoutMs: 30_000 })).code, 2);
    assert.equal((await runCli(['openapi', 'convert'], { timeoutMs: 30_000 })).code, 2);
    assert.equal((await runCli(['openapi', 'import'], { timeoutMs: 30_000 })).code, 2);
  });
});
