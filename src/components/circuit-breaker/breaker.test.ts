import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../clock.js';
import { CircuitBreaker } from './breaker.js';
import type { BreakerState } from './breaker.js';

function setup(intervalMs = 60_000, timeoutMs = 10_000, maxErrors = 2) {
  const clock = new ManualClock();
  const changes: string[] = [];
  const breaker = new CircuitBreaker({ intervalMs, timeoutMs, maxErrors, onStateChange: (from: BreakerState, to: BreakerState) => changes.push(`${from}>${to}`) }, clock);
  const call = (isSuccess: boolean | undefined): number | string => {
    const admitted = breaker.enter();
    if (typeof admitted === 'number') breaker.leave(admitted, isSuccess);
    return admitted;
  };
  return { clock, breaker, changes, call };
}

test('opens when consecutive errors exceed max_errors (KrakenD: more than, not equal)', () => {
  const { breaker, changes, call } = setup();
  call(false);
  call(false);
  assert.equal(breaker.state, 'closed', 'max_errors = 2 errors are tolerated');
  call(false);
  assert.equal(breaker.state, 'open');
  assert.deepEqual(changes, ['closed>open']);
  assert.equal(breaker.enter(), 'open', 'an open circuit refuses calls');
});

test('a success in between resets the consecutive count', () => {
  const { breaker, call } = setup();
  call(false);
  call(false);
  call(true);
  call(false);
  call(false);
  assert.equal(breaker.state, 'closed');
});

test('the error count starts over every interval', () => {
  const { clock, breaker, call } = setup(1000);
  call(false);
  call(false);
  clock.advance(1000);
  call(false);
  call(false);
  assert.equal(breaker.state, 'closed', 'errors of the last interval no longer count');
  call(false);
  assert.equal(breaker.state, 'open');
});

test('half-open after timeout lets one probe through; its success closes the circuit', () => {
  const { clock, breaker, changes, call } = setup(0, 5000, 0);
  call(false);
  assert.equal(breaker.state, 'open');
  clock.advance(4999);
  assert.equal(breaker.enter(), 'open');
  clock.advance(1);
  assert.equal(breaker.state, 'half-open');
  const probe = breaker.enter();
  assert.equal(typeof probe, 'number');
  assert.equal(breaker.enter(), 'half-open', 'a second call while probing is refused');
  breaker.leave(probe as number, true);
  assert.equal(breaker.state, 'closed');
  assert.deepEqual(changes, ['closed>open', 'open>half-open', 'half-open>closed']);
});

test('a failed probe opens the circuit for another timeout', () => {
  const { clock, breaker, changes, call } = setup(0, 5000, 3);
  for (let i = 0; i < 4; i++) call(false);
  clock.advance(5000);
  call(false);
  assert.equal(breaker.state, 'open');
  clock.advance(4999);
  assert.equal(breaker.state, 'open');
  clock.advance(1);
  assert.equal(breaker.state, 'half-open');
  assert.deepEqual(changes, ['closed>open', 'open>half-open', 'half-open>open', 'open>half-open']);
});

test('a probe that says nothing (client gone) frees the slot without deciding', () => {
  const { clock, breaker, call } = setup(0, 1000, 0);
  call(false);
  clock.advance(1000);
  call(undefined);
  assert.equal(breaker.state, 'half-open');
  call(true);
  assert.equal(breaker.state, 'closed');
});

test('a call that started before a state change does not count after it', () => {
  const { clock, breaker, call } = setup(0, 1000, 0);
  const slow = breaker.enter() as number;
  call(false);
  assert.equal(breaker.state, 'open');
  clock.advance(1000);
  breaker.leave(slow, true);
  assert.equal(breaker.state, 'half-open', 'the late success belongs to the closed generation');
});
