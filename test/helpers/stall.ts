/**
 * "No single request can stall a worker", as something a test can check. The gateway under test runs in
 * the test's own process, so while a hostile request keeps the event loop busy, a timer that should
 * tick every few milliseconds ticks late, and a control request on another endpoint waits. `sideBySide`
 * sends the hostile request, then a control request a moment later, and reports how long the control
 * took from the moment it was due (a blocked loop delays its sending as much as its answer), the worst
 * gap between probe ticks, and the process's memory before and after.
 *
 * Each time is measured twice: on the wall clock, and as CPU time the process used meanwhile. On a
 * loaded machine (CI, or 2 cores shared by many builds) the wall clock also counts the time the OS ran
 * other processes, which says nothing about the gateway; CPU time counts only what this process did,
 * so a loop held by a script shows in both, a descheduled process only in the first. Assertions use
 * the CPU figures (`controlCpuMs`, `maxLagCpuMs`); the wall figures are reported beside them.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface StallReport<T> {
  hostile: T;
  hostileMs: number;
  /** From the moment the control request was due (`controlAfterMs` after the hostile one) to its answer. */
  controlMs: number;
  /** CPU time the process used from sending the control request to its answer. */
  controlCpuMs: number;
  control: { status: number };
  /** The longest the event loop went without running a timer due every `PROBE_EVERY_MS`, minus that period. */
  maxLagMs: number;
  /** The same gap counted in CPU time the process used (the smaller of the two per gap). */
  maxLagCpuMs: number;
  rssBeforeMb: number;
  rssAfterMb: number;
}

const PROBE_EVERY_MS = 2;

function rssMb(): number {
  return process.memoryUsage().rss / 1024 / 1024;
}

/** CPU time (user + system) this process has used, in milliseconds. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Tracks the longest gap between ticks of a short-period timer, on the wall clock and in CPU time. */
function startLagProbe(): { stop(): { wall: number; cpu: number } } {
  let last = performance.now();
  let lastCpu = cpuMs();
  let worst = 0;
  let worstCpu = 0;
  const tick = (): void => {
    const now = performance.now();
    const nowCpu = cpuMs();
    const gap = now - last - PROBE_EVERY_MS;
    worst = Math.max(worst, gap);
    worstCpu = Math.max(worstCpu, Math.min(gap, nowCpu - lastCpu - PROBE_EVERY_MS));
    last = now;
    lastCpu = nowCpu;
  };
  const timer = setInterval(tick, PROBE_EVERY_MS);
  let stopped = false;
  return {
    stop() {
      clearInterval(timer);
      if (!stopped) tick();
      stopped = true;
      return { wall: worst, cpu: worstCpu };
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
  try {
    const started = performance.now();
    const hostileDone = hostile().then(
      (value) => ({ value, at: performance.now() }),
      (error: unknown) => ({ value: error instanceof Error ? error : new Error(String(error)), at: performance.now() }),
    );
    await sleep(controlAfterMs);
    const controlDue = started + controlAfterMs;
    // A loop held while the control was waiting to be sent shows in the probe's lag, not here.
    const cpuAtSend = cpuMs();
    const controlResult = await control();
    const controlMs = performance.now() - controlDue;
    const controlCpuMs = cpuMs() - cpuAtSend;
    const finished = await hostileDone;
    const lag = probe.stop();
    (globalThis as { gc?: () => void }).gc?.();
    await sleep(20);
    return { hostile: finished.value, hostileMs: finished.at - started, controlMs, controlCpuMs, control: controlResult, maxLagMs: lag.wall, maxLagCpuMs: lag.cpu, rssBeforeMb, rssAfterMb: rssMb() };
  } finally {
    // Stopped on every path: a live interval would keep the test process from exiting.
    probe.stop();
  }
}

/** One line for assertion messages and logs. */
export function describeStall(report: StallReport<unknown>): string {
  const r = (n: number) => n.toFixed(1);
  return `hostile ${r(report.hostileMs)} ms, control ${r(report.controlMs)} ms wall / ${r(report.controlCpuMs)} ms cpu (status ${report.control.status}), max loop lag ${r(report.maxLagMs)} ms wall / ${r(report.maxLagCpuMs)} ms cpu, rss ${r(report.rssBeforeMb)} → ${r(report.rssAfterMb)} MB`;
}

/** Asserts the control answered, within `withinMs` of CPU time, and the loop never stalled longer. */
export function assertNoStall(report: StallReport<unknown>, withinMs = 100): void {
  const text = describeStall(report);
  if (report.control.status !== 200) throw new Error(`the control request failed: ${text}`);
  if (report.controlCpuMs >= withinMs) throw new Error(`the control request waited ${report.controlCpuMs.toFixed(1)} ms of CPU time (limit ${withinMs}): ${text}`);
  if (report.maxLagCpuMs >= withinMs) throw new Error(`the event loop stalled ${report.maxLagCpuMs.toFixed(1)} ms of CPU time (limit ${withinMs}): ${text}`);
}
