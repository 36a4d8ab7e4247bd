/** Process, CPU and tool helpers for the benchmark harness. */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString().trim()) || 100;

export function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

/** Installs Debian packages when missing (root, no prompt); false when that is not possible. */
export function ensurePackages(commands: Record<string, string>): boolean {
  const missing = Object.entries(commands).filter(([command]) => !hasCommand(command)).map(([, pkg]) => pkg);
  if (missing.length === 0) return true;
  process.stderr.write(`installing ${missing.join(', ')} with apt-get…\n`);
  const sudo = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const run = (args: string[]): boolean => spawnSync(sudo[0] ?? args[0] as string, sudo.length ? [...sudo.slice(1), ...args] : args.slice(1), { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
  if (!run(['apt-get', 'install', '-y', ...missing])) {
    run(['apt-get', 'update']);
    if (!run(['apt-get', 'install', '-y', ...missing])) return false;
  }
  return Object.keys(commands).every(hasCommand);
}

export function cpuCount(): number {
  return Number(spawnSync('nproc').stdout.toString().trim()) || 1;
}

/** A child pinned to the given CPUs with taskset (when available). */
export function startPinned(cpus: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const pin = hasCommand('taskset');
  const child = spawn(pin ? 'taskset' : command, pin ? ['-c', cpus, command, ...args] : args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
    detached: false,
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    if (!/ExperimentalWarning|DeprecationWarning/.test(text)) process.stderr.write(`[${command}] ${text}`);
  });
  return child;
}

/** All descendants of a pid, from /proc. */
function descendants(pid: number): number[] {
  const out: number[] = [pid];
  for (let i = 0; i < out.length; i++) {
    const current = out[i] as number;
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${current}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      try {
        const children = readFileSync(`/proc/${current}/task/${task}/children`, 'utf8').trim();
        if (children) out.push(...children.split(/\s+/).map(Number));
      } catch {
        // the task ended meanwhile
      }
    }
  }
  return out;
}

/**
 * User + system CPU seconds of a process tree (the taskset wrapper execs, so its pid is the target's).
 * Read from each thread's schedstat, in nanoseconds: /proc's stat counts 10 ms ticks, which is a few
 * per cent of a short slice at a few thousand responses. Falls back to the ticks without schedstat.
 */
export function treeCpuSeconds(pid: number): number {
  let seconds = 0;
  for (const id of descendants(pid)) seconds += processCpuSeconds(id);
  return seconds;
}

function processCpuSeconds(pid: number): number {
  try {
    let nanos = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      try {
        nanos += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // the thread ended meanwhile
      }
    }
    return nanos / 1e9;
  } catch {
    // no schedstat here (or the process exited): the tick counters
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0; // exited
  }
}

export function treeRssMb(pid: number): number {
  let kb = 0;
  for (const id of descendants(pid)) {
    try {
      const match = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${id}/status`, 'utf8'));
      if (match) kb += Number(match[1]);
    } catch {
      // exited
    }
  }
  return kb / 1024;
}

export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`nothing listens on ${port} after ${timeoutMs} ms`);
}

export interface WrkResult {
  requests: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

function toMs(text: string): number {
  const match = /([\d.]+)(us|ms|s)/.exec(text);
  if (!match) return Number.NaN;
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
}

/** Runs wrk pinned to `cpus`; returns its figures. */
export function runWrk(cpus: string, url: string, seconds: number, connections: number, threads = 1, niceness = 0, headers: string[] = []): WrkResult {
  const args = [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--latency', ...headers.flatMap((header) => ['-H', header]), url];
  const pinned = hasCommand('taskset') ? ['taskset', '-c', cpus, 'wrk', ...args] : ['wrk', ...args];
  const command = niceness > 0 ? ['nice', '-n', String(niceness), ...pinned] : pinned;
  const output = execFileSync(command[0] as string, command.slice(1), { encoding: 'utf8' });
  const requests = Number(/(\d+) requests in ([\d.]+)(\w+)/.exec(output)?.[1] ?? 0);
  const duration = /\d+ requests in ([\d.]+)(ms|s|m)/.exec(output);
  const secondsTaken = duration ? Number(duration[1]) * (duration[2] === 'ms' ? 0.001 : duration[2] === 'm' ? 60 : 1) : seconds;
  const errorsMatch = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0);
  const errors = non2xx + (errorsMatch ? errorsMatch.slice(1).map(Number).reduce((a, b) => a + b, 0) : 0);
  return {
    requests,
    seconds: secondsTaken,
    rps: requests / secondsTaken,
    p50Ms: toMs(/50%\s+(\S+)/.exec(output)?.[1] ?? ''),
    p99Ms: toMs(/99%\s+(\S+)/.exec(output)?.[1] ?? ''),
    errors,
  };
}

/** An nginx that serves `dir`'s files on 127.0.0.1:`port` as a JSON backend; returns the config file's path. */
export function writeStaticNginxConf(dir: string, port: number, serverDirectives = ''): string {
  const file = join(dir, 'nginx.conf');
  writeFileSync(
    file,
    `worker_processes 1; daemon off; pid ${dir}/nginx.pid; error_log ${dir}/nginx.error.log error;
events { worker_connections 8192; }
http { access_log off; keepalive_requests 10000000; keepalive_timeout 300s;
  client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  server { listen 127.0.0.1:${port}; root ${dir}; default_type application/json;${serverDirectives} } }
`,
  );
  return file;
}
