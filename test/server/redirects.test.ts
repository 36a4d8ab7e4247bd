/** gin's trailing-slash and fixed-path redirects, and the router flags that disable them. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from '../helpers/http.js';
import { sendJson, startBackend, startGateway } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';

describe('router redirects', () => {
  let backend: RunningServer;
  before(async () => {
    backend = await startBackend((_request, response) => sendJson(response, 200, { ok: true }));
  });
  after(() => backend.close());

  const endpoints = () => [
    { endpoint: '/static', backend: [{ host: [backend.url], url_pattern: '/' }] },
    { endpoint: '/with-slash/', backend: [{ host: [backend.url], url_pattern: '/' }] },
    { endpoint: '/submit', method: 'POST', backend: [{ host: [backend.url], url_pattern: '/' }] },
    { endpoint: '/users/{id}/Profile', backend: [{ host: [backend.url], url_pattern: '/' }] },
  ];

  describe('defaults', () => {
    let gateway: TestGateway;
    before(async () => {
      gateway = await startGateway({ version: 3, endpoints: endpoints() });
    });
    after(() => gateway.close());

    it('redirects GET /static/ to /static with 301, keeping the query', async () => {
      const response = await request(`${gateway.url}/static/?a=1`);
      assert.equal(response.status, 301);
      assert.equal(response.headers['location'], '/static?a=1');
      assert.equal(response.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(response.body, '<a href="/static?a=1">Moved Permanently</a>.\n\n');
      assert.equal(response.headers['x-krakend'], undefined, 'redirects bypass the handlers');
    });

    it('redirects GET /with-slash to /with-slash/', async () => {
      const response = await request(`${gateway.url}/with-slash`);
      assert.equal(response.status, 301);
      assert.equal(response.headers['location'], '/with-slash/');
    });

    it('redirects POST /submit/ with 307 and no body', async () => {
      const response = await request(`${gateway.url}/submit/`, { method: 'POST', body: '{}' });
      assert.equal(response.status, 307);
      assert.equal(response.headers['location'], '/submit');
      assert.equal(response.body, '');
      assert.equal(response.headers['content-type'], undefined);
    });

    it('redirects a path in the wrong case to the registered one', async () => {
      const response = await request(`${gateway.url}/StAtic`);
      assert.equal(response.status, 301);
      assert.equal(response.headers['location'], '/static');
    });

    it('keeps parameter values as sent when fixing the case', async () => {
      const response = await request(`${gateway.url}/USERS/AbC/profile`);
      assert.equal(response.status, 301);
      assert.equal(response.headers['location'], '/users/AbC/Profile');
    });

    it('cleans dot segments and double slashes into a redirect', async () => {
      const response = await request(`${gateway.url}//static`);
      assert.equal(response.status, 301);
      assert.equal(response.headers['location'], '/static');
    });

    it('serves the exact path without a redirect', async () => {
      const response = await request(`${gateway.url}/static`);
      assert.equal(response.status, 200);
      assert.equal(response.body, '{"ok":true}');
    });
  });

  it('router.disable_redirect_trailing_slash with disable_redirect_fixed_path answers 404', async () => {
    const gateway = await startGateway({
      version: 3,
      endpoints: endpoints(),
      extra_config: { router: { disable_redirect_trailing_slash: true, disable_redirect_fixed_path: true } },
    });
    try {
      assert.equal((await request(`${gateway.url}/static/`)).status, 404);
      assert.equal((await request(`${gateway.url}/StAtic`)).status, 404);
    } finally {
      await gateway.close();
    }
  });

  it('router.disable_redirect_fixed_path alone stops case fixing but keeps the slash redirect', async () => {
    const gateway = await startGateway({ version: 3, endpoints: endpoints(), extra_config: { router: { disable_redirect_fixed_path: true } } });
    try {
      assert.equal((await request(`${gateway.url}/StAtic`)).status, 404);
      const slash = await request(`${gateway.url}/static/`);
      assert.equal(slash.status, 301);
      assert.equal(slash.headers['location'], '/static');
    } finally {
      await gateway.close();
    }
  });
});
