import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

const glibc = process.platform === 'linux' && (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime !== undefined;

/**
 * A child process that takes and frees ten 1 MiB buffers (as large bodies do) four times over, the frees
 * forced by a GC that sweeps array buffers at once; prints its minor page faults per round.
 */
const CHILD = `
const { readFileSync } = await import('node:fs');
const faults = () => Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')[7]);
if (process.argv[1] === 'raise') (await import(process.argv[2])).raiseMallocThresholds();
globalThis.gc();
const round = () => {
  let held = [];
  for (let i = 0; i < 10; i++) held.push(Buffer.allocUnsafe(1024 * 1024).fill(1));
  held = [];
  globalThis.gc();
};
round();
const before = faults();
for (let i = 0; i < 4; i++) round();
process.stdout.write(String((faults() - before) / 4));
`;

function faultsPerRound(mode: 'plain' | 'raise'): number {
  const moduleUrl = new URL('./malloc-thresholds.js', import.meta.url).href;
  const child = spawnSync(process.execPath, ['--expose-gc', '--no-concurrent-array-buffer-sweeping', '--input-type=module', '-e', CHILD, mode, moduleUrl], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  return Number(child.stdout);
}

test('freed 1 MiB buffers are reused instead of mapped afresh once the thresholds are raised', { skip: glibc ? false : 'needs Linux with glibc' }, () => {
  const plain = faultsPerRound('plain');
  const raised = faultsPerRound('raise');
  // 10 MiB a round: mapped afresh, hundreds of faults (about 700 here); reused from the heap, a few dozen.
  assert.ok(plain > 200, `without the raise each round should fault its pages in again (${plain})`);
  assert.ok(raised < plain / 4, `with the raise the heap should keep the freed memory (${raised} faults a round against ${plain})`);
});
