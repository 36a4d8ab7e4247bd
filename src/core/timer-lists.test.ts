import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

// Node's map of timer lists is internal: a child process with --expose-internals looks at it.
const MODULE = new URL('./timer-lists.js', import.meta.url).href;
const SCRIPT = `
const { timerListMap } = require('internal/timers');
const has = (ms) => Object.keys(timerListMap).includes(String(ms));
import(${JSON.stringify(MODULE)}).then(async ({ keepTimerLists }) => {
  const seen = [];
  const cycle = () => { clearTimeout(setTimeout(() => {}, 60)); seen.push(has(60)); };
  cycle();
  const release = keepTimerLists([60, 60, 0, 2 ** 40]);
  cycle();
  await new Promise((resolve) => setTimeout(resolve, 150));
  seen.push(has(60), Object.keys(timerListMap).filter((key) => key !== '60' && key !== '150').length);
  release();
  // Node drops an unref'd timer's emptied list when it next comes due.
  await new Promise((resolve) => setTimeout(resolve, 150));
  seen.push(has(60));
  // Many durations: only the 64 most used are kept.
  const durations = Array.from({ length: 100 }, (_, i) => 5_000 + i);
  const releaseMany = keepTimerLists([...durations, 5_099, 5_099]);
  seen.push(Object.keys(timerListMap).filter((key) => Number(key) >= 5_000).length, has(5_099));
  releaseMany();
  keepTimerLists([60]);
  console.log(JSON.stringify(seen));
});
`;

test('a kept duration\'s timer list outlives its last timeout, goes once released, and holds no process open', () => {
  // The last keeper is never released: the child exits all the same, as keepers are unref'd.
  const output = execFileSync(process.execPath, ['--expose-internals', '-e', SCRIPT], { encoding: 'utf8', timeout: 10_000 });
  assert.deepEqual(JSON.parse(output), [false, true, true, 0, false, 64, true]);
});
