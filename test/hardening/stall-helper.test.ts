/** The stall helper itself: it must see a blocked event loop, or the tests that use it prove nothing. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from '../helpers/http.js';
import { startBackend } from '../helpers/servers.js';
import type { RunningServer } from '../helpers/servers.js';
import { describeStall, sideBySide } from '../helpers/stall.js';

describe('stall helper', () => {
  let server: RunningServer;
  before(async () => {
    server = await startBackend((incoming, response) => {
      // A handler that spins for 300 ms on /spin, as a backtracking regex or a Lua loop would.
      if (incoming.url === '/spin') {
        const until = performance.now() + 300;
        while (performance.now() < until);
      }
      response.end('ok');
    });
  });
  after(() => server.close());

  it('reports a handler that holds the event loop', async () => {
    const report = await sideBySide(() => request(`${server.url}/spin`), () => request(`${server.url}/control`), { controlAfterMs: 20 });
    assert.ok(report.maxLagMs >= 250, describeStall(report));
    assert.ok(report.controlMs >= 200, describeStall(report));
  });

  it('reports little lag when nothing blocks', async () => {
    const report = await sideBySide(() => request(`${server.url}/quiet`), () => request(`${server.url}/control`));
    assert.ok(report.controlMs < 100, describeStall(report));
    assert.ok(report.maxLagMs < 100, describeStall(report));
  });
});
