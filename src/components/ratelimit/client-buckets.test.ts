import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../clock.js';
import { ClientBuckets } from './client-buckets.js';
import { createMemoryLimiter, ALLOWED, CLIENT_LIMITED, ENDPOINT_LIMITED } from './router-limiter.js';

test('each client has its own bucket', () => {
  const buckets = new ClientBuckets({ bucket: { ratePerMs: 1 / 1000, capacity: 2 }, numShards: 4, maxClients: 100, clock: new ManualClock() });
  assert.deepEqual([buckets.allow('a'), buckets.allow('a'), buckets.allow('a')], [true, true, false]);
  assert.deepEqual([buckets.allow('b'), buckets.allow('b'), buckets.allow('b')], [true, true, false]);
  assert.equal(buckets.size, 2);
});

test('a sweep forgets only clients whose bucket is full again', () => {
  const clock = new ManualClock();
  const buckets = new ClientBuckets({ bucket: { ratePerMs: 1 / 1000, capacity: 2 }, numShards: 8, maxClients: 100, clock });
  buckets.allow('light'); // one token used: full again after 1 s
  buckets.allow('heavy');
  buckets.allow('heavy'); // two tokens used: full again after 2 s
  clock.advance(1000);
  assert.equal(buckets.sweep(), 1);
  assert.equal(buckets.size, 1);
  assert.equal(buckets.allow('heavy'), true, 'the heavy client kept its state: one token back after 1 s');
  assert.equal(buckets.allow('heavy'), false);
  clock.advance(10_000);
  assert.equal(buckets.sweep(), 1);
  assert.equal(buckets.size, 0);
});

test('memory stays bounded: past maxClients the oldest client of a shard is forgotten', () => {
  const buckets = new ClientBuckets({ bucket: { ratePerMs: 1 / 1000, capacity: 1 }, numShards: 1, maxClients: 3, clock: new ManualClock() });
  for (const key of ['c1', 'c2', 'c3', 'c4', 'c5']) assert.equal(buckets.allow(key), true);
  assert.equal(buckets.size, 3);
  assert.equal(buckets.allow('c5'), false, 'recent clients keep their bucket');
  assert.equal(buckets.allow('c1'), true, 'the oldest was forgotten and starts full');
  for (let i = 0; i < 10_000; i++) buckets.allow(`flood-${i}`);
  assert.equal(buckets.size, 3);
});

test('the router limiter checks the client first (429), then the endpoint (503)', () => {
  const clock = new ManualClock();
  const limiter = createMemoryLimiter({
    endpoint: { ratePerMs: 1 / 1000, capacity: 3 },
    client: { ratePerMs: 1 / 1000, capacity: 2 },
    clock,
    numShards: 2,
    maxClients: 10,
  });
  assert.equal(limiter.check('a'), ALLOWED);
  assert.equal(limiter.check('a'), ALLOWED);
  assert.equal(limiter.check('a'), CLIENT_LIMITED, 'client a is over its own limit');
  assert.equal(limiter.check('b'), ALLOWED, 'the endpoint had 3 tokens; the 429 took none');
  assert.equal(limiter.check('c'), ENDPOINT_LIMITED);
  assert.equal(limiter.check(''), CLIENT_LIMITED, 'a request without a client key is rejected, as in KrakenD');
  clock.advance(1000);
  assert.equal(limiter.check('c'), ALLOWED);
});

test('nothing is allocated before the first client, and shards are created as clients arrive, never past num_shards', () => {
  const buckets = new ClientBuckets({ bucket: { ratePerMs: 1 / 1000, capacity: 1 }, numShards: 2048, maxClients: 100_000, clock: new ManualClock() });
  assert.equal(buckets.allocatedShards, 0);
  assert.equal(buckets.sweep(), 0);
  buckets.allow('203.0.113.7');
  assert.equal(buckets.allocatedShards, 1);
  for (let i = 0; i < 20_000; i++) buckets.allow(`10.0.${i >> 8}.${i & 255}`);
  assert.ok(buckets.allocatedShards > 1000 && buckets.allocatedShards <= 2048, `${buckets.allocatedShards} shards`);
  assert.equal(buckets.size, 20_001);
});
