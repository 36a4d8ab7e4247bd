/**
 * `qos/circuit-breaker` through the whole gateway against a failing backend on loopback: it opens after
 * more than `max_errors` consecutive errors, stops calling the backend, lets one probe through after
 * `timeout` seconds and closes again when the probe succeeds.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { delay, request } from '../helpers/http.js';
import { sendJson, startBackend, startGateway } from '../helpers/servers.js';
import { freePort } from '../helpers/cli.js';

describe('qos/circuit-breaker', () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const close of closers) await close();
  });

  it('opens on consecutive failures, fails fast while open, and closes after a good probe', async () => {
    let healthy = false;
    let hits = 0;
    const backend = await startBackend((_request, response) => {
      hits++;
      if (healthy) sendJson(response, 200, { ok: true });
      else sendJson(response, 500, { broken: true });
    });
    closers.push(() => backend.close());
    const gw = await startGateway({
      version: 3,
      endpoints: [
        {
          endpoint: '/fragile',
          backend: [{ host: [backend.url], url_pattern: '/', extra_config: { 'qos/circuit-breaker': { interval: 60, timeout: 1, max_errors: 2, name: 'fragile', log_status_change: true } } }],
        },
      ],
    });
    closers.push(() => gw.close());
    const url = `${gw.url}/fragile`;

    for (let i = 0; i < 3; i++) assert.equal((await request(url)).status, 500);
    assert.equal(hits, 3, 'the third consecutive error (more than max_errors = 2) opens the circuit');
    assert.ok(gw.log.lines.some((line) => line.includes("Circuit breaker named 'fragile' went from 'closed' to 'open'")));

    healthy = true;
    for (let i = 0; i < 3; i++) assert.equal((await request(url)).status, 500);
    assert.equal(hits, 3, 'an open circuit does not call the backend, even a healthy one');
    assert.ok(gw.log.lines.some((line) => line.includes("circuit breaker 'fragile' is open")));

    await delay(1100); // timeout: 1 s
    const probe = await request(url);
    assert.equal(probe.status, 200);
    assert.equal(hits, 4);
    assert.ok(gw.log.lines.some((line) => line.includes("went from 'open' to 'half-open'")));
    assert.ok(gw.log.lines.some((line) => line.includes("went from 'half-open' to 'closed'")));
    for (let i = 0; i < 3; i++) assert.equal((await request(url)).status, 200);
    assert.equal(hits, 7);
  });

  it('a failed probe opens the circuit again', async () => {
    let hits = 0;
    const backend = await startBackend((_request, response) => {
      hits++;
      sendJson(response, 503, {});
    });
    closers.push(() => backend.close());
    const gw = await startGateway({
      version: 3,
      endpoints: [{ endpoint: '/down', backend: [{ host: [backend.url], url_pattern: '/', extra_config: { 'qos/circuit-breaker': { interval: 0, timeout: 1, max_errors: 0 } } }] }],
    });
    closers.push(() => gw.close());
    await request(`${gw.url}/down`);
    await request(`${gw.url}/down`);
    assert.equal(hits, 1);
    await delay(1100);
    await request(`${gw.url}/down`);
    assert.equal(hits, 2, 'the probe went through');
    await request(`${gw.url}/down`);
    assert.equal(hits, 2, 'and failed: open again');
  });

  it('counts transport errors, and returned error details, as failures', async () => {
    const closedPort = await freePort();
    const detailed = await startBackend((_request, response) => sendJson(response, 404, { missing: true }));
    closers.push(() => detailed.close());
    const breaker = { 'qos/circuit-breaker': { interval: 60, timeout: 60, max_errors: 1, log_status_change: true } };
    const gw = await startGateway({
      version: 3,
      endpoints: [
        { endpoint: '/refused', backend: [{ host: [`http://127.0.0.1:${closedPort}`], url_pattern: '/', extra_config: breaker }] },
        { endpoint: '/details', backend: [{ host: [detailed.url], url_pattern: '/a', extra_config: { ...breaker, 'backend/http': { return_error_details: 'a' } } }] },
      ],
    });
    closers.push(() => gw.close());
    for (let i = 0; i < 3; i++) await request(`${gw.url}/refused`);
    assert.ok(gw.log.lines.some((line) => line.includes('[BACKEND: /][CB]') && line.includes("to 'open'")));
    assert.ok(gw.log.lines.some((line) => line.includes("circuit breaker '/' is open")), 'the third call was not attempted');
    for (let i = 0; i < 2; i++) assert.equal((await request(`${gw.url}/details`)).status, 200);
    assert.ok(gw.log.lines.some((line) => line.includes('[BACKEND: /a][CB]') && line.includes("to 'open'")));
  });

  it('wraps the backend rate limit: a rejection by the limiter counts as a failure', async () => {
    let hits = 0;
    const backend = await startBackend((_request, response) => {
      hits++;
      sendJson(response, 200, { ok: true });
    });
    closers.push(() => backend.close());
    const gw = await startGateway({
      version: 3,
      endpoints: [
        {
          endpoint: '/throttled',
          backend: [
            {
              host: [backend.url],
              url_pattern: '/',
              extra_config: { 'qos/ratelimit/proxy': { max_rate: 1, capacity: 1, every: '1h' }, 'qos/circuit-breaker': { interval: 60, timeout: 60, max_errors: 0, log_status_change: true } },
            },
          ],
        },
      ],
    });
    closers.push(() => gw.close());
    assert.equal((await request(`${gw.url}/throttled`)).status, 200);
    assert.equal((await request(`${gw.url}/throttled`)).status, 500);
    assert.ok(gw.log.lines.some((line) => line.includes("went from 'closed' to 'open'")), 'the limiter rejection tripped the breaker');
    assert.equal(hits, 1);
  });

  it('requires interval, timeout and max_errors, as KrakenD does', async () => {
    await assert.rejects(
      startGateway({ version: 3, endpoints: [{ endpoint: '/x', backend: [{ host: ['http://127.0.0.1:1'], url_pattern: '/', extra_config: { 'qos/circuit-breaker': { interval: 60 } } }] }] }),
      /timeout|max_errors/,
    );
  });
});
