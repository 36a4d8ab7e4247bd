import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forwardedCloseCode } from './relay.js';

test('close codes: passed through when a close frame may carry them, mapped when the side vanished', () => {
  for (const code of [1000, 1001, 1003, 1008, 1009, 1011, 1014, 3000, 4001, 4999]) {
    assert.equal(forwardedCloseCode('backend', code), code);
    assert.equal(forwardedCloseCode('client', code), code);
  }
  assert.equal(forwardedCloseCode('backend', 1005), undefined, 'no status given: a close without status');
  assert.equal(forwardedCloseCode('backend', 1006), 1014, 'a backend gone without a close frame is a bad gateway');
  assert.equal(forwardedCloseCode('backend', 1015), 1014);
  assert.equal(forwardedCloseCode('client', 1006), 1001, 'a client gone: the backend hears going away');
  assert.equal(forwardedCloseCode('backend', 1004), 1014, 'reserved codes never go on the wire');
  assert.equal(forwardedCloseCode('client', 2000), 1001);
});
