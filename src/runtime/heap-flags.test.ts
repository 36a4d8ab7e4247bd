import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { DEFAULT_HEAP_FLAGS, heapFlagsFor, stopPretenuringOnceServing } from './heap-flags.js';

test('workers get the default heap flags unless the operator chose their own', () => {
  assert.deepEqual(heapFlagsFor([], ''), [...DEFAULT_HEAP_FLAGS]);
  assert.deepEqual(heapFlagsFor(['--max-semi-space-size=32'], ''), ['--v8-pool-size=1']);
  assert.deepEqual(heapFlagsFor([], '--max-old-space-size=512 --max-semi-space-size=8 --v8-pool-size=4'), []);
  assert.deepEqual(heapFlagsFor(['--v8_pool_size=2'], ''), ['--max-semi-space-size=4']);
  assert.deepEqual(heapFlagsFor(['--max-old-space-size=512'], ''), [...DEFAULT_HEAP_FLAGS]);
});

test('a serving gateway turns V8 pretenuring off unless the operator set it either way', () => {
  const set: string[] = [];
  const record = (flags: string): void => void set.push(flags);
  assert.equal(stopPretenuringOnceServing(['--max-semi-space-size=4'], record), true);
  assert.deepEqual(set, ['--no-allocation-site-pretenuring']);
  assert.equal(stopPretenuringOnceServing(['--allocation-site-pretenuring'], record), false);
  assert.equal(stopPretenuringOnceServing(['--no_allocation_site_pretenuring'], record), false);
  assert.deepEqual(set, ['--no-allocation-site-pretenuring']);
});
