import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/load.js';
import { sendJson, startBackend, startGateway, writeConfig } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';
import { components } from '../helpers/components.js';

describe('flatmap_filter through the gateway', () => {
  let backend: RunningServer;
  let gateway: TestGateway;

  before(async () => {
    backend = await startBackend((request, response) => {
      const url = request.url as string;
      if (url.startsWith('/collection/')) {
        const path = url;
        return sendJson(response, 200, Array.from({ length: 10 }, (_, i) => ({ path, i })));
      }
      if (url === '/user') return sendJson(response, 200, { data: { id: 1, name: 'Ann', secret: 's', roles: ['a', 'b'] }, meta: { page: 1 } });
      if (url === '/orders') return sendJson(response, 200, { orders: [{ id: 'o1', internal: true }, { id: 'o2', internal: true }] });
      if (url === '/archive') return sendJson(response, 200, { archived: [{ id: 'o0', internal: false }] });
      sendJson(response, 500, { error: 'boom' });
    });
    gateway = await startGateway({
      version: 3,
      endpoints: [
        {
          // KrakenD spec flatmap_1.
          endpoint: '/flatmap/{id}',
          backend: [
            {
              host: [backend.url],
              url_pattern: '/collection/{id}',
              is_collection: true,
              extra_config: {
                proxy: {
                  flatmap_filter: [
                    { type: 'move', args: ['collection', 'paths'] },
                    { type: 'del', args: ['paths.*.i'] },
                    { type: 'move', args: ['paths.*.path', 'paths.*.url'] },
                  ],
                },
              },
            },
          ],
        },
        {
          endpoint: '/user-trimmed',
          backend: [
            {
              host: [backend.url],
              url_pattern: '/user',
              extra_config: { proxy: { flatmap_filter: [{ type: 'del', args: ['data.secret', 'data.roles', 'meta'] }] } },
            },
          ],
        },
        {
          endpoint: '/user',
          backend: [
            {
              host: [backend.url],
              url_pattern: '/user',
              target: 'data',
              group: 'user',
              // Ignored because a flatmap is present, as in KrakenD.
              allow: ['id'],
              mapping: { name: 'full_name' },
              extra_config: { proxy: { flatmap_filter: [{ type: 'del', args: ['secret'] }, { type: 'move', args: ['roles.0', 'main_role'] }] } },
            },
          ],
        },
        {
          endpoint: '/all-orders',
          extra_config: {
            proxy: {
              flatmap_filter: [
                { type: 'append', args: ['archived', 'orders'] },
                { type: 'del', args: ['orders.*.internal'] },
              ],
            },
          },
          backend: [
            { host: [backend.url], url_pattern: '/orders' },
            { host: [backend.url], url_pattern: '/archive' },
          ],
        },
        {
          endpoint: '/orders-partial',
          extra_config: { proxy: { flatmap_filter: [{ type: 'del', args: ['orders'] }] } },
          backend: [
            { host: [backend.url], url_pattern: '/orders' },
            { host: [backend.url], url_pattern: '/fail' },
          ],
        },
        {
          endpoint: '/single',
          extra_config: { proxy: { flatmap_filter: [{ type: 'del', args: ['orders'] }] } },
          backend: [{ host: [backend.url], url_pattern: '/orders' }],
        },
      ],
    });
  });

  after(async () => {
    await gateway?.close();
    await backend?.close();
  });

  it('reshapes a collection as KrakenD spec flatmap_1 expects', async () => {
    const response = await fetch(`${gateway.url}/flatmap/2`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-krakend-completed'), 'true');
    assert.equal(await response.text(), JSON.stringify({ paths: Array.from({ length: 10 }, () => ({ url: '/collection/2' })) }));
  });

  it('a del with several paths deletes them all, as lura', async () => {
    const response = await fetch(`${gateway.url}/user-trimmed`);
    assert.deepEqual(await response.json(), { data: { id: 1, name: 'Ann' } });
    assert.ok(!gateway.warnings.some((issue) => issue.code === 'PRT_WARN_CONFIG_FLATMAP_ARGS'), 'no warning for a del with several paths');
  });

  it('replaces allow and mapping at the backend, while target and group still apply', async () => {
    const response = await fetch(`${gateway.url}/user`);
    assert.deepEqual(await response.json(), { user: { id: 1, name: 'Ann', main_role: 'a', roles: ['b'] } });
  });

  it('runs the endpoint flatmap over the merged answer of several backends', async () => {
    const response = await fetch(`${gateway.url}/all-orders`);
    assert.equal(response.headers.get('x-krakend-completed'), 'true');
    assert.deepEqual(await response.json(), { orders: [{ id: 'o1' }, { id: 'o2' }, { id: 'o0' }] });
  });

  it('leaves a partial answer untouched, as lura does when the merge reports an error', async () => {
    const response = await fetch(`${gateway.url}/orders-partial`);
    assert.equal(response.headers.get('x-krakend-completed'), 'false');
    const body = (await response.json()) as { orders?: unknown[] };
    assert.equal(body.orders?.length, 2);
  });

  it('ignores an endpoint flatmap with a single backend, and says so at start-up', async () => {
    const response = await fetch(`${gateway.url}/single`);
    const body = (await response.json()) as { orders?: unknown[] };
    assert.equal(body.orders?.length, 2);
    assert.ok(gateway.warnings.some((issue) => issue.code === 'PRT_WARN_CONFIG_FLATMAP_SINGLE_BACKEND'));
  });

  it('reports malformed operations at start-up', async () => {
    const file = await writeConfig({
      version: 3,
      endpoints: [
        {
          endpoint: '/x',
          backend: [
            {
              host: ['http://127.0.0.1:1'],
              url_pattern: '/x',
              extra_config: { proxy: { flatmap_filter: [{ type: 'move', args: ['only-one'] }, { type: 'rename', args: ['a', 'b'] }] } },
            },
          ],
        },
      ],
    });
    const result = await loadConfig(file, { components, env: {} });
    assert.equal(result.config, undefined);
    const errors = result.issues.filter((issue) => issue.severity === 'error');
    assert.ok(errors.some((issue) => issue.code === 'PRT_ERR_CONFIG_FLATMAP_ARGS' && issue.keyPath.endsWith('flatmap_filter[0].args')), JSON.stringify(errors));
    assert.ok(errors.some((issue) => issue.code === 'PRT_ERR_CONFIG_VALUE' && issue.keyPath.endsWith('flatmap_filter[1].type')), JSON.stringify(errors));
  });
});
