/**
 * Runs the CLI (`dist/src/cli/portico.js`, the entry that loads the command bundled from `main.js`) as a child process, the way users run `portico`.
 * Every wait is bounded; a child left running is killed when the test ends.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

/** From `dist/test/helpers/cli.js` the CLI is `dist/src/cli/portico.js`. */
export const CLI_PATH = fileURLToPath(new URL('../../src/cli/portico.js', import.meta.url));

/** The parent's environment without the variables that would override a test's config. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^(KRAKEND|PORTICO)_/.test(key)) env[key] = value;
  return { ...env, ...extra };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `portico <args>` to completion (killed after `timeoutMs`). */
export async function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI_PATH, ...args], { env: options.env ?? cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const output = collect(child);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 10_000);
  // 'close' follows 'exit' once stdout and stderr are drained: the whole output is in.
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return { code, signal, stdout: output.stdout(), stderr: output.stderr() };
}

export interface RunningCli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code and signal (killing the child after `timeoutMs`). */
  exited(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Kills the child (and, with `-w N`, its workers go with the primary's IPC channel). */
  kill(): void;
}

/** Starts `portico <args>` in the background. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = cleanEnv()): RunningCli {
  const child = spawn(process.execPath, [CLI_PATH, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = collect(child);
  const exit = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return {
    child,
    stdout: output.stdout,
    stderr: output.stderr,
    async exited(timeoutMs = 10_000) {
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const [code, signal] = await exit;
      clearTimeout(timer);
      return { code, signal };
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

function collect(child: ChildProcess): { stdout: () => string; stderr: () => string } {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return { stdout: () => stdout, stderr: () => stderr };
}

/** A port that was free a moment ago (bind 0, read it, close). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The pids of a process's direct children (a `run -w N` primary's workers). */
export function childPids(parent: number): number[] {
  try {
    return execFileSync('ps', ['--ppid', String(parent), '-o', 'pid='], { encoding: 'utf8' })
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((pid) => pid > 0);
  } catch {
    return []; // ps exits 1 when there are no children
  }
}
