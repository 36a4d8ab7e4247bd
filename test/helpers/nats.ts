/** A private `nats-server` for tests, on 127.0.0.1 and a free port; it boots in milliseconds. */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { freePort } from './cli.js';

export const NATS_MISSING = 'nats-server is not installed (npm test installs it as root via scripts/test-services.sh)';

export interface RunningNats {
  port: number;
  /** `nats://127.0.0.1:<port>` */
  url: string;
  kill(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function natsBinary(): string | undefined {
  for (const candidate of ['nats-server', '/usr/sbin/nats-server', '/usr/bin/nats-server']) {
    const probe = spawnSync(candidate, ['--version'], { stdio: 'ignore' });
    if (probe.error === undefined && probe.status === 0) return candidate;
  }
  return undefined;
}

/** Starts a server, or returns the one-line reason it cannot (for `t.skip`). */
export async function startNats(): Promise<RunningNats | string> {
  const binary = natsBinary();
  if (binary === undefined) return NATS_MISSING;
  const port = await freePort();
  let child: ChildProcess | undefined;
  const kill = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, 'exit');
    running.kill('SIGKILL');
    await exited;
  };
  const boot = async (): Promise<void> => {
    const started = spawn(binary, ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (started.exitCode !== null) throw new Error(`nats-server exited with ${started.exitCode}`);
      if (await answersInfo(port)) {
        child = started;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    started.kill('SIGKILL');
    throw new Error(`nats-server did not answer on port ${port} within 10 s`);
  };
  try {
    await boot();
  } catch (error) {
    return `nats-server did not start: ${(error as Error).message}`;
  }
  process.once('exit', () => child?.kill('SIGKILL'));
  return { port, url: `nats://127.0.0.1:${port}`, kill, restart: async () => {
    await kill();
    await boot();
  }, stop: kill };
}

/** A NATS server greets every client with an `INFO {...}` line. */
function answersInfo(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.once('data', (chunk: Buffer) => done(chunk.toString('latin1').startsWith('INFO ')));
  });
}
