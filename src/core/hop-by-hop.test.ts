import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectionListed } from './hop-by-hop.js';

test('connectionListed: the names a Connection value lists, without its two options', () => {
  for (const value of [undefined, '', 'keep-alive', 'Keep-Alive', 'close', ' CLOSE\t', 'close, keep-alive', ',']) assert.equal(connectionListed(value), undefined, String(value));
  assert.deepEqual(connectionListed('close, X-Foo'), new Set(['x-foo']));
  assert.deepEqual(connectionListed(' keep-alive , TE,x-bar '), new Set(['te', 'x-bar']));
  assert.deepEqual(connectionListed('keep-alive-ish'), new Set(['keep-alive-ish']));
});
