import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayError, InvalidStatusError, MergeError, timeoutError } from '../core/errors.js';
import { luraUrlPattern } from '../proxy/http-backend.js';
import { krakendErrorText } from './error-text.js';

test('KrakenD texts for Portico errors', () => {
  assert.equal(krakendErrorText(new InvalidStatusError(404, 'http://b:81/u', '[GET /u]:')), 'invalid status code 404 [GET /u]: http://b:81/u');
  assert.equal(krakendErrorText(timeoutError('GET /x', 10)), 'context deadline exceeded');
  assert.equal(krakendErrorText(new GatewayError('PRT_ERR_RATELIMIT_BACKEND', 'rate limit exceeded for the backend /x')), 'rate limit exceded');
  assert.equal(krakendErrorText(new GatewayError('PRT_ERR_CIRCUIT_OPEN', "circuit breaker 'x' is open")), 'circuit breaker is open');
  assert.equal(krakendErrorText(new GatewayError('PRT_ERR_CIRCUIT_OPEN', "circuit breaker 'x' is half-open and already probing")), 'too many requests');
  assert.equal(krakendErrorText(new GatewayError('PRT_ERR_CEL_REJECTED', 'request aborted by evaluator #1')), 'request aborted by evaluator #1');
  const closed = new GatewayError('PRT_ERR_BACKEND_CLOSED', 'the backend closed the connection');
  closed.backendRequest = { method: 'POST', url: 'http://b/x' };
  assert.equal(krakendErrorText(closed), 'Post "http://b/x": EOF');
  assert.equal(krakendErrorText(new MergeError([timeoutError('a', 1), new Error('plain')])), 'context deadline exceeded\nplain');
});

test('url patterns as lura stores them', () => {
  assert.equal(luraUrlPattern('users/{id}/{resp0_x}?a={b}'), '/users/{{.Id}}/{{.Resp0_x}}?a={{.B}}');
  assert.equal(luraUrlPattern('/plain'), '/plain');
});
