import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { readAll, sendJson, startBackend, startGateway, writeConfig } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';
import { components } from '../helpers/components.js';

interface GraphqlCall {
  method: string;
  url: string;
  contentType: string | undefined;
  body: string;
}

const QUERY = 'query user($id: ID!) { user(id: $id) { name } }';

describe('GraphQL backends', () => {
  let backend: RunningServer;
  let gateway: TestGateway;
  const calls: GraphqlCall[] = [];
  let queryFile = '';

  before(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-graphql-'));
    queryFile = join(dir, 'add-user.graphql');
    await writeFile(queryFile, 'mutation addUser($name: String!, $role: String) { addUser(name: $name, role: $role) { id } }');
    backend = await startBackend(async (request, response) => {
      const body = await readAll(request);
      calls.push({ method: request.method as string, url: request.url as string, contentType: request.headers['content-type'], body });
      if (request.url === '/first') return sendJson(response, 200, { id: 99 });
      sendJson(response, 200, { data: { ok: true } });
    });
    gateway = await startGateway({
      version: 3,
      endpoints: [
        {
          endpoint: '/users/{id}',
          backend: [
            {
              host: [backend.url],
              url_pattern: '/graphql',
              extra_config: { 'backend/graphql': { type: 'query', query: QUERY, operationName: 'user', variables: { id: '{id}', fixed: 'x', limit: 5 } } },
            },
          ],
        },
        {
          endpoint: '/users-get/{id}',
          backend: [
            {
              host: [backend.url],
              url_pattern: '/graphql',
              extra_config: { 'backend/graphql': { type: 'query', method: 'get', query: QUERY, variables: { id: '{id}' } } },
            },
          ],
        },
        {
          endpoint: '/users',
          method: 'POST',
          backend: [
            {
              host: [backend.url],
              url_pattern: '/graphql',
              extra_config: { 'backend/graphql': { type: 'mutation', query_path: queryFile, variables: { role: 'user', name: 'default' } } },
            },
          ],
        },
        {
          endpoint: '/chained',
          extra_config: { proxy: { sequential: true, sequential_propagated_params: ['resp0_id'] } },
          backend: [
            { host: [backend.url], url_pattern: '/first' },
            { host: [backend.url], url_pattern: '/graphql', extra_config: { 'backend/graphql': { type: 'query', query: QUERY, variables: { id: '{resp0_id}' } } } },
          ],
        },
        {
          endpoint: '/not-propagated',
          extra_config: { proxy: { sequential: true } },
          backend: [
            { host: [backend.url], url_pattern: '/first' },
            { host: [backend.url], url_pattern: '/graphql', extra_config: { 'backend/graphql': { type: 'query', query: QUERY, variables: { id: '{resp0_id}' } } } },
          ],
        },
      ],
    });
  });

  after(async () => {
    await gateway?.close();
    await backend?.close();
  });

  const lastCall = (): GraphqlCall => calls[calls.length - 1] as GraphqlCall;

  it('turns a GET into a GraphQL POST, filling "{param}" variables from the request', async () => {
    const response = await fetch(`${gateway.url}/users/7`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { data: { ok: true } });
    const call = lastCall();
    assert.equal(call.method, 'POST');
    assert.equal(call.url, '/graphql');
    assert.equal(call.contentType, 'application/json');
    assert.deepEqual(JSON.parse(call.body), { query: QUERY, operationName: 'user', variables: { fixed: 'x', id: '7', limit: 5 } });
  });

  it('sends query, operationName and variables as query strings with method GET', async () => {
    await fetch(`${gateway.url}/users-get/8`);
    const call = lastCall();
    assert.equal(call.method, 'GET');
    assert.equal(call.body, '');
    const url = new URL(call.url, 'http://x');
    assert.equal(url.pathname, '/graphql');
    assert.equal(url.searchParams.get('query'), QUERY);
    assert.equal(url.searchParams.get('operationName'), null, 'no empty operationName');
    assert.deepEqual(JSON.parse(url.searchParams.get('variables') ?? ''), { id: '8' });
  });

  it("takes a mutation's variables from the client body, the configured ones filling the gaps", async () => {
    const response = await fetch(`${gateway.url}/users`, { method: 'POST', body: '{"name":"Ann","age":30}', headers: { 'Content-Type': 'application/json' } });
    assert.equal(response.status, 200);
    const sent = JSON.parse(lastCall().body) as { query: string; variables: Record<string, unknown> };
    assert.match(sent.query, /^mutation addUser/, 'the query comes from query_path');
    assert.deepEqual(sent.variables, { name: 'Ann', age: 30, role: 'user' });
  });

  it('answers 400 when a mutation body is not a JSON object', async () => {
    const before = calls.length;
    for (const body of ['not json', '[1,2]']) {
      const response = await fetch(`${gateway.url}/users`, { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
      assert.equal(response.status, 400, body);
    }
    assert.equal(calls.length, before, 'the backend is never called');
  });

  it('sees sequential params it was given with sequential_propagated_params', async () => {
    await fetch(`${gateway.url}/chained`);
    assert.deepEqual((JSON.parse(lastCall().body) as { variables: unknown }).variables, { id: '99' });
    await fetch(`${gateway.url}/not-propagated`);
    assert.deepEqual((JSON.parse(lastCall().body) as { variables: unknown }).variables, { id: '' }, 'not propagated: empty, as in KrakenD');
  });

  it('refuses a backend without a query or with a missing query file', async () => {
    const file = await writeConfig({
      version: 3,
      endpoints: [
        { endpoint: '/a', backend: [{ host: ['http://127.0.0.1:1'], url_pattern: '/g', extra_config: { 'backend/graphql': { type: 'query' } } }] },
        { endpoint: '/b', backend: [{ host: ['http://127.0.0.1:1'], url_pattern: '/g', extra_config: { 'backend/graphql': { type: 'query', query_path: '/no/such/file.graphql' } } }] },
      ],
    });
    const result = await loadConfig(file, { components, env: {} });
    const codes = result.issues.map((issue) => issue.code);
    assert.ok(codes.includes('PRT_ERR_CONFIG_GRAPHQL_QUERY'), codes.join());
    assert.ok(codes.includes('PRT_ERR_CONFIG_GRAPHQL_QUERY_PATH'), codes.join());
  });
});
