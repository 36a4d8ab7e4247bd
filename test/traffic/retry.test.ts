/** `backend/http/retry` through the whole gateway: retried statuses, idempotency, the endpoint timeout as bound. */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { request } from '../helpers/http.js';
import { sendJson, startBackend, startGateway } from '../helpers/servers.js';

describe('backend/http/retry', () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const close of closers) await close();
  });

  it('retries 503s of an idempotent backend until it answers', async () => {
    let hits = 0;
    const backend = await startBackend((_request, response) => {
      hits++;
      if (hits <= 2) sendJson(response, 503, { busy: true });
      else sendJson(response, 200, { attempt: hits });
    });
    closers.push(() => backend.close());
    const gw = await startGateway({
      version: 3,
      endpoints: [{ endpoint: '/flaky', backend: [{ host: [backend.url], url_pattern: '/', extra_config: { 'backend/http/retry': { max_retries: 3, initial_backoff: '10ms', max_backoff: '20ms' } } }] }],
    });
    closers.push(() => gw.close());
    const response = await request(`${gw.url}/flaky`);
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.body), { attempt: 3 });
    assert.equal(hits, 3);
  });

  it('retries a refused connection', async () => {
    let hits = 0;
    const backend = await startBackend((_request, response) => {
      hits++;
      if (hits === 1) response.socket?.destroy();
      else sendJson(response, 200, { ok: true });
    });
    closers.push(() => backend.close());
    const gw = await startGateway({
      version: 3,
      endpoints: [{ endpoint: '/reset', backend: [{ host: [backend.url], url_pattern: '/', extra_config: { 'backend/http/retry': { initial_backoff: '5ms', max_backoff: '5ms' } } }] }],
    });
    closers.push(() => gw.close());
    assert.equal((await request(`${gw.url}/reset`)).status, 200);
    assert.equal(hits, 2);
  });

  it('stops at the endpoint timeout however many retries are allowed', async () => {
    let hits = 0;
    const backend = await startBackend((_request, response) => {
      hits++;
      sendJson(response, 503, {});
    });
    closers.push(() => backend.close());
    const gw = await startGateway({
      version: 3,
      endpoints: [
        {
          endpoint: '/down',
          timeout: '300ms',
          backend: [{ host: [backend.url], url_pattern: '/', extra_config: { 'backend/http/retry': { max_retries: 10, initial_backoff: '200ms', max_backoff: '200ms' } } }],
        },
      ],
    });
    closers.push(() => gw.close());
    const response = await request(`${gw.url}/down`);
    assert.equal(response.status, 500);
    // Full jitter: each wait is uniform in [0, 200 ms), so all 11 attempts fit in 300 ms about once in 15,000
    // runs (with 100 ms waits it was a few in a hundred, and the test failed by chance).
    assert.ok(hits >= 1 && hits < 11, `the timeout cut the retries short (${hits} attempts)`);
    const settled = hits;
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(hits, settled, 'no retry runs after the endpoint answered');
    assert.ok(gw.log.lines.some((line) => line.includes('timed out after 300 ms')));
  });

  it('refuses a retry block on a non-idempotent backend', async () => {
    await assert.rejects(
      startGateway({ version: 3, endpoints: [{ endpoint: '/orders', method: 'POST', backend: [{ host: ['http://127.0.0.1:1'], url_pattern: '/', extra_config: { 'backend/http/retry': {} } }] }] }),
      /a POST backend is not idempotent/,
    );
  });
});
