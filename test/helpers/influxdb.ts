/**
 * A real InfluxDB 1.x (`influxd`, Debian's `influxdb`) for tests: data in a temp dir, HTTP and RPC on
 * 127.0.0.1 free ports, no reporting, nothing else listening. `hasInfluxd()` lets a test skip in one line
 * when the package could not be installed (scripts/test-services.sh tries).
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './cli.js';
import { delay } from './http.js';

export const INFLUXD_MISSING = 'influxd is not installed (Debian package influxdb; npm test tries to install it): InfluxDB tests skip';

export function hasInfluxd(): boolean {
  const probe = spawnSync('influxd', ['version'], { stdio: 'ignore' });
  return probe.error === undefined && probe.status === 0;
}

export interface RunningInflux {
  url: string;
  /** Runs an InfluxQL statement; returns the JSON answer. */
  query(q: string, db?: string): Promise<InfluxAnswer>;
  stop(): Promise<void>;
}

export interface InfluxAnswer {
  results: { series?: { name: string; columns: string[]; values: unknown[][] }[]; error?: string }[];
}

export async function startInfluxd(): Promise<RunningInflux> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-influx-'));
  const [httpPort, rpcPort] = [await freePort(), await freePort()];
  const config = [
    'reporting-enabled = false',
    `bind-address = "127.0.0.1:${rpcPort}"`,
    '[meta]',
    `  dir = "${dir}/meta"`,
    '  logging-enabled = false',
    '[data]',
    `  dir = "${dir}/data"`,
    `  wal-dir = "${dir}/wal"`,
    '  query-log-enabled = false',
    '[monitor]',
    '  store-enabled = false',
    '[http]',
    `  bind-address = "127.0.0.1:${httpPort}"`,
    '  log-enabled = false',
    '[continuous_queries]',
    '  enabled = false',
    '[subscriber]',
    '  enabled = false',
  ].join('\n');
  await writeFile(join(dir, 'influxdb.conf'), config);
  const child: ChildProcess = spawn('influxd', ['run', '-config', join(dir, 'influxdb.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (data: Buffer) => {
    if (stderr.length < 20_000) stderr += data.toString();
  });
  const url = `http://127.0.0.1:${httpPort}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    const status = await fetch(`${url}/ping`).then((response) => response.status, () => 0);
    if (status === 204) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`influxd did not start:\n${stderr.slice(-2000)}`);
    }
    await delay(100);
  }
  const query = async (q: string, db?: string): Promise<InfluxAnswer> => {
    const params = new URLSearchParams({ q, ...(db ? { db } : {}) });
    const response = await fetch(`${url}/query`, { method: 'POST', body: params });
    return (await response.json()) as InfluxAnswer;
  };
  return {
    url,
    query,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGKILL');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
