import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  for (const [text, ms] of [
    ['1.5s', 1500],
    ['300ms', 300],
    ['150us', 0.15],
    ['150µs', 0.15],
    ['150μs', 0.15],
    ['1m', 60_000],
    ['1h', 3_600_000],
    ['1h2m3s', 3_723_000],
    ['1m30.5s', 90_500],
    ['.5s', 500],
    ['2.s', 2000],
    ['500ns', 0.0005],
    ['0', 0],
    ['-0', 0],
    ['+2s', 2000],
    ['-1.5s', -1500],
    [' 2s ', 2000],
    ['0s', 0],
  ] as const) {
    it(`reads ${JSON.stringify(text)} as ${ms} ms`, () => {
      const parsed = parseDuration(text);
      assert.ok(parsed !== undefined);
      assert.ok(Math.abs(parsed - ms) < 1e-9, `${parsed} ≈ ${ms}`);
    });
  }

  for (const text of ['', '2', '1.5', 's', 'ms', '1d', '1 s', '1s2', 'ten', '1ss', '--1s', '1.2.3s', '0x10s']) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      assert.equal(parseDuration(text), undefined);
    });
  }
});

describe('formatDuration', () => {
  for (const [ms, text] of [
    [0, '0s'],
    [2000, '2s'],
    [90_000, '90s'],
    [120_000, '2m'],
    [7_200_000, '2h'],
    [300, '300ms'],
    [1500, '1500ms'],
    [0.15, '150us'],
  ] as const) {
    it(`writes ${ms} ms as ${text}`, () => {
      assert.equal(formatDuration(ms), text);
    });
  }

  it('round-trips through parseDuration', () => {
    for (const ms of [0, 1, 250, 1000, 60_000, 3_600_000, 0.5]) assert.equal(parseDuration(formatDuration(ms)), ms);
  });
});
