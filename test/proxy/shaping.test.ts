/** Response shaping per backend, in KrakenD's order: target → allow/deny → mapping → group. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from '../helpers/http.js';
import { sendJson, startBackend, startGateway } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';

const USER = {
  data: {
    user: { id: 7, name: 'Ada', email: 'ada@example.com', address: { city: 'London', zip: 'N1', geo: { lat: 1, lng: 2 } }, roles: ['admin'] },
    meta: { page: 1 },
  },
  status: 'ok',
};

describe('response shaping', () => {
  let backend: RunningServer;
  let gateway: TestGateway;
  before(async () => {
    backend = await startBackend((req, res) => {
      if (req.url === '/list') return sendJson(res, 200, [{ id: 1, secret: 'x' }, { id: 2, secret: 'y' }]);
      if (req.url === '/other') return sendJson(res, 200, { id: 99, extra: true });
      return sendJson(res, 200, USER);
    });
    const be = (extra: Record<string, unknown>, path = '/user') => ({ host: [backend.url], url_pattern: path, ...extra });
    gateway = await startGateway({
      version: 3,
      endpoints: [
        { endpoint: '/target', backend: [be({ target: 'data.user' })] },
        { endpoint: '/target-missing', backend: [be({ target: 'data.nothing' })] },
        { endpoint: '/allow', backend: [be({ allow: ['status', 'data.user.name', 'data.user.address.city', 'data.missing.key'] })] },
        { endpoint: '/deny', backend: [be({ target: 'data.user', deny: ['email', 'address.zip', 'roles'] })] },
        { endpoint: '/mapping', backend: [be({ target: 'data.user', allow: ['id', 'name'], mapping: { name: 'full_name', id: 'user_id' } })] },
        { endpoint: '/group', backend: [be({ target: 'data.meta', group: 'paging' }), be({ group: 'other' }, '/other')] },
        {
          endpoint: '/order',
          // target first, then allow on the target's keys, then mapping of an allowed key, then group.
          backend: [be({ target: 'data.user', allow: ['name', 'email'], mapping: { email: 'contact' }, group: 'person' })],
        },
        { endpoint: '/collection', backend: [be({ is_collection: true, group: 'items' }, '/list')] },
        { endpoint: '/collection-mapped', backend: [be({ is_collection: true, mapping: { collection: 'things' } }, '/list')] },
        { endpoint: '/collection-out', output_encoding: 'json-collection', backend: [be({ is_collection: true }, '/list')] },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  const body = async (path: string) => JSON.parse((await request(`${gateway.url}${path}`)).body) as unknown;

  it('target extracts the object at a dot path', async () => {
    assert.deepEqual(await body('/target'), USER.data.user);
  });

  it('target to a missing path gives an empty object', async () => {
    const response = await request(`${gateway.url}/target-missing`);
    assert.equal(response.body, '{}');
    assert.equal(response.headers['x-krakend-completed'], 'false', 'an empty response is never complete');
  });

  it('allow keeps only the listed dot paths', async () => {
    assert.deepEqual(await body('/allow'), { status: 'ok', data: { user: { name: 'Ada', address: { city: 'London' } } } });
  });

  it('deny drops the listed paths, one level deep', async () => {
    assert.deepEqual(await body('/deny'), { id: 7, name: 'Ada', address: { city: 'London', geo: { lat: 1, lng: 2 } } });
  });

  it('mapping renames keys after allow', async () => {
    assert.deepEqual(await body('/mapping'), { user_id: 7, full_name: 'Ada' });
  });

  it('group nests each backend under its name', async () => {
    assert.deepEqual(await body('/group'), { paging: { page: 1 }, other: { id: 99, extra: true } });
  });

  it('applies target, allow, mapping and group in that order', async () => {
    assert.deepEqual(await body('/order'), { person: { name: 'Ada', contact: 'ada@example.com' } });
  });

  it('is_collection wraps the array as "collection", then shapes it', async () => {
    assert.deepEqual(await body('/collection'), { items: { collection: [{ id: 1, secret: 'x' }, { id: 2, secret: 'y' }] } });
    assert.deepEqual(await body('/collection-mapped'), { things: [{ id: 1, secret: 'x' }, { id: 2, secret: 'y' }] });
  });

  it('json-collection output renders the collection as a bare array', async () => {
    const response = await request(`${gateway.url}/collection-out`);
    assert.equal(response.body, '[{"id":1,"secret":"x"},{"id":2,"secret":"y"}]');
    assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
  });
});
