import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffByName } from './backoff.js';
import { paramValue } from './params.js';
import { pubsubAddress } from './pubsub-drivers.js';

test('back-off strategies follow lura: constant one second by default, linear, exponential, ±33 % jitter, capped at 60 s', () => {
  assert.deepEqual([0, 1, 5].map(backoffByName('fallback')), [1000, 1000, 1000]);
  assert.deepEqual([0, 1, 5].map(backoffByName(undefined)), [1000, 1000, 1000]);
  assert.deepEqual([0, 1, 5].map(backoffByName('linear')), [0, 1000, 5000]);
  assert.deepEqual([0, 1, 5, 10].map(backoffByName('Exponential')), [1000, 2000, 32_000, 60_000]);
  for (let i = 0; i < 50; i++) {
    const wait = backoffByName('exponential-jitter')(3);
    assert.ok(wait >= 8000 - 2667 && wait <= 8000 + 2667, String(wait));
    const linear = backoffByName('linear-jitter')(3);
    assert.ok(linear >= 3000 - 1001 && linear <= 3000 + 1001, String(linear));
  }
  assert.ok(backoffByName('linear-jitter')(0) >= 1, 'never below 1 ms');
});

test('a param key matches the param as written or with its first letter in the other case (lura capitalises it)', () => {
  const params = { id: '7', Kind: 'new' };
  assert.equal(paramValue(params, 'id'), '7');
  assert.equal(paramValue(params, 'Id'), '7');
  assert.equal(paramValue(params, 'kind'), 'new');
  assert.equal(paramValue(params, 'ID'), undefined);
  assert.equal(paramValue(params, ''), undefined);
});

test('a pub/sub address is the host and the path joined, whether the host kept its slashes or not', () => {
  assert.deepEqual(pubsubAddress('nats://', 'orders'), { scheme: 'nats', name: 'orders' });
  assert.deepEqual(pubsubAddress('nats:', 'orders?queue=g'), { scheme: 'nats', name: 'orders?queue=g' });
  assert.deepEqual(pubsubAddress('RABBIT://', 'ex'), { scheme: 'rabbit', name: 'ex' });
  assert.deepEqual(pubsubAddress('mem://topic', ''), { scheme: 'mem', name: 'topic' });
  assert.equal(pubsubAddress('', 'orders'), undefined);
});
