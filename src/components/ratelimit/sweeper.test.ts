import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sweeper } from './sweeper.js';

test('one timer per period, whatever the number of limiters; removing the last stops it', async () => {
  const sweeper = new Sweeper();
  const runs = [0, 0, 0];
  const stops = [sweeper.add(20, () => runs[0]!++), sweeper.add(20, () => runs[1]!++), sweeper.add(1000, () => runs[2]!++)];
  assert.equal(sweeper.timers, 2);
  await new Promise((resolve) => setTimeout(resolve, 70));
  assert.ok(runs[0]! >= 1 && runs[1]! >= 1, `both 20 ms sweeps ran: ${runs.join(',')}`);
  assert.equal(runs[2], 0);
  stops[0]!();
  assert.equal(sweeper.timers, 2);
  stops[1]!();
  assert.equal(sweeper.timers, 1);
  sweeper.close();
  assert.equal(sweeper.timers, 0);
});
