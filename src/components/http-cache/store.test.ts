import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalStore } from './store.js';

test('the local store evicts the least recently used entry past max_items, and bounds bytes', () => {
  const store = createLocalStore<{ size: number }>(2, 100);
  assert.equal(store.size, 0);
  assert.equal(store.get('a'), undefined);
  store.set('a', { size: 1 });
  store.set('b', { size: 1 });
  store.get('a'); // b is now the least recently used
  store.set('c', { size: 1 });
  assert.deepEqual([store.get('a') !== undefined, store.get('b') !== undefined, store.get('c') !== undefined], [true, false, true]);
  store.set('c', { size: 2 }); // replacing an entry evicts nothing
  assert.equal(store.size, 2);
  store.set('big', { size: 97 }); // 97 + key: over 100 bytes with the others
  assert.ok(store.calculatedSize <= 100, `${store.calculatedSize} bytes`);
});
