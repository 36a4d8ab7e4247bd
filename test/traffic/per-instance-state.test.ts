/**
 * `portico run -w 2`: two real worker processes, one instance. Rate limits, circuit breakers and HTTP
 * caches hold per instance (KrakenD's limits hold per process), so the counts below are those of one
 * process whatever worker a connection lands on. Every request opens a new connection, which node:cluster
 * hands to the workers in turn; the unlimited `/spread` endpoint shows both workers served (each worker
 * has its own backend connection pool). Rates use `every: "1h"`: no token comes back during the test.
 * Last, the primary is stopped (SIGSTOP) to check the bounded answer when the state cannot be reached.
 */
import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { childPids, freePort, startCli } from '../helpers/cli.js';
import type { RunningCli } from '../helpers/cli.js';
import { delay, request } from '../helpers/http.js';
import { sendJson, startBackend, writeConfig } from '../helpers/servers.js';
import type { RunningServer } from '../helpers/servers.js';

const isLinux = process.platform === 'linux';

function listening(cli: RunningCli): number {
  return (cli.stdout().match(/Listening on/g) ?? []).length;
}

async function waitFor(what: string, predicate: () => boolean, cli: RunningCli, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) assert.fail(`${what}; stderr: ${cli.stderr()}`);
    await delay(50);
  }
}

/** A GET on the agent's kept-alive connection; resolves with the status. */
function keptAlive(agent: Agent, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(5_000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}


describe('per-instance state with two workers', { skip: !isLinux && 'needs ps --ppid' }, () => {
  const calls = new Map<string, number>();
  const backendPeers = new Map<string, Set<number>>();
  let backend: RunningServer;
  let cli: RunningCli;
  let base: string;

  before(async () => {
    backend = await startBackend((req: IncomingMessage, res: ServerResponse) => {
      const path = (req.url as string).split('?')[0] as string;
      calls.set(path, (calls.get(path) ?? 0) + 1);
      if (!backendPeers.has(path)) backendPeers.set(path, new Set());
      backendPeers.get(path)?.add(req.socket.remotePort as number);
      if (path === '/fail') return sendJson(res, 500, { failed: true });
      if (path === '/cached') return sendJson(res, 200, { call: calls.get(path) }, { 'Cache-Control': 'max-age=600' });
      sendJson(res, 200, { ok: true });
    });
    const host = [backend.url];
    const file = await writeConfig({
      version: 3,
      endpoints: [
        { endpoint: '/spread', backend: [{ host, url_pattern: '/spread' }] },
        { endpoint: '/limited', extra_config: { 'qos/ratelimit/router': { max_rate: 1, capacity: 3, every: '1h' } }, backend: [{ host, url_pattern: '/limited' }] },
        {
          endpoint: '/per-client',
          extra_config: { 'qos/ratelimit/router': { client_max_rate: 1, client_capacity: 2, every: '1h', strategy: 'header', key: 'X-Client' } },
          backend: [{ host, url_pattern: '/per-client' }],
        },
        { endpoint: '/proxy-limited', backend: [{ host, url_pattern: '/proxy-limited', extra_config: { 'qos/ratelimit/proxy': { max_rate: 1, capacity: 2, every: '1h' } } }] },
        { endpoint: '/breaker', backend: [{ host, url_pattern: '/fail', extra_config: { 'qos/circuit-breaker': { interval: 600, timeout: 600, max_errors: 2 } } }] },
        { endpoint: '/cached', backend: [{ host, url_pattern: '/cached', extra_config: { 'qos/http-cache': {} } }] },
        { endpoint: '/roomy', extra_config: { 'qos/ratelimit/router': { max_rate: 1000, capacity: 1000, every: '1h' } }, backend: [{ host, url_pattern: '/roomy' }] },
      ],
    });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    cli = startCli(['run', '-c', file, '-w', '2', '-p', String(port)]);
    await waitFor('both workers listen', () => listening(cli) === 2, cli);
  });

  after(async () => {
    cli?.kill();
    await backend?.close();
  });

  const statuses = async (path: string, count: number, headers: Record<string, string> = {}): Promise<number[]> => {
    const result: number[] = [];
    for (let i = 0; i < count; i++) result.push((await request(base + path, { headers })).status);
    return result;
  };

  it('spreads new connections over both workers', async () => {
    assert.deepEqual(await statuses('/spread', 6), [200, 200, 200, 200, 200, 200]);
    assert.equal(backendPeers.get('/spread')?.size, 2, 'two workers, two backend connections');
  });

  it('qos/ratelimit/router admits exactly capacity requests for the instance, then 503', async () => {
    assert.deepEqual(await statuses('/limited', 6), [200, 200, 200, 503, 503, 503]);
    assert.equal(calls.get('/limited'), 3);
  });

  it('client_max_rate holds per client for the instance, then 429', async () => {
    assert.deepEqual(await statuses('/per-client', 4, { 'X-Client': 'alice' }), [200, 200, 429, 429]);
    assert.deepEqual(await statuses('/per-client', 3, { 'X-Client': 'bob' }), [200, 200, 429]);
  });

  it('qos/ratelimit/proxy lets exactly capacity calls reach the backend', async () => {
    await statuses('/proxy-limited', 6);
    assert.equal(calls.get('/proxy-limited'), 2);
  });

  it('qos/circuit-breaker opens after max_errors + 1 consecutive failures, whichever worker saw them', async () => {
    assert.deepEqual(await statuses('/breaker', 7), [500, 500, 500, 500, 500, 500, 500]);
    // KrakenD opens when consecutive errors exceed max_errors (2): three calls reach the backend, no more.
    assert.equal(calls.get('/fail'), 3);
  });

  it('qos/http-cache serves what one worker stored to the other', async () => {
    const bodies: string[] = [];
    for (let i = 0; i < 4; i++) {
      const answer = await request(`${base}/cached`);
      assert.equal(answer.status, 200);
      bodies.push(answer.body);
    }
    assert.equal(calls.get('/cached'), 1, 'one backend call for four requests over two workers');
    assert.deepEqual(new Set(bodies).size, 1);
  });

  it('keeps the state when a worker dies and is replaced', async () => {
    const [victim] = childPids(cli.child.pid as number);
    assert.ok(victim, 'a worker pid');
    process.kill(victim, 'SIGKILL');
    await waitFor('a replacement worker listens', () => listening(cli) === 3, cli);
    assert.deepEqual(await statuses('/limited', 4), [503, 503, 503, 503]);
    assert.equal(calls.get('/limited'), 3, 'no token came back with the new worker');
    await statuses('/breaker', 2);
    assert.equal(calls.get('/fail'), 3, 'the circuit is still open');
  });
  it('answers 503 within about a second when the primary cannot answer, and recovers', async () => {
    // A kept-alive connection stays with its worker while the primary is stopped (it hands out only new ones).
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      assert.equal(await keptAlive(agent, `${base}/roomy`), 200);
      const primary = cli.child.pid as number;
      process.kill(primary, 'SIGSTOP');
      let stopped: { status: number; ms: number };
      try {
        const started = Date.now();
        const status = await keptAlive(agent, `${base}/roomy`);
        stopped = { status, ms: Date.now() - started };
      } finally {
        process.kill(primary, 'SIGCONT');
      }
      assert.equal(stopped.status, 503, 'the limit refuses when its state cannot be reached');
      assert.ok(stopped.ms >= 900 && stopped.ms < 3_000, `bounded by the 1 s timeout (${stopped.ms} ms)`);
      await waitFor('the worker logs the failure', () => cli.stdout().includes('PRT_ERR_STATE_UNAVAILABLE'), cli, 5_000);
      assert.equal(await keptAlive(agent, `${base}/roomy`), 200, 'answers again once the primary runs');
    } finally {
      agent.destroy();
    }
  });
});
