/**
 * A tiny micro-benchmark runner: each case runs for a fixed number of iterations per sample, several
 * samples; the median ns/op is reported. For comparing versions of one function on one machine, not for
 * absolute claims (those come from the load benchmark).
 */
export interface MicroCase {
  name: string;
  fn: () => unknown;
}

let sink: unknown;

export function runCases(title: string, cases: MicroCase[], iterations = 200_000, samples = 7): void {
  process.stdout.write(`\n${title}\n`);
  for (const { name, fn } of cases) {
    for (let i = 0; i < iterations / 10; i++) sink = fn(); // warm up the JIT
    const perOp: number[] = [];
    for (let s = 0; s < samples; s++) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < iterations; i++) sink = fn();
      perOp.push(Number(process.hrtime.bigint() - start) / iterations);
    }
    perOp.sort((a, b) => a - b);
    process.stdout.write(`  ${name.padEnd(48)} ${(perOp[samples >> 1] as number).toFixed(1).padStart(9)} ns/op\n`);
  }
  if (sink === Symbol.for('never')) process.stdout.write('');
}
