/**
 * `portico run -w 2` with `telemetry/metrics`: the primary serves `/__stats` as the sum of both workers'
 * snapshots. node:cluster hands connections out round-robin (Linux default), so fresh connections land
 * on both workers and a single worker's numbers would be about half of the traffic.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { freePort, startCli } from '../helpers/cli.js';
import { delay, request, waitUntilServing } from '../helpers/http.js';
import { sendJson, startBackend, writeConfig } from '../helpers/servers.js';

const backend = await startBackend((req, res) => sendJson(res, 200, { path: req.url }));
after(() => backend.close());


describe('telemetry/metrics with run -w 2', () => {
  it('sums the workers\' counters and histogram counts', async () => {
    const [port, statsPort] = [await freePort(), await freePort()];
    const file = await writeConfig({
      version: 3,
      port,
      host: [backend.url],
      extra_config: { 'telemetry/metrics': { listen_address: `127.0.0.1:${statsPort}` } },
      endpoints: [{ endpoint: '/items/{id}', backend: [{ url_pattern: '/item/{id}' }] }],
    });
    const cli = startCli(['run', '-c', file, '-w', '2']);
    try {
      await waitUntilServing(`http://127.0.0.1:${port}/__health`);
      // Both workers listen once each has answered a health check through its own connection.
      await delay(500);
      const requests = 20;
      const answers = await Promise.all(Array.from({ length: requests }, (_, i) => request(`http://127.0.0.1:${port}/items/${i}`)));
      assert.ok(answers.every((answer) => answer.status === 200));
      await delay(100);
      const response = await request(`http://127.0.0.1:${statsPort}/__stats`);
      assert.equal(response.status, 200);
      const body = JSON.parse(response.body) as Record<string, number>;
      assert.equal(body['krakend.router.response./items/:id.status.200.count'], requests);
      assert.equal(body['krakend.router.response./items/:id.time.count'], requests);
      assert.equal(body['krakend.proxy.requests.layer.pipe.name./items/:id.complete.true.error.false'], requests);
      assert.equal(body['krakend.proxy.requests.layer.backend.name./item/{{.Id}}.complete.true.error.false'], requests);
      assert.equal(body['krakend.proxy.latency.layer.backend.name./item/{{.Id}}.complete.true.error.false.count'], requests);
    } finally {
      cli.kill();
      await cli.exited();
    }
  });
});
