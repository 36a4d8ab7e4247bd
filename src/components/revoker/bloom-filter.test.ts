import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RotatingBloomFilter, filterSize, positions } from './bloom-filter.js';

test('sizes follow krakend/bloomfilter: m = ⌈-N ln P / ln²2⌉, k = ⌈ln2 · m / N⌉', () => {
  assert.deepEqual(filterSize({ n: 1000, p: 0.01 }), { bits: 9586, hashes: 7 });
  const big = filterSize({ n: 10_000_000, p: 1e-7 });
  assert.equal(big.hashes, 24);
  assert.ok(big.bits > 335_000_000 && big.bits < 336_000_000);
});

test('an added element is always found; absent ones rarely (false positives near P)', () => {
  const filter = new RotatingBloomFilter({ n: 1000, p: 0.01 });
  for (let i = 0; i < 1000; i++) filter.add(`jti-${i}`);
  for (let i = 0; i < 1000; i++) assert.ok(filter.check(`jti-${i}`));
  let falsePositives = 0;
  for (let i = 0; i < 10_000; i++) if (filter.check(`jti-absent-${i}`)) falsePositives++;
  assert.ok(falsePositives < 300, `${falsePositives} false positives in 10 000 (P = 1 %)`);
});

test('a revocation survives two rotations and is gone after the third', () => {
  const filter = new RotatingBloomFilter({ n: 100, p: 0.001 });
  filter.add('sub-alice');
  filter.rotate();
  assert.ok(filter.check('sub-alice'), 'after one TTL');
  filter.rotate();
  assert.ok(filter.check('sub-alice'), 'after two TTLs');
  filter.rotate();
  assert.ok(!filter.check('sub-alice'), 'after three TTLs');
});

test('positions are k distinct-ish spots within m', () => {
  const spots = positions('jti-x', 9586, 7);
  assert.equal(spots.length, 7);
  assert.ok(spots.every((spot) => Number.isInteger(spot) && spot >= 0 && spot < 9586));
  assert.deepEqual(positions('jti-x', 9586, 7), spots, 'deterministic');
});
