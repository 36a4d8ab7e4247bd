/** `portico run` in one process: refuses broken configs, serves, and drains on SIGTERM. */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { freePort, runCli, startCli } from '../helpers/cli.js';
import type { RunningCli } from '../helpers/cli.js';
import { delay, request } from '../helpers/http.js';
import { sendJson, startBackend, writeConfig } from '../helpers/servers.js';
import type { RunningServer } from '../helpers/servers.js';

/** Polls `/__health` until the gateway answers (bounded). */
async function waitUntilServing(port: number, cli: RunningCli, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (cli.child.exitCode !== null) assert.fail(`the gateway exited early (${cli.child.exitCode}): ${cli.stderr()}`);
    try {
      const response = await request(`http://127.0.0.1:${port}/__health`, { timeoutMs: 500 });
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await delay(50);
  }
  assert.fail(`the gateway did not serve within ${timeoutMs} ms: ${cli.stderr()}`);
}

describe('portico run', () => {
  const running: RunningCli[] = [];
  const backends: RunningServer[] = [];
  after(async () => {
    for (const cli of running) cli.kill();
    await Promise.all(backends.map((backend) => backend.close()));
  });

  it('refuses to start on a broken config: every error printed, exit 1', async () => {
    const file = await writeConfig({ version: 3, timeout: 'later', endpoints: [{ endpoint: '/__echo', backend: [{ host: ['http://a:1'], url_pattern: '/' }] }] });
    const result = await runCli(['run', '-c', file, '-w', '1', '-p', String(await freePort())]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /:\d+:\d+: error PRT_ERR_CONFIG_DURATION at timeout/);
    assert.match(result.stderr, /:\d+:\d+: error PRT_ERR_CONFIG_RESERVED_PATH at endpoints\[0\]\.endpoint/);
    assert.match(result.stderr, /not starting/);
  });

  it('gives a one-line error and the usage for an unknown flag', async () => {
    const result = await runCli(['run', '-c', 'x.json', '--turbo']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /^portico: .*--turbo.*\n\nUsage: portico run/);
  });

  it('gives a one-line error and the usage for a missing config file', async () => {
    const result = await runCli(['run', '-c', '/nonexistent/portico.yaml', '-w', '1']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /^portico: .*not found.*\n\nUsage: portico run/);
  });

  it('refuses a port that is not a number', async () => {
    const result = await runCli(['run', '-c', 'x.json', '-p', 'http']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /^portico: --port expects a whole number/);
  });

  it('serves on -p, and on SIGTERM finishes the in-flight request, then exits 0', async () => {
    let backendGotRequest!: () => void;
    const requestArrived = new Promise<void>((resolve) => (backendGotRequest = resolve));
    const backend = await startBackend((_request, response) => {
      backendGotRequest();
      setTimeout(() => sendJson(response, 200, { slow: true }), 700);
    });
    backends.push(backend);
    const port = await freePort();
    const file = await writeConfig({
      version: 3,
      timeout: '5s',
      endpoints: [{ endpoint: '/slow', backend: [{ host: [backend.url], url_pattern: '/' }] }],
    });
    const cli = startCli(['run', '-c', file, '-w', '1', '-p', String(port)]);
    running.push(cli);
    await waitUntilServing(port, cli);

    const inFlight = request(`http://127.0.0.1:${port}/slow`, { timeoutMs: 5_000 });
    await requestArrived;
    cli.child.kill('SIGTERM');
    const response = await inFlight;
    assert.equal(response.status, 200);
    assert.equal(response.body, '{"slow":true}');
    assert.equal(response.headers['x-krakend-completed'], 'true');

    const { code, signal } = await cli.exited(8_000);
    assert.equal(signal, null);
    assert.equal(code, 0);
    await assert.rejects(request(`http://127.0.0.1:${port}/__health`, { timeoutMs: 1_000 }), 'nothing listens after the exit');
  });

  it('-d enables /__debug/', async () => {
    const port = await freePort();
    const file = await writeConfig({ version: 3, endpoints: [{ endpoint: '/a', backend: [{ host: ['http://127.0.0.1:1'], url_pattern: '/' }] }] });
    const cli = startCli(['run', '-c', file, '-w', '1', '-p', String(port), '-d']);
    running.push(cli);
    await waitUntilServing(port, cli);
    const response = await request(`http://127.0.0.1:${port}/__debug/anything`);
    assert.equal(response.status, 200);
    assert.equal(response.body, '{"message":"pong"}');
    cli.child.kill('SIGINT');
    assert.equal((await cli.exited()).code, 0);
  });

  it('logs where it listens on stdout', async () => {
    const port = await freePort();
    const file = await writeConfig({ version: 3, endpoints: [{ endpoint: '/a', backend: [{ host: ['http://127.0.0.1:1'], url_pattern: '/' }] }] });
    const cli = startCli(['run', '-c', file, '-w', '1', '-p', String(port)]);
    running.push(cli);
    await waitUntilServing(port, cli);
    const deadline = Date.now() + 3_000;
    while (!cli.stdout().includes(`:${port}`) && Date.now() < deadline) await delay(50);
    assert.match(cli.stdout(), new RegExp(`Listening on .*:${port}`));
    cli.child.kill('SIGTERM');
    assert.equal((await cli.exited()).code, 0);
  });
});
