/**
 * A real Prometheus server for tests, on 127.0.0.1 and a free port, scraping the given targets every
 * second, with its data in a temporary directory. `npm test` installs the Debian package
 * (scripts/test-services.sh); without it the tests that need one skip with `PROMETHEUS_MISSING`.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './cli.js';
import { request } from './http.js';

export const PROMETHEUS_MISSING = 'prometheus is not installed: `npm test` installs it as root (scripts/test-services.sh); otherwise install the prometheus package';

export function hasPrometheus(): boolean {
  const probe = spawnSync('prometheus', ['--version'], { stdio: 'ignore' });
  return probe.error === undefined && probe.status === 0;
}

export interface RunningPrometheus {
  url: string;
  /** The value of an instant query whose result is one number (NaN when it has no series). */
  value(query: string): Promise<number>;
  stop(): Promise<void>;
}

export async function startPrometheus(targets: string[]): Promise<RunningPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  await writeFile(config, `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: portico\n    static_configs:\n      - targets: [${targets.map((target) => `'${target}'`).join(', ')}]\n`);
  const port = await freePort();
  const child: ChildProcess = spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}: ${stderr}`);
    try {
      if ((await request(`${url}/-/ready`, { timeoutMs: 1_000 })).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus was not ready within 30 s: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    async value(query) {
      const answer = await request(`${url}/api/v1/query?query=${encodeURIComponent(query)}`, { timeoutMs: 5_000 });
      const body = JSON.parse(answer.body) as { status: string; data?: { result: { value: [number, string] }[] } };
      if (body.status !== 'success') throw new Error(`query ${query} failed: ${answer.body}`);
      const first = body.data?.result[0];
      return first === undefined ? Number.NaN : Number(first.value[1]);
    },
    stop,
  };
}
