/**
 * `portico run -w 2`: two worker processes share the port, both take connections, and a worker that
 * dies is replaced while the others keep answering. Worker pids come from `ps --ppid`; which worker
 * holds a connection comes from /proc (Linux only; skipped elsewhere).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { childPids, freePort, startCli } from '../helpers/cli.js';
import type { RunningCli } from '../helpers/cli.js';
import { delay, openSocket, request } from '../helpers/http.js';
import { writeConfig } from '../helpers/servers.js';
import { cleanEnv } from '../helpers/cli.js';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const isLinux = process.platform === 'linux';


async function waitForWorkers(parent: number, count: number, exclude: number[] = [], timeoutMs = 10_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pids = childPids(parent).filter((pid) => !exclude.includes(pid));
    if (pids.length === count) return pids;
    if (Date.now() > deadline) assert.fail(`expected ${count} workers of ${parent}, found ${pids.join(', ') || 'none'}`);
    await delay(50);
  }
}

async function health(port: number): Promise<number> {
  try {
    return (await request(`http://127.0.0.1:${port}/__health`, { timeoutMs: 4_000 })).status;
  } catch {
    return 0;
  }
}

/** Socket inodes a process holds. */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1] as string);
    } catch {
      // fd closed meanwhile
    }
  }
  return inodes;
}

/** Inode of the server-side socket of the connection from client port `clientPort` to `serverPort`. */
function serverSideInode(serverPort: number, clientPort: number): string | undefined {
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1]?.split(':')[1];
      const remote = fields[2]?.split(':')[1];
      if (local && remote && parseInt(local, 16) === serverPort && parseInt(remote, 16) === clientPort) return fields[9];
    }
  }
  return undefined;
}

describe('portico run -w 2', { skip: !isLinux && 'needs ps --ppid and /proc' }, () => {
  const running: RunningCli[] = [];
  const sockets: Socket[] = [];
  after(() => {
    for (const socket of sockets) socket.destroy();
    for (const cli of running) cli.kill();
  });

  it('forks two workers that both serve, replaces a killed one, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const file = await writeConfig({ version: 3, endpoints: [{ endpoint: '/a', backend: [{ host: ['http://127.0.0.1:1'], url_pattern: '/' }] }] });
    const cli = startCli(['run', '-c', file, '-w', '2', '-p', String(port)]);
    running.push(cli);
    const primary = cli.child.pid as number;
    const workers = await waitForWorkers(primary, 2);
    // Workers start with Portico's shipped heap default (src/runtime/heap-flags.ts).
    for (const pid of workers) assert.ok(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('--max-semi-space-size=4'), `worker ${pid} has the heap flag`);

    const startDeadline = Date.now() + 10_000;
    while ((await health(port)) !== 200) {
      assert.ok(Date.now() < startDeadline, `the workers did not serve: ${cli.stderr()}`);
      await delay(50);
    }

    // Keep-alive connections, each after one answered request: find which worker holds each. A worker
    // gets connections only once it listens, so keep opening (bounded) until both have shown up.
    const owners = new Set<number>();
    const spreadDeadline = Date.now() + 8_000;
    for (let i = 0; i < 60 && owners.size < 2 && Date.now() < spreadDeadline; i++) {
      if (i >= 4) await delay(100);
      const socket = await openSocket(port);
      sockets.push(socket);
      const answered = new Promise<string>((resolve) => {
        let text = '';
        socket.on('data', (chunk: Buffer) => {
          text += chunk.toString('latin1');
          if (text.includes('"status":"ok"')) resolve(text);
        });
      });
      socket.write('GET /__health HTTP/1.1\r\nHost: test\r\n\r\n');
      assert.match(await answered, /^HTTP\/1\.1 200/);
      const inode = serverSideInode(port, socket.localPort as number);
      assert.ok(inode, 'the connection is in /proc/net/tcp');
      const owner = workers.find((pid) => socketInodes(pid).has(inode));
      if (owner !== undefined) owners.add(owner);
    }
    assert.equal(owners.size, 2, 'connections were spread over both workers');
    for (const socket of sockets.splice(0)) socket.destroy();

    // Kill one worker: the other keeps answering while the primary starts a replacement.
    const [victim] = workers as [number, number];
    process.kill(victim, 'SIGKILL');
    const statuses: number[] = [];
    const replaced = waitForWorkers(primary, 2, [victim]);
    let done = false;
    void replaced.finally(() => (done = true)).catch(() => undefined);
    const checkDeadline = Date.now() + 10_000;
    let firstAttemptFailures = 0;
    while (!done && Date.now() < checkDeadline) {
      // A connection the primary hands to the worker in the instant it dies is lost (node:cluster cannot
      // know yet); a client's retry on a new connection must then reach the surviving worker.
      let status = await health(port);
      if (status !== 200) {
        firstAttemptFailures++;
        // A client retries on a new connection; on a loaded machine give it two tries.
        for (let retry = 0; retry < 2 && status !== 200; retry++) {
          await delay(100);
          status = await health(port);
        }
      }
      statuses.push(status);
      await delay(25);
    }
    assert.ok(firstAttemptFailures <= 3, `at most the connections caught in the crash fail (${firstAttemptFailures})`);
    const replacement = await replaced;
    assert.ok(!replacement.includes(victim));
    assert.ok(statuses.length > 0);
    assert.deepEqual(statuses.filter((status) => status !== 200), [], `every health check answered 200 (${statuses.length} checks)`);
    for (let i = 0; i < 6; i++) assert.equal(await health(port), 200);
    assert.match(cli.stderr(), new RegExp(`worker ${victim} exited .*starting a new one`));

    cli.child.kill('SIGTERM');
    const { code } = await cli.exited(10_000);
    assert.equal(code, 0);
    const leftovers = replacement.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    assert.deepEqual(leftovers, [], 'the workers are gone too');
  });
});

describe('portico run -w 2 with a flexible configuration', { skip: !isLinux && 'needs ps --ppid' }, () => {
  const running: RunningCli[] = [];
  after(() => {
    for (const cli of running) cli.kill();
  });

  it('renders once in the primary: every worker serves the same rendering', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-fc-workers-'));
    const template = join(dir, 'krakend.tmpl');
    // uuidv4 differs on every rendering: one value across workers means one rendering.
    await writeFile(
      template,
      '{ "version": 3, "endpoints": [{ "endpoint": "/id", "backend": [{ "host": ["http://127.0.0.1:1"], "url_pattern": "/" }], ' +
        '"extra_config": { "proxy": { "static": { "strategy": "always", "data": { "id": "{{ uuidv4 }}" } } } } }] }',
    );
    const port = await freePort();
    const cli = startCli(['run', '-c', template, '-w', '2', '-p', String(port)], cleanEnv({ FC_ENABLE: '1' }));
    running.push(cli);
    await waitForWorkers(cli.child.pid as number, 2);
    const deadline = Date.now() + 15_000;
    while ((`${cli.stdout()}${cli.stderr()}`.match(/Listening on/g) ?? []).length < 2) {
      assert.ok(Date.now() < deadline, `both workers listen: ${cli.stdout()}${cli.stderr()}`);
      await delay(100);
    }
    const ids = new Set<string>();
    // A new connection each time: node:cluster hands connections to the workers in turn.
    for (let i = 0; i < 8; i++) {
      const answer = await request(`http://127.0.0.1:${port}/id`, { timeoutMs: 4_000 });
      assert.equal(answer.status, 200);
      ids.add((JSON.parse(answer.body) as { id: string }).id);
    }
    assert.equal(ids.size, 1, `one rendering served by both workers: ${[...ids].join(', ')}`);
    cli.child.kill('SIGTERM');
    assert.equal((await cli.exited(10_000)).code, 0);
  });
});
