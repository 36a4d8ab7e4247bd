import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RevocationLog, revocationMessage } from './relay.js';

describe('the primary’s revocation log', () => {
  it('replays what is still alive and forgets what expired', () => {
    let now = 0;
    const log = new RevocationLog(() => now, () => undefined);
    log.add(['jti-a'], 3_000);
    now = 1_000;
    log.add(['jti-b'], 3_000);
    assert.deepEqual(log.live(), ['jti-a', 'jti-b']);
    now = 3_000;
    assert.deepEqual(log.live(), ['jti-b']);
    now = 4_000;
    assert.deepEqual(log.live(), []);
  });

  it('a revocation added again lives from its latest addition', () => {
    let now = 0;
    const log = new RevocationLog(() => now, () => undefined);
    log.add(['jti-a', 'jti-b'], 3_000);
    now = 2_000;
    log.add(['jti-a'], 3_000);
    now = 3_500;
    assert.deepEqual(log.live(), ['jti-a']);
  });

  it('past its capacity drops the oldest and warns once', () => {
    const warnings: string[] = [];
    const log = new RevocationLog(() => 0, (message) => warnings.push(message), 2);
    log.add(['a', 'b', 'c'], 1_000);
    log.add(['d'], 1_000);
    assert.deepEqual(log.live(), ['c', 'd']);
    assert.equal(warnings.length, 1);
  });

  it('reads only well-formed relay messages, keeping string elements', () => {
    assert.equal(revocationMessage({ type: 'other', elements: [] }), undefined);
    assert.equal(revocationMessage({ type: 'portico:revoker:add', elements: 'x' }), undefined);
    assert.deepEqual(revocationMessage({ type: 'portico:revoker:add', elements: ['a', 1], keepMs: 5 })?.elements, ['a']);
  });
});
