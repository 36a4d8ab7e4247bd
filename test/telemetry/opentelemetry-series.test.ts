/**
 * `telemetry/opentelemetry` metric series: an endpoint and a backend answering alternately with two
 * statuses count each request in the series of its own status (the layers reuse the series of the
 * previous request only when its status, method and origin repeat).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { freePort } from '../helpers/cli.js';
import { request } from '../helpers/http.js';
import { sendJson, startBackend, startGateway } from '../helpers/servers.js';

describe('telemetry/opentelemetry metric series', () => {
  it('count alternating statuses of one endpoint and one backend apart', async () => {
    const backend = await startBackend((req, res) => sendJson(res, req.url?.endsWith('/bad') ? 503 : 200, { path: req.url }));
    const metricsPort = await freePort();
    const gateway = await startGateway({
      version: 3,
      host: [backend.url],
      extra_config: { 'telemetry/opentelemetry': { service_name: 'series', exporters: { prometheus: [{ name: 'local', port: metricsPort, listen_ip: '127.0.0.1' }] } } },
      endpoints: [{ endpoint: '/item/{state}', output_encoding: 'no-op', backend: [{ url_pattern: '/item/{state}', encoding: 'no-op' }] }],
    });
    try {
      const states = ['good', 'bad', 'good', 'bad', 'good', 'good', 'bad'];
      for (const state of states) assert.equal((await request(`${gateway.url}/item/${state}`)).status, state === 'bad' ? 503 : 200);
      const scrape = (await request(`http://127.0.0.1:${metricsPort}/metrics`)).body;
      const count = (metric: string, status: number): number => {
        const line = scrape.split('\n').find((candidate) => candidate.startsWith(`${metric}{`) && candidate.includes(`http_response_status_code="${status}"`));
        return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
      };
      assert.equal(count('http_server_duration_count', 200), 4, scrape);
      assert.equal(count('http_server_duration_count', 503), 3, scrape);
      assert.equal(count('http_client_duration_count', 200), 4, scrape);
      assert.equal(count('http_client_duration_count', 503), 3, scrape);
    } finally {
      await gateway.close();
      await backend.close();
    }
  });
});
