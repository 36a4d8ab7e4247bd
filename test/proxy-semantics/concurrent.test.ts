import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readAll, sendJson, startBackend, startGateway } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';

async function waitFor(check: () => boolean, what: string, limitMs = 2000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > limitMs) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('concurrent_calls', () => {
  let backend: RunningServer;
  let gateway: TestGateway;
  /** What the n-th call of the current test does. */
  let script: ((request: IncomingMessage, response: ServerResponse, body: string) => void)[] = [];
  let arrivals = 0;
  let closedUnanswered = 0;
  const bodies: string[] = [];

  before(async () => {
    backend = await startBackend(async (request, response) => {
      const body = await readAll(request);
      bodies.push(body);
      const step = script[arrivals++] ?? ((_req, res) => sendJson(res, 200, { n: 'default' }));
      response.once('close', () => {
        if (!response.writableFinished) closedUnanswered++;
      });
      step(request, response, body);
    });
    gateway = await startGateway({
      version: 3,
      endpoints: [
        { endpoint: '/items', concurrent_calls: 3, timeout: '2s', backend: [{ host: [backend.url], url_pattern: '/items' }] },
        { endpoint: '/slow', concurrent_calls: 3, timeout: '400ms', backend: [{ host: [backend.url], url_pattern: '/slow' }] },
        { endpoint: '/items', method: 'POST', concurrent_calls: 2, backend: [{ host: [backend.url], url_pattern: '/items', method: 'POST' }] },
      ],
    });
  });

  beforeEach(() => {
    arrivals = 0;
    closedUnanswered = 0;
    bodies.length = 0;
  });

  after(async () => {
    await gateway?.close();
    await backend?.close();
  });

  const hang = (): void => undefined;
  const answer = (value: string) => (_request: IncomingMessage, response: ServerResponse) => sendJson(response, 200, { winner: value });
  const fail = (_request: IncomingMessage, response: ServerResponse): void => sendJson(response, 500, { error: 'boom' });

  it('sends the same request N times; the first success wins and the others are aborted', async () => {
    script = [hang, hang, answer('third')];
    const response = await fetch(`${gateway.url}/items`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-krakend-completed'), 'true');
    assert.deepEqual(await response.json(), { winner: 'third' });
    assert.equal(arrivals, 3);
    await waitFor(() => closedUnanswered === 2, 'the two losing calls to be aborted');
  });

  it('answers with a success even when the other calls failed first', async () => {
    script = [fail, fail, (_request, response) => setTimeout(() => sendJson(response, 200, { winner: 'late' }), 30)];
    const response = await fetch(`${gateway.url}/items`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { winner: 'late' });
  });

  it('fails when every call fails', async () => {
    script = [fail, fail, fail];
    const response = await fetch(`${gateway.url}/items`);
    assert.equal(response.status, 500);
    assert.equal(arrivals, 3);
  });

  it('gives up at 75 % of the endpoint timeout and aborts every call', async () => {
    script = [hang, hang, hang];
    const response = await fetch(`${gateway.url}/slow`);
    assert.equal(response.status, 500);
    await waitFor(() => closedUnanswered === 3, 'every call to be aborted');
  });

  it('gives each call the whole request body', async () => {
    script = [answer('a'), (_request, response) => setTimeout(() => sendJson(response, 200, { winner: 'b' }), 20)];
    const response = await fetch(`${gateway.url}/items`, { method: 'POST', body: '{"sku":"x-1"}', headers: { 'Content-Type': 'application/json' } });
    assert.equal(response.status, 200);
    await waitFor(() => bodies.length === 2, 'both calls');
    assert.deepEqual(bodies, ['{"sku":"x-1"}', '{"sku":"x-1"}']);
  });
});
