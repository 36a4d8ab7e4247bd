/** The stall helper itself: it must see a blocked event loop, or the tests that use it prove nothing. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from '../helpers/http.js';
import { startBackend } from '../helpers/servers.js';
import type { RunningServer } from '../helpers/servers.js';
import { assertNoStall, describeStall, sideBySide } from '../helpers/stall.js';

describe('stall helper', () => {
  let server: RunningServer;
  before(async () => {
    server = await startBackend((incoming, response) => {
      // A handler that spins for 200 ms of CPU time on /spin, as a backtracking regex or a Lua loop would.
      if (incoming.url === '/spin') {
        const cpu = () => process.cpuUsage().user / 1000;
        const until = cpu() + 200;
        while (cpu() < until);
      }
      response.end('ok');
    });
  });
  after(() => server.close());

  it('reports a handler that holds the event loop', async () => {
    // Generous timeouts: on a loaded machine 200 ms of CPU may take seconds of wall time.
    const report = await sideBySide(() => request(`${server.url}/spin`, { timeoutMs: 30_000 }), () => request(`${server.url}/control`, { timeoutMs: 30_000 }), { controlAfterMs: 20 });
    assert.ok(report.maxLagMs >= 150, describeStall(report));
    assert.ok(report.maxLagCpuMs >= 150, describeStall(report));
    assert.throws(() => assertNoStall(report), /stalled|waited/);
  });

  it('reports little lag when nothing blocks', async () => {
    const report = await sideBySide(() => request(`${server.url}/quiet`), () => request(`${server.url}/control`));
    assertNoStall(report);
  });
});
