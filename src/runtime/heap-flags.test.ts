import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { DEFAULT_HEAP_FLAGS, heapFlagsFor, holdMemoryReducerOffSmallHeaps, stopPretenuringOnceServing } from './heap-flags.js';

test('workers get the default heap flags unless the operator chose their own', () => {
  assert.deepEqual(DEFAULT_HEAP_FLAGS, ['--max-semi-space-size=4', '--v8-pool-size=1', '--no-memory-reducer']);
  assert.deepEqual(heapFlagsFor([], ''), [...DEFAULT_HEAP_FLAGS]);
  assert.deepEqual(heapFlagsFor(['--max-semi-space-size=32'], ''), ['--v8-pool-size=1', '--no-memory-reducer']);
  assert.deepEqual(heapFlagsFor([], '--max-old-space-size=512 --max-semi-space-size=8 --v8-pool-size=4 --no-memory-reducer'), []);
  assert.deepEqual(heapFlagsFor(['--v8_pool_size=2'], ''), ['--max-semi-space-size=4', '--no-memory-reducer']);
  assert.deepEqual(heapFlagsFor(['--max-old-space-size=512'], ''), [...DEFAULT_HEAP_FLAGS]);
  // An operator who wants the memory reducer back keeps it.
  assert.deepEqual(heapFlagsFor([], '--memory-reducer'), ['--max-semi-space-size=4', '--v8-pool-size=1']);
  assert.deepEqual(heapFlagsFor(['--memory_reducer'], ''), ['--max-semi-space-size=4', '--v8-pool-size=1']);
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

test('a process started without --no-memory-reducer keeps V8\'s memory reducer off small heaps unless the operator chose', () => {
  const set: string[] = [];
  const record = (flags: string): void => void set.push(flags);
  assert.equal(holdMemoryReducerOffSmallHeaps(['--max-semi-space-size=4'], record), true);
  assert.deepEqual(set, ['--no-memory-reducer-for-small-heaps']);
  for (const chosen of ['--no-memory-reducer', '--memory_reducer', '--memory-reducer-for-small-heaps', '--no-memory-reducer-for-small-heaps']) {
    assert.equal(holdMemoryReducerOffSmallHeaps([chosen], record), false, chosen);
  }
  assert.deepEqual(set, ['--no-memory-reducer-for-small-heaps']);
});
