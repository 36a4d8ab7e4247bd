/**
 * Config reload (SIGHUP, `run --watch`), a Portico extension: under load from a second process (keep-alive
 * clients, bounded), several reloads in a row, one of them with a broken config, fail no request; the
 * new config's endpoints answer and removed ones 404; the broken one is logged with file:line:column and
 * key while the old config keeps serving. With workers (`-w 2`: a new generation starts, the old drains)
 * and in one process (`-w 1`: the compiled gateway is swapped).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { cleanEnv, freePort, startCli } from '../helpers/cli.js';
import type { RunningCli } from '../helpers/cli.js';
import { delay, request } from '../helpers/http.js';
import type { LoadSummary } from '../helpers/load-loop.js';
import { sendJson, startBackend, writeConfig } from '../helpers/servers.js';
import type { RunningServer } from '../helpers/servers.js';

const LOAD_LOOP = fileURLToPath(new URL('../helpers/load-loop.js', import.meta.url));

let backend: RunningServer;
const running: RunningCli[] = [];
before(async () => {
  backend = await startBackend((_request, response) => sendJson(response, 200, { ok: true }));
});
after(async () => {
  for (const cli of running) cli.kill();
  await backend.close();
});

function endpoint(path: string): Record<string, unknown> {
  return { endpoint: path, backend: [{ host: [backend.url], url_pattern: '/data' }] };
}

/** A config serving /common and the given extra endpoints, one key per line (so errors have a line). */
function config(port: number, ...paths: string[]): string {
  return JSON.stringify({ version: 3, port, endpoints: [endpoint('/common'), ...paths.map(endpoint)] }, null, 2);
}

/** The broken one: `timeout` must be a duration string. Its line is the one holding `"timeout"`. */
function brokenConfig(port: number): { text: string; line: number } {
  const text = JSON.stringify({ version: 3, port, endpoints: [{ ...endpoint('/common'), timeout: 2000 }] }, null, 2);
  return { text, line: text.split('\n').findIndex((line) => line.includes('"timeout"')) + 1 };
}

async function status(port: number, path: string): Promise<number> {
  try {
    return (await request(`http://127.0.0.1:${port}${path}`, { timeoutMs: 5_000 })).status;
  } catch {
    return 0;
  }
}

async function until(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await delay(50);
  }
}

const count = (text: string, needle: string): number => text.split(needle).length - 1;

/**
 * Until `reloads` reloads have been served and, with workers, every old worker was told to drain (it
 * closes its listener as it logs that): before then a new connection may still reach an old worker.
 */
async function reloaded(log: () => string, reloads: number, workers: number): Promise<void> {
  await until(`${reloads} reload(s) served`, () => count(log(), 'serving the new configuration') >= reloads);
  if (workers > 1) await until('the old workers to drain', () => count(log(), 'SIGTERM received') >= reloads * workers);
}

/** Starts the load loop in its own process; `stop()` closes its stdin and returns its summary. */
function startLoad(port: number, path: string): { stop(): Promise<LoadSummary> } {
  const child = spawn(process.execPath, [LOAD_LOOP, String(port), path, '8', '40000', '90000'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = once(child, 'close');
  return {
    async stop() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
      return JSON.parse(output) as LoadSummary;
    },
  };
}

async function reloadsUnderLoad(workers: string): Promise<void> {
  const port = await freePort();
  const file = await writeConfig(config(port, '/one'));
  const cli = startCli(['run', '-c', file, '-w', workers]);
  running.push(cli);
  const log = (): string => cli.stdout() + cli.stderr();
  await until('the gateway to answer', async () => (await status(port, '/one')) === 200);
  const load = startLoad(port, '/common');
  const loadStarted = Date.now();
  await delay(500);

  // 1: /one is replaced by /two.
  await writeFile(file, config(port, '/two'));
  cli.child.kill('SIGHUP');
  await reloaded(log, 1, Number(workers));
  assert.equal(await status(port, '/two'), 200, 'the new endpoint answers');
  assert.equal(await status(port, '/one'), 404, 'the removed endpoint is gone');

  // 2: a broken config is refused, with file:line:column and key; /two keeps answering.
  const broken = brokenConfig(port);
  await writeFile(file, broken.text);
  cli.child.kill('SIGHUP');
  await until('the refusal', () => log().includes('PRT_ERR_RELOAD_REFUSED'));
  assert.match(log(), new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${broken.line}:\\d+: error PRT_ERR_CONFIG_TYPE at endpoints\\[0\\]\\.timeout`));
  assert.equal(await status(port, '/two'), 200, 'the old config keeps serving');

  // 3 and 4: two more in a row, the second sent while the first may still be rolling out.
  await writeFile(file, config(port, '/three'));
  cli.child.kill('SIGHUP');
  await delay(200);
  await writeFile(file, config(port, '/four'));
  cli.child.kill('SIGHUP');
  await reloaded(log, 3, Number(workers));
  assert.equal(await status(port, '/four'), 200);
  assert.equal(await status(port, '/two'), 404);
  // At least a few seconds of load in all, however quick the reloads were.
  await delay(Math.max(1_500, 5_000 - (Date.now() - loadStarted)));

  const summary = await load.stop();
  assert.deepEqual({ failed: summary.failed, errors: summary.errors }, { failed: 0, errors: {} }, `every request answered 200: ${JSON.stringify(summary)}`);
  assert.ok(summary.ok >= 300, `the load loop kept sending: ${JSON.stringify(summary)}`);
  process.stdout.write(`# reload -w ${workers}: ${summary.ok} requests answered 200, ${summary.failed} failed, ${count(log(), 'serving the new configuration')} reloads served\n`);
  cli.child.kill('SIGTERM');
  const exit = await cli.exited(30_000);
  assert.equal(exit.code, 0);
}

describe('config reload', { timeout: 180_000 }, () => {
  it('rolls two workers over to each new config under load without failing a request', async () => {
    await reloadsUnderLoad('2');
  });

  it('swaps the compiled gateway in one process under load without failing a request', async () => {
    await reloadsUnderLoad('1');
  });

  it('keeps an unchanged rate limit across a reload with workers, and starts a changed one fresh', async () => {
    const port = await freePort();
    const limited = (capacity: number, extra: string[] = []): string =>
      JSON.stringify(
        {
          version: 3,
          port,
          endpoints: [
            { ...endpoint('/limited'), extra_config: { 'qos/ratelimit/router': { max_rate: 1, capacity, every: '1h' } } },
            ...extra.map(endpoint),
          ],
        },
        null,
        2,
      );
    const file = await writeConfig(limited(3));
    const cli = startCli(['run', '-c', file, '-w', '2']);
    running.push(cli);
    const log = (): string => cli.stdout() + cli.stderr();
    const statuses = async (count: number): Promise<number[]> => {
      const result: number[] = [];
      for (let i = 0; i < count; i++) result.push(await status(port, '/limited'));
      return result;
    };
    await until('the gateway to answer', async () => (await status(port, '/limited')) === 200);
    // One token taken above; one more now, then the same limit reloaded beside a new endpoint.
    assert.equal(await status(port, '/limited'), 200);
    await writeFile(file, limited(3, ['/new']));
    cli.child.kill('SIGHUP');
    await reloaded(log, 1, 2);
    assert.equal(await status(port, '/new'), 200);
    assert.deepEqual(await statuses(2), [200, 503], 'the bucket kept its count: one token left of three');
    // Another capacity: a bucket of that size, full.
    await writeFile(file, limited(4, ['/newer']));
    cli.child.kill('SIGHUP');
    await reloaded(log, 2, 2);
    assert.equal(await status(port, '/newer'), 200);
    assert.deepEqual(await statuses(5), [200, 200, 200, 200, 503], 'a changed limit starts fresh');
    await until('the old state freed', () => /dropped the state of \d+/.test(log()), 20_000);
    cli.child.kill('SIGTERM');
    await cli.exited(30_000);
  });

  it('re-renders a flexible configuration on SIGHUP, and every new worker serves that one rendering', async () => {
    const port = await freePort();
    const dir = await mkdtemp(join(tmpdir(), 'portico-fc-reload-'));
    await mkdir(join(dir, 'settings'));
    const template = join(dir, 'krakend.tmpl');
    await writeFile(
      template,
      `{"version": 3, "port": ${port}, "endpoints": [{{ range $i, $path := .routes.paths }}{{ if $i }},{{ end }}` +
        `{"endpoint": "{{ $path }}", "backend": [{"host": ["${backend.url}"], "url_pattern": "/data"}]}{{ end }}]}`,
    );
    const settings = join(dir, 'settings', 'routes.json');
    await writeFile(settings, JSON.stringify({ paths: ['/before'] }));
    const cli = startCli(['run', '-c', template, '-w', '2'], { ...cleanEnv(), FC_ENABLE: '1', FC_SETTINGS: join(dir, 'settings') });
    running.push(cli);
    await until('the rendered config to answer', async () => (await status(port, '/before')) === 200);
    await writeFile(settings, JSON.stringify({ paths: ['/after'] }));
    cli.child.kill('SIGHUP');
    await until('the re-rendered endpoint', async () => (await status(port, '/after')) === 200);
    // Both generations answer until every new worker listens; then the old ones drain.
    await until('the reload to finish', () => /serving the new configuration/.test(cli.stdout() + cli.stderr()));
    // Once the old ones have drained, no worker serves the old rendering (several requests reach both).
    await until('the old generation gone', async () => {
      for (let i = 0; i < 10; i++) if ((await status(port, '/before')) !== 404) return false;
      return true;
    });
    cli.child.kill('SIGTERM');
    await cli.exited(30_000);
  });

  it('reloads when the file changes with --watch', async () => {
    const port = await freePort();
    const file = await writeConfig(config(port, '/before'));
    const cli = startCli(['run', '-c', file, '-w', '1', '--watch']);
    running.push(cli);
    await until('the gateway to answer', async () => (await status(port, '/before')) === 200);
    await writeFile(file, config(port, '/after'));
    await until('the new endpoint', async () => (await status(port, '/after')) === 200);
    assert.equal(await status(port, '/before'), 404);
    await until('the change logged', () => /krakend\.json changed: loading/.test(cli.stdout() + cli.stderr()), 5_000);
    cli.child.kill('SIGTERM');
    await cli.exited(30_000);
  });
});
