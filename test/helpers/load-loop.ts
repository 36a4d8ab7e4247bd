/**
 * A bounded load loop, run as its own process so the gateway's clients are not the test's event loop:
 * `node load-loop.js PORT PATH CONCURRENCY MAX_REQUESTS MAX_MS`. CONCURRENCY clients send GET PATH one
 * after another over keep-alive connections (127.0.0.1 only) until stdin closes, MAX_REQUESTS were sent
 * or MAX_MS passed; then one JSON line: { ok, failed, statuses, errors }. A failure is any answer but
 * 200, or no answer (reset, hang-up, timeout).
 */
import { Agent, request } from 'node:http';

export interface LoadSummary {
  ok: number;
  failed: number;
  statuses: Record<string, number>;
  errors: Record<string, number>;
}

const [port, path, concurrency, maxRequests, maxMs] = process.argv.slice(2);
const agent = new Agent({ keepAlive: true, maxSockets: Number(concurrency) });
const summary: LoadSummary = { ok: 0, failed: 0, statuses: {}, errors: {} };
let sent = 0;
let stopped = false;
const stop = (): void => {
  stopped = true;
};
process.stdin.on('end', stop).on('close', stop).resume();
setTimeout(stop, Number(maxMs)).unref();

function once(): Promise<void> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: Number(port), path, agent, timeout: 10_000 }, (response) => {
      const status = String(response.statusCode);
      summary.statuses[status] = (summary.statuses[status] ?? 0) + 1;
      response.resume();
      response.on('end', () => {
        if (status === '200') summary.ok++;
        else summary.failed++;
        resolve();
      });
      response.on('error', (error) => fail(error));
    });
    const fail = (error: Error): void => {
      const code = (error as NodeJS.ErrnoException).code ?? error.message;
      summary.errors[code] = (summary.errors[code] ?? 0) + 1;
      summary.failed++;
      resolve();
    };
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', fail);
    req.end();
  });
}

async function client(): Promise<void> {
  while (!stopped && sent < Number(maxRequests)) {
    sent++;
    await once();
  }
}

await Promise.all(Array.from({ length: Number(concurrency) }, client));
agent.destroy();
process.stdout.write(`${JSON.stringify(summary)}\n`);
