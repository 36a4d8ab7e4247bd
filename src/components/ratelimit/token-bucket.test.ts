import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../clock.js';
import { TokenBucket } from './token-bucket.js';
import { bucketSettings, everyMs, refillMs } from './rate-settings.js';

const takeAll = (bucket: TokenBucket, tries: number): number => {
  let allowed = 0;
  for (let i = 0; i < tries; i++) if (bucket.allow()) allowed++;
  return allowed;
};

test('a new bucket allows a burst of exactly its capacity', () => {
  const bucket = new TokenBucket({ ratePerMs: 1 / 1000, capacity: 3 }, new ManualClock());
  assert.equal(takeAll(bucket, 10), 3);
});

test('tokens come back at the configured rate, fractions included', () => {
  const clock = new ManualClock();
  const bucket = new TokenBucket({ ratePerMs: 2 / 1000, capacity: 2 }, clock);
  assert.equal(takeAll(bucket, 5), 2);
  clock.advance(499);
  assert.equal(bucket.allow(), false, '0.998 tokens are not a token');
  clock.advance(1);
  assert.equal(bucket.allow(), true);
  assert.equal(bucket.allow(), false);
  clock.advance(250);
  clock.advance(250);
  assert.equal(bucket.allow(), true, 'two half refills add up to one token');
});

test('an idle bucket never holds more than its capacity', () => {
  const clock = new ManualClock();
  const bucket = new TokenBucket({ ratePerMs: 10 / 1000, capacity: 4 }, clock);
  takeAll(bucket, 4);
  clock.advance(3_600_000);
  assert.equal(takeAll(bucket, 100), 4);
});

test('a clock that goes back adds no tokens', () => {
  const clock = new ManualClock(10_000);
  const bucket = new TokenBucket({ ratePerMs: 1 / 1000, capacity: 1 }, clock);
  assert.equal(bucket.allow(), true);
  clock.advance(-5000);
  assert.equal(bucket.allow(), false);
  clock.advance(5000);
  assert.equal(bucket.allow(), false, 'time lost going back is not counted twice');
  clock.advance(1000);
  assert.equal(bucket.allow(), true);
});

test('isFull tells when a bucket is indistinguishable from a new one', () => {
  const clock = new ManualClock();
  const settings = { ratePerMs: 1 / 1000, capacity: 2 };
  const bucket = new TokenBucket(settings, clock);
  assert.equal(bucket.isFull(clock.now()), true);
  bucket.allow();
  assert.equal(bucket.isFull(clock.now()), false);
  clock.advance(refillMs(settings) - 1);
  assert.equal(bucket.isFull(clock.now()), true, 'one token was missing, one second refills it');
});

test('every scales the rate; the default capacity is the per-second rate, at least 1 (KrakenD)', () => {
  assert.equal(everyMs(undefined), 1000);
  assert.equal(everyMs('1m'), 60_000);
  assert.equal(everyMs('100ms'), 1000, 'below 1s is raised to 1s');
  assert.equal(everyMs('soon'), 1000);
  assert.deepEqual(bucketSettings(10, undefined, 1000), { ratePerMs: 0.01, capacity: 10 });
  assert.deepEqual(bucketSettings(120, undefined, 60_000), { ratePerMs: 0.002, capacity: 2 });
  assert.deepEqual(bucketSettings(10, undefined, 60_000), { ratePerMs: 10 / 60_000, capacity: 1 });
  assert.deepEqual(bucketSettings(10, 25, 60_000), { ratePerMs: 10 / 60_000, capacity: 25 });
  assert.equal(bucketSettings(0.5, 0, 1000).capacity, 1);
});
