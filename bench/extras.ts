/** Extra checks: memory with 1,000 keep-alive connections, 2-worker scaling, start-up time (issue #3); config scaling (issue #14). */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { runWrk, startPinned, treeRssMb, waitForPort } from './system.js';
import { writePorticoConfig } from './fixtures.js';
import { runScaling } from './scaling.js';

export interface ExtrasContext {
  dir: string;
  root: string;
  backendOrigin: string;
  gatewayCpu: string;
  loadCpu: string;
  nodeFlags: string[];
  write(line: string): void;
}

export async function runExtras(context: ExtrasContext): Promise<void> {
  const cli = join(context.root, 'dist', 'src', 'cli', 'portico.js');
  const config = writePorticoConfig(context.dir, context.backendOrigin);

  // Memory: 1,000 concurrent keep-alive connections, each with a request answered.
  {
    const port = 19301;
    const child = startPinned(context.gatewayCpu, process.execPath, [...context.nodeFlags, cli, 'run', '-w', '1', '-p', String(port), '-c', config]);
    await waitForPort(port);
    const sockets: Socket[] = [];
    for (let i = 0; i < 1000; i++) {
      const socket = connect(port, '127.0.0.1');
      sockets.push(socket);
      await new Promise<void>((resolve) => {
        socket.once('data', () => resolve());
        socket.once('error', () => resolve());
        socket.write('GET /s1 HTTP/1.1\r\nHost: bench\r\n\r\n');
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    context.write(`\nMemory: RSS of one worker after 1,000 concurrent keep-alive connections: ${treeRssMb(child.pid as number).toFixed(1)} MB`);
    for (const socket of sockets) socket.destroy();
    child.kill('SIGKILL');
  }

  // Scaling: 1 worker vs 2 workers; the load side runs at nice 19 so the gateway gets the CPU first.
  {
    const results: number[] = [];
    for (const workers of [1, 2]) {
      const port = 19310 + workers;
      const child = spawn(process.execPath, [...context.nodeFlags, cli, 'run', '-w', String(workers), '-p', String(port), '-c', config], { stdio: 'ignore' });
      await waitForPort(port);
      await new Promise((resolve) => setTimeout(resolve, 500));
      runWrkNiced(port, 2);
      results.push(runWrkNiced(port, 6));
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    context.write(`Scaling (S1, wrk -t2 -c128 at nice 19, unpinned): 1 worker ${Math.round(results[0] as number)} req/s, 2 workers ${Math.round(results[1] as number)} req/s, ratio ${((results[1] as number) / (results[0] as number)).toFixed(2)}`);
  }

  // Start-up: spawn to first served request with a 100-endpoint config.
  {
    const file = join(context.dir, 'hundred.json');
    writeFileSync(
      file,
      JSON.stringify({
        version: 3,
        extra_config: { router: { disable_access_log: true }, 'telemetry/logging': { level: 'ERROR' } },
        endpoints: Array.from({ length: 100 }, (_, i) => ({ endpoint: `/e${i}/{id}`, backend: [{ host: [context.backendOrigin], url_pattern: '/1kb.json', allow: ['id'] }] })),
      }),
    );
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      const port = 19320 + i;
      const started = performance.now();
      const child = spawn(process.execPath, [...context.nodeFlags, cli, 'run', '-w', '1', '-p', String(port), '-c', file], { stdio: 'ignore' });
      await waitForFirstResponse(port, '/e99/1');
      samples.push(performance.now() - started);
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    samples.sort((a, b) => a - b);
    context.write(`Start-up to first response, 100 endpoints: median ${samples[2]?.toFixed(0)} ms (min ${samples[0]?.toFixed(0)}, max ${samples[4]?.toFixed(0)})`);
  }

  // Config scaling: start-up time, start-up CPU and RSS against the number of endpoints, per mix of components.
  await runScaling({ dir: context.dir, cli, origin: context.backendOrigin, nodeFlags: context.nodeFlags, counts: [1000, 2000, 5000], mixes: ['plain', 'breaker', 'ratelimit', 'all'], firstPort: 19500, write: context.write });
}

function runWrkNiced(port: number, seconds: number): number {
  return runWrk('0-1', `http://127.0.0.1:${port}/s1`, seconds, 128, 2, 19).rps;
}

async function waitForFirstResponse(port: number, path: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('error', () => resolve(false));
      socket.once('connect', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
      socket.once('data', (data: Buffer) => {
        socket.destroy();
        resolve(data.toString().startsWith('HTTP/1.1 200'));
      });
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error('no response within 10 s');
}
