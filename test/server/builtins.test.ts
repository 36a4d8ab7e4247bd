/** The gateway's own endpoints: /__health, /__debug/ and /__echo/. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PORTICO_VERSION } from '../../src/version.js';
import { request } from '../helpers/http.js';
import { startGateway } from '../helpers/servers.js';
import type { TestGateway } from '../helpers/servers.js';

const endpoints = [{ endpoint: '/a', backend: [{ host: ['http://127.0.0.1:1'], url_pattern: '/' }] }];

describe('/__health', () => {
  let gateway: TestGateway;
  before(async () => {
    gateway = await startGateway({ version: 3, endpoints });
  });
  after(() => gateway.close());

  it('answers {"agents":{},"now":…,"status":"ok"} as JSON, without X-Krakend', async () => {
    const response = await request(`${gateway.url}/__health`);
    assert.equal(response.status, 200);
    assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(response.headers['x-krakend'], undefined);
    assert.equal(response.headers['x-krakend-completed'], undefined);
    assert.match(response.body, /^\{"agents":\{\},"now":"[^"]+","status":"ok"\}$/);
    const body = JSON.parse(response.body) as { agents: object; now: string; status: string };
    assert.deepEqual(Object.keys(body), ['agents', 'now', 'status']);
    assert.deepEqual(body.agents, {});
    assert.equal(body.status, 'ok');
    // Go's time.Time.String(): `2006-01-02 15:04:05.999999999 -0700 MST`
    assert.match(body.now, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)? [+-]\d{4} \w+$/);
    const now = Date.parse(body.now.slice(0, 19).replace(' ', 'T') + 'Z');
    assert.ok(Math.abs(now - Date.now()) < 60_000, 'now is the current time');
  });

  it('is GET only', async () => {
    const response = await request(`${gateway.url}/__health`, { method: 'POST', body: '{}' });
    assert.notEqual(response.status, 200);
  });
});

describe('router health settings', () => {
  it('serves health on router.health_path instead', async () => {
    const gateway = await startGateway({ version: 3, endpoints, extra_config: { router: { health_path: '/healthz' } } });
    try {
      assert.equal((await request(`${gateway.url}/healthz`)).status, 200);
      assert.equal((await request(`${gateway.url}/__health`)).status, 404);
    } finally {
      await gateway.close();
    }
  });

  it('has no health endpoint with router.disable_health', async () => {
    const gateway = await startGateway({ version: 3, endpoints, extra_config: { router: { disable_health: true } } });
    try {
      assert.equal((await request(`${gateway.url}/__health`)).status, 404);
    } finally {
      await gateway.close();
    }
  });
});

describe('/__debug/', () => {
  it('is off by default', async () => {
    const gateway = await startGateway({ version: 3, endpoints });
    try {
      const response = await request(`${gateway.url}/__debug/x`);
      assert.equal(response.status, 404);
      assert.equal(response.body, '404 page not found');
    } finally {
      await gateway.close();
    }
  });

  it('answers pong for any method with debug_endpoint, and logs the request', async () => {
    const gateway = await startGateway({ version: 3, debug_endpoint: true, endpoints });
    try {
      for (const method of ['GET', 'POST', 'PUT', 'DELETE']) {
        const response = await request(`${gateway.url}/__debug/some/path?q=1`, method === 'GET' ? {} : { method, body: 'payload' });
        assert.equal(response.status, 200, method);
        assert.equal(response.body, '{"message":"pong"}');
        assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
        assert.equal(response.headers['x-krakend'], undefined);
      }
      assert.ok(gateway.log.lines.some((line) => line.includes('[ENDPOINT: /__debug/*] URL: /__debug/some/path?q=1')));
      assert.ok(gateway.log.lines.some((line) => line.includes('[ENDPOINT: /__debug/*] Body: payload')));
    } finally {
      await gateway.close();
    }
  });

  it('is enabled by the debug flag (run -d) too', async () => {
    const gateway = await startGateway({ version: 3, endpoints }, { debug: true });
    try {
      assert.equal((await request(`${gateway.url}/__debug/`)).body, '{"message":"pong"}');
    } finally {
      await gateway.close();
    }
  });
});

describe('/__echo/', () => {
  it('is off by default', async () => {
    const gateway = await startGateway({ version: 3, endpoints });
    try {
      assert.equal((await request(`${gateway.url}/__echo/x`)).status, 404);
    } finally {
      await gateway.close();
    }
  });

  it('echoes method, URI, query, headers and body with echo_endpoint', async () => {
    const gateway = await startGateway({ version: 3, echo_endpoint: true, endpoints });
    try {
      const response = await request(`${gateway.url}/__echo/some/path?b=2&a=1&a=3`, {
        method: 'POST',
        headers: { 'x-custom': 'value', 'content-type': 'text/plain' },
        body: 'hello',
      });
      assert.equal(response.status, 200);
      assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
      assert.equal(response.headers['x-krakend'], undefined);
      const echo = JSON.parse(response.body) as Record<string, unknown>;
      assert.equal(echo['req_method'], 'POST');
      assert.equal(echo['req_uri'], '/__echo/some/path?b=2&a=1&a=3');
      assert.equal(echo['req_body'], 'hello');
      assert.deepEqual(echo['req_querystring'], { a: ['1', '3'], b: ['2'] });
      const headers = echo['req_headers'] as Record<string, string[]>;
      assert.deepEqual(headers['X-Custom'], ['value']);
      assert.deepEqual(headers['Content-Type'], ['text/plain']);
      const details = echo['req_uri_details'] as Record<string, string>;
      assert.equal(details['path'], '/__echo/some/path');
      assert.equal(details['host'], `127.0.0.1:${gateway.port}`);
    } finally {
      await gateway.close();
    }
  });
});

describe('X-Krakend on gateway answers', () => {
  it('carries the Portico version', async () => {
    const gateway = await startGateway({ version: 3, endpoints });
    try {
      assert.equal((await request(`${gateway.url}/missing`)).headers['x-krakend'], `Version ${PORTICO_VERSION}`);
    } finally {
      await gateway.close();
    }
  });
});
