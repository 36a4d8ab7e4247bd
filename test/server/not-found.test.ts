/** 404 and 405 as KrakenD answers them, `router.error_body`, `hide_version_header`, `return_error_msg`. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PORTICO_VERSION } from '../../src/version.js';
import { request } from '../helpers/http.js';
import { sendJson, startBackend, startGateway } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';

describe('404 and 405', () => {
  let backend: RunningServer;
  let gateway: TestGateway;
  before(async () => {
    backend = await startBackend((_request, response) => sendJson(response, 200, { ok: true }));
    gateway = await startGateway({
      version: 3,
      endpoints: [
        { endpoint: '/items', backend: [{ host: [backend.url], url_pattern: '/' }] },
        { endpoint: '/items', method: 'DELETE', backend: [{ host: [backend.url], url_pattern: '/' }] },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('answers an unknown path with 404 "404 page not found" as text/plain', async () => {
    const response = await request(`${gateway.url}/nothing/here`);
    assert.equal(response.status, 404);
    assert.equal(response.body, '404 page not found');
    assert.equal(response.headers['content-type'], 'text/plain');
    assert.equal(response.headers['x-krakend'], `Version ${PORTICO_VERSION}`);
    assert.equal(response.headers['x-krakend-completed'], 'false');
    assert.equal(response.headers['allow'], undefined);
  });

  it('answers a known path with another method with 405 and Allow', async () => {
    const response = await request(`${gateway.url}/items`, { method: 'PUT', body: '{}' });
    assert.equal(response.status, 405);
    assert.equal(response.body, '405 method not allowed');
    assert.equal(response.headers['content-type'], 'text/plain');
    assert.equal(response.headers['x-krakend'], `Version ${PORTICO_VERSION}`);
    assert.equal(response.headers['x-krakend-completed'], 'false');
    assert.deepEqual(response.headers['allow']?.split(', ').sort(), ['DELETE', 'GET']);
  });

  it('still routes both methods of the path', async () => {
    assert.equal((await request(`${gateway.url}/items`)).status, 200);
    assert.equal((await request(`${gateway.url}/items`, { method: 'DELETE' })).status, 200);
  });
});

describe('router options for 404 and 405', () => {
  const endpoints = [{ endpoint: '/only-get', backend: [{ host: ['http://127.0.0.1:1'], url_pattern: '/' }] }];

  it('router.error_body replaces the 404 and 405 bodies with JSON', async () => {
    const gateway = await startGateway({
      version: 3,
      endpoints,
      extra_config: { router: { error_body: { '404': { msg: 'nope', code: 404, html: '<b>' }, '405': { msg: 'wrong method' } } } },
    });
    try {
      const notFound = await request(`${gateway.url}/missing`);
      assert.equal(notFound.status, 404);
      assert.equal(notFound.body, '{"code":404,"html":"\\u003cb\\u003e","msg":"nope"}');
      assert.equal(notFound.headers['content-type'], 'application/json; charset=utf-8');
      assert.equal(notFound.headers['x-krakend-completed'], 'false');
      const notAllowed = await request(`${gateway.url}/only-get`, { method: 'POST', body: '' });
      assert.equal(notAllowed.status, 405);
      assert.equal(notAllowed.body, '{"msg":"wrong method"}');
      assert.equal(notAllowed.headers['allow'], 'GET');
    } finally {
      await gateway.close();
    }
  });

  it('router.disable_handle_method_not_allowed answers 404 instead of 405', async () => {
    const gateway = await startGateway({ version: 3, endpoints, extra_config: { router: { disable_handle_method_not_allowed: true } } });
    try {
      const response = await request(`${gateway.url}/only-get`, { method: 'POST', body: '' });
      assert.equal(response.status, 404);
      assert.equal(response.body, '404 page not found');
    } finally {
      await gateway.close();
    }
  });

  it('router.hide_version_header hides the version but keeps the header', async () => {
    const gateway = await startGateway({ version: 3, endpoints, extra_config: { router: { hide_version_header: true } } });
    try {
      const response = await request(`${gateway.url}/missing`);
      assert.equal(response.headers['x-krakend'], 'Version undefined');
      assert.ok(!JSON.stringify(response.rawHeaders).includes(PORTICO_VERSION));
    } finally {
      await gateway.close();
    }
  });
});

describe('router.return_error_msg', () => {
  let backend: RunningServer;
  before(async () => {
    backend = await startBackend((_request, response) => {
      response.writeHead(418, { 'Content-Type': 'application/problem+json' });
      response.end('{"title":"teapot"}');
    });
  });
  after(() => backend.close());

  const config = (router: Record<string, unknown>) => ({
    version: 3,
    extra_config: { router },
    endpoints: [{ endpoint: '/tea', backend: [{ host: [backend.url], url_pattern: '/', extra_config: { 'backend/http': { return_error_code: true } } }] }],
  });

  it('without it, an error answer has the status and an empty body', async () => {
    const gateway = await startGateway(config({}));
    try {
      const response = await request(`${gateway.url}/tea`);
      assert.equal(response.status, 418);
      assert.equal(response.body, '');
      assert.equal(response.headers['content-type'], undefined);
      assert.equal(response.headers['content-length'], '0');
      assert.equal(response.headers['x-krakend-completed'], 'false');
    } finally {
      await gateway.close();
    }
  });

  it('with it, the backend body and content type reach the client', async () => {
    const gateway = await startGateway(config({ return_error_msg: true }));
    try {
      const response = await request(`${gateway.url}/tea`);
      assert.equal(response.status, 418);
      assert.equal(response.body, '{"title":"teapot"}');
      assert.equal(response.headers['content-type'], 'application/problem+json');
      assert.equal(response.headers['x-krakend-completed'], 'false');
    } finally {
      await gateway.close();
    }
  });
});
