/**
 * "No single request can stall a worker", as something a test can check. The gateway under test runs in
 * the test's own process, so while a hostile request keeps the event loop busy, a timer that should
 * tick every few milliseconds ticks late, and a control request on another endpoint waits. `sideBySide`
 * sends the hostile request, then a control request a moment later, and reports how long the control
 * took from the moment it was due (a blocked loop delays its sending as much as its answer), the worst
 * gap between probe ticks, and the process's memory before and after.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface StallReport<T> {
  hostile: T;
  hostileMs: number;
  /** From the moment the control request was due (`controlAfterMs` after the hostile one) to its answer. */
  controlMs: number;
  control: { status: number };
  /** The longest the event loop went without running a timer due every `PROBE_EVERY_MS`, minus that period. */
  maxLagMs: number;
  rssBeforeMb: number;
  rssAfterMb: number;
}

const PROBE_EVERY_MS = 2;

function rssMb(): number {
  return process.memoryUsage().rss / 1024 / 1024;
}

/** Tracks the longest gap between ticks of a short-period timer. */
function startLagProbe(): { stop(): number } {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - PROBE_EVERY_MS);
    last = now;
  }, PROBE_EVERY_MS);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(worst, performance.now() - last - PROBE_EVERY_MS);
    },
  };
}

/**
 * Runs `hostile` and, `controlAfterMs` later, `control`; waits for both. The hostile promise may
 * reject (its error is the result). Memory after is read once both are done and, when the process
 * runs with `--expose-gc`, after a collection.
 */
export async function sideBySide<T>(hostile: () => Promise<T>, control: () => Promise<{ status: number }>, options: { controlAfterMs?: number } = {}): Promise<StallReport<T | Error>> {
  const controlAfterMs = options.controlAfterMs ?? 30;
  const rssBeforeMb = rssMb();
  const probe = startLagProbe();
  const started = performance.now();
  const hostileDone = hostile().then(
    (value) => ({ value, at: performance.now() }),
    (error: unknown) => ({ value: error instanceof Error ? error : new Error(String(error)), at: performance.now() }),
  );
  await sleep(controlAfterMs);
  const controlDue = started + controlAfterMs;
  const controlResult = await control();
  const controlMs = performance.now() - controlDue;
  const finished = await hostileDone;
  const maxLagMs = probe.stop();
  (globalThis as { gc?: () => void }).gc?.();
  await sleep(20);
  return { hostile: finished.value, hostileMs: finished.at - started, controlMs, control: controlResult, maxLagMs, rssBeforeMb, rssAfterMb: rssMb() };
}

/** One line for assertion messages and logs. */
export function describeStall(report: StallReport<unknown>): string {
  const r = (n: number) => n.toFixed(1);
  return `hostile ${r(report.hostileMs)} ms, control ${r(report.controlMs)} ms (status ${report.control.status}), max loop lag ${r(report.maxLagMs)} ms, rss ${r(report.rssBeforeMb)} → ${r(report.rssAfterMb)} MB`;
}
