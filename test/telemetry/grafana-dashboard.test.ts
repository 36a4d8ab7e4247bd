/**
 * deploy/grafana/portico-opentelemetry.json reads only series a real scrape has: every metric its
 * queries name appears on a Prometheus exporter's /metrics after ordinary traffic (one backend down).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/cli.js';
import { request } from '../helpers/http.js';
import { sendJson, startBackend, startGateway } from '../helpers/servers.js';

const DASHBOARD = fileURLToPath(new URL('../../../deploy/grafana/portico-opentelemetry.json', import.meta.url));
/** Series that only exist once such an event happened (a time-out, a client gone, a full span queue). */
const EVENT_ONLY = new Set(['http_client_request_timedout_count_total', 'http_client_request_canceled_count_total', 'portico_otel_spans_dropped_total']);

describe('Grafana dashboard', () => {
  it('queries only metrics the Prometheus exporter serves', async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { targets: { expr: string }[] }[] };
    const names = new Set<string>();
    for (const panel of dashboard.panels) for (const target of panel.targets) for (const match of target.expr.matchAll(/([a-z_]+)\{/g)) names.add(match[1] as string);
    assert.ok(names.size > 10);

    const backend = await startBackend((_req, res) => sendJson(res, 200, { ok: true }));
    const metricsPort = await freePort();
    const downPort = await freePort();
    const gateway = await startGateway({
      version: 3,
      host: [backend.url],
      extra_config: { 'telemetry/opentelemetry': { exporters: { prometheus: [{ name: 'p', port: metricsPort, listen_ip: '127.0.0.1', process_metrics: true, go_metrics: true }] } } },
      endpoints: [{ endpoint: '/a', backend: [{ url_pattern: '/a' }, { host: [`http://127.0.0.1:${downPort}`], url_pattern: '/down' }] }],
    });
    try {
      assert.equal((await request(`${gateway.url}/a`)).status, 200);
      const scrape = (await request(`http://127.0.0.1:${metricsPort}/metrics`)).body;
      const served = new Set([...scrape.matchAll(/^([a-z_]+)[{ ]/gm)].map((match) => match[1] as string));
      const missing = [...names].filter((name) => !served.has(name) && !EVENT_ONLY.has(name));
      assert.deepEqual(missing, []);
    } finally {
      await gateway.close();
      await backend.close();
    }
  });
});
