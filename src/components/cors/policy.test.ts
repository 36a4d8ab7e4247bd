import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acceptsHeaderList } from './policy.js';

const ranks = new Map([
  ['authorization', 0],
  ['content-type', 1],
  ['origin', 2],
]);

test('rs/cors v1.11.1 list rules: allowed names, sorted, unique, one space of padding, few empty elements', () => {
  assert.equal(acceptsHeaderList(ranks, ['content-type,origin']), true);
  assert.equal(acceptsHeaderList(ranks, ['authorization, content-type']), true);
  assert.equal(acceptsHeaderList(ranks, ['authorization', 'origin']), true);
  assert.equal(acceptsHeaderList(ranks, ['origin,content-type']), false);
  assert.equal(acceptsHeaderList(ranks, ['origin', 'authorization']), false);
  assert.equal(acceptsHeaderList(ranks, ['origin,origin']), false);
  assert.equal(acceptsHeaderList(ranks, ['Origin']), false);
  assert.equal(acceptsHeaderList(ranks, ['x-other']), false);
  assert.equal(acceptsHeaderList(ranks, ['authorization,  origin']), false);
  assert.equal(acceptsHeaderList(ranks, [',,origin,']), true);
  assert.equal(acceptsHeaderList(ranks, [`${','.repeat(17)}origin`]), false);
  assert.equal(acceptsHeaderList(ranks, ['']), true);
});
