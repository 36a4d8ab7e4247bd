import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinComponents } from '../components/builtin.js';
import { BACKEND_ORDER, CLIENT_ORDER, ENDPOINT_ORDER, PROXY_ORDER, SERVICE_ORDER } from './order.js';

test('every component with a factory for a layer is placed in that layer\'s order', () => {
  const layers = { service: SERVICE_ORDER, endpoint: ENDPOINT_ORDER, proxy: PROXY_ORDER, backend: BACKEND_ORDER, client: CLIENT_ORDER } as const;
  for (const component of builtinComponents) {
    for (const [layer, order] of Object.entries(layers)) {
      if (typeof component[layer as keyof typeof layers] === 'function') {
        assert.ok(order.includes(component.namespace), `${component.namespace} has a ${layer} factory but is missing from the ${layer} order`);
      }
    }
  }
});

test('traffic control sits where KrakenD puts it', () => {
  assert.ok(BACKEND_ORDER.indexOf('qos/circuit-breaker') < BACKEND_ORDER.indexOf('qos/ratelimit/proxy'), 'the breaker wraps the backend rate limit');
  assert.ok(CLIENT_ORDER.indexOf('qos/http-cache') < CLIENT_ORDER.indexOf('backend/http/retry'), 'the cache answers before any retry');
  assert.equal(CLIENT_ORDER[0], 'modifier/martian', 'Martian edits the request before the cache keys it (krakend-martian wraps the request executor)');
  for (const auth of ['auth/api-keys', 'auth/basic', 'auth/validator']) {
    assert.ok(ENDPOINT_ORDER.indexOf(auth) < ENDPOINT_ORDER.indexOf('qos/ratelimit/router'), `the router rate limit runs after ${auth}`);
  }
});
