/**
 * node:diagnostics_channel events (`portico:request:*`, `portico:backend:*`): a subscriber in the test
 * sees each client request and each backend exchange start and end, in order, with their outcome; with
 * no subscriber nothing is published.
 */
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { after, describe, it } from 'node:test';
import { delay, request } from '../helpers/http.js';
import { sendJson, startBackend, startGateway } from '../helpers/servers.js';

const NAMES = ['portico:request:start', 'portico:request:end', 'portico:backend:start', 'portico:backend:end', 'portico:backend:error'] as const;

const backend = await startBackend((req, res) => (req.url === '/teapot' ? sendJson(res, 418, {}) : sendJson(res, 200, { ok: true })));
after(() => backend.close());

const gateway = await startGateway({
  version: 3,
  endpoints: [
    { endpoint: '/two', backend: [{ host: [backend.url], url_pattern: '/a', group: 'a' }, { host: [backend.url], url_pattern: '/teapot', group: 'b' }] },
    { endpoint: '/down', backend: [{ host: ['http://127.0.0.1:1'], url_pattern: '/' }] },
  ],
});
after(() => gateway.close());

/** Subscribes to every channel for the duration of `run`; returns what was published, in order. */
async function recording(run: () => Promise<void>): Promise<{ name: string; message: Record<string, unknown> }[]> {
  const events: { name: string; message: Record<string, unknown> }[] = [];
  const handlers = NAMES.map((name) => [name, (message: unknown) => events.push({ name, message: message as Record<string, unknown> })] as const);
  for (const [name, handler] of handlers) subscribe(name, handler);
  try {
    await run();
    // request:end follows the response's close, a moment after the client has the body.
    const deadline = Date.now() + 2_000;
    while (!events.some((event) => event.name === 'portico:request:end') && Date.now() < deadline) await delay(5);
  } finally {
    for (const [name, handler] of handlers) unsubscribe(name, handler);
  }
  return events;
}

describe('diagnostics channels', () => {
  it('publishes request start/end around each backend exchange start/end', async () => {
    const events = await recording(async () => {
      assert.equal((await request(`${gateway.url}/two`)).status, 200);
    });
    const names = events.map((event) => event.name);
    assert.equal(names[0], 'portico:request:start');
    assert.equal(names.at(-1), 'portico:request:end');
    assert.equal(names.filter((name) => name === 'portico:backend:start').length, 2);
    assert.equal(names.filter((name) => name === 'portico:backend:end').length, 2);
    const start = events[0]?.message as { request: { url: string; method: string } };
    assert.equal(start.request.url, '/two');
    assert.equal(start.request.method, 'GET');
    const end = events.at(-1)?.message as { statusCode: number; durationMs: number; finished: boolean; request: unknown };
    assert.equal(end.request, start.request);
    assert.equal(end.statusCode, 200);
    assert.equal(end.finished, true);
    assert.ok(end.durationMs >= 0 && end.durationMs < 10_000);
    const backendEnds = events.filter((event) => event.name === 'portico:backend:end').map((event) => event.message as { origin: string; request: { method: string; target: string }; statusCode: number });
    assert.deepEqual(backendEnds.map((message) => `${message.request.method} ${message.origin}${message.request.target} ${message.statusCode}`).sort(), [`GET ${backend.url}/a 200`, `GET ${backend.url}/teapot 418`]);
  });

  it('publishes backend:error when the exchange fails', async () => {
    const events = await recording(async () => {
      await request(`${gateway.url}/down`);
    });
    const failure = events.find((event) => event.name === 'portico:backend:error')?.message as { origin: string; error: Error } | undefined;
    assert.equal(failure?.origin, 'http://127.0.0.1:1');
    assert.ok(failure?.error instanceof Error);
    assert.ok(!events.some((event) => event.name === 'portico:backend:end'));
  });

  it('publishes nothing to a channel after its subscriber leaves', async () => {
    const seen: unknown[] = [];
    const handler = (message: unknown): void => void seen.push(message);
    subscribe('portico:request:start', handler);
    await request(`${gateway.url}/two`);
    unsubscribe('portico:request:start', handler);
    await request(`${gateway.url}/two`);
    assert.equal(seen.length, 1);
  });
});
