/**
 * A private RabbitMQ for tests: its own node name, ports, epmd, cookie and data directory under a temp dir,
 * listening on 127.0.0.1 only. RabbitMQ takes seconds to boot, so a test file starts one and shares it.
 * `kill()` + `restart()` keep the data directory: durable queues and persistent messages survive, as
 * they would on a real broker that crashed.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './cli.js';

/** Debian installs the real start script here; /usr/sbin/rabbitmq-server would `su rabbitmq` into /var/lib. */
const SERVER_SCRIPT = '/usr/lib/rabbitmq/bin/rabbitmq-server';
// Boot takes ~6 s on a quiet machine and over 40 s on a loaded 2-core one.
const BOOT_LIMIT_MS = 120_000;

export const RABBITMQ_MISSING = 'rabbitmq-server is not installed (npm test installs it as root via scripts/test-services.sh)';

export interface RunningRabbit {
  port: number;
  /** `amqp://guest:guest@127.0.0.1:<port>` (guest may log in over loopback). */
  url: string;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** Boots the same node again on the same port, with the same data. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export function hasRabbitServer(): boolean {
  return existsSync(SERVER_SCRIPT) && spawnSync('sh', ['-c', 'command -v erl'], { stdio: 'ignore' }).status === 0;
}

/** Starts a broker, or returns the one-line reason it cannot (for `t.skip`). */
export async function startRabbit(): Promise<RunningRabbit | string> {
  if (!hasRabbitServer()) return RABBITMQ_MISSING;
  const dir = await mkdtemp(join(tmpdir(), 'portico-rabbit-'));
  const [port, distPort, epmdPort] = [await freePort(), await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    PATH: `${process.env['PATH'] ?? ''}:/usr/sbin:/sbin`,
    HOME: dir, // the Erlang cookie is written here: private to this broker
    RABBITMQ_NODENAME: `portico${process.pid}@localhost`,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    ERL_EPMD_PORT: String(epmdPort),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_LOGS: join(dir, 'rabbit.log'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_ENABLED_PLUGINS: '',
    RABBITMQ_PID_FILE: join(dir, 'pid'),
  };
  // Our own epmd in the foreground, so it dies with the test instead of daemonizing.
  const epmd = spawn('epmd', ['-port', String(epmdPort), '-address', '127.0.0.1'], { stdio: 'ignore', env });
  let child: ChildProcess | undefined;
  const kill = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, 'exit');
    try {
      process.kill(-(running.pid as number), 'SIGKILL'); // beam and its helpers share the group
    } catch {
      running.kill('SIGKILL');
    }
    await exited;
  };
  const boot = async (): Promise<void> => {
    child = await launch(env);
  };
  const stop = async (): Promise<void> => {
    await kill();
    epmd.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await boot();
  } catch (error) {
    await stop();
    return `RabbitMQ did not start: ${(error as Error).message.split('\n')[0] ?? ''}`;
  }
  process.once('exit', () => {
    if (child?.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    epmd.kill('SIGKILL');
  });
  return { port, url: `amqp://guest:guest@127.0.0.1:${port}`, kill, restart: async () => {
    await kill();
    await boot();
  }, stop };
}

async function launch(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  // Output goes to a file, so no pipe keeps the test process alive or blocks the broker.
  const child = spawn(realpathSync(SERVER_SCRIPT), [], { env, detached: true, stdio: 'ignore' });
  const port = Number(env['RABBITMQ_NODE_PORT']);
  const logTail = (): string => {
    try {
      return readFileSync(env['RABBITMQ_LOGS'] as string, 'utf8').slice(-600);
    } catch {
      return '(no log)';
    }
  };
  const deadline = Date.now() + BOOT_LIMIT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`rabbitmq-server exited with ${child.exitCode}: ${logTail()}`);
    if (await answersAmqp(port)) return child;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  try {
    process.kill(-(child.pid as number), 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
  throw new Error(`no AMQP listener on port ${port} within ${BOOT_LIMIT_MS / 1000} s: ${logTail()}`);
}

/** The broker answers an AMQP protocol header with its own `connection.start` frame (type 1). */
function answersAmqp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write(Buffer.from('AMQP\x00\x00\x09\x01', 'latin1')));
    socket.once('data', (chunk: Buffer) => done(chunk[0] === 1));
  });
}
