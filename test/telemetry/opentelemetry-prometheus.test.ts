/**
 * A real Prometheus server scraping `portico run -w 2` with a `telemetry/opentelemetry` Prometheus
 * exporter: the primary serves `/metrics` as the sum over both workers, under krakend-otel's metric
 * names, so known traffic shows up as exact request counts and histogram counts per endpoint and
 * backend. A worker killed afterwards takes none of its counts with it.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { childPids, freePort, startCli } from '../helpers/cli.js';
import { delay, request, waitUntilServing } from '../helpers/http.js';
import { hasPrometheus, PROMETHEUS_MISSING, startPrometheus } from '../helpers/prometheus.js';
import { sendJson, startBackend, writeConfig } from '../helpers/servers.js';

const backend = await startBackend((req, res) => sendJson(res, 200, { path: req.url }));
after(() => backend.close());


/** Polls an instant query until it returns `expected` (Prometheus scrapes every second). */
async function eventually(query: (q: string) => Promise<number>, promql: string, expected: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = Number.NaN;
  while (Date.now() < deadline) {
    last = await query(promql);
    if (last === expected) return;
    await delay(300);
  }
  assert.equal(last, expected, promql);
}

describe('telemetry/opentelemetry Prometheus exporter with run -w 2', { skip: hasPrometheus() ? false : PROMETHEUS_MISSING }, () => {
  it('one scrape sees every worker: counts per endpoint and backend, kept when a worker dies', async () => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const file = await writeConfig({
      version: 3,
      port,
      host: [backend.url],
      extra_config: {
        'telemetry/opentelemetry': {
          service_name: 'portico-prom-test',
          exporters: { prometheus: [{ name: 'local', port: metricsPort, listen_ip: '127.0.0.1', process_metrics: true }] },
        },
      },
      endpoints: [
        { endpoint: '/profile/{id}', backend: [{ url_pattern: '/users/{id}' }, { url_pattern: '/orders' }] },
        { endpoint: '/status', backend: [{ url_pattern: '/health' }] },
      ],
    });
    const cli = startCli(['run', '-c', file, '-w', '2']);
    const prometheus = await startPrometheus([`127.0.0.1:${metricsPort}`]);
    try {
      await waitUntilServing(`http://127.0.0.1:${port}/__health`, 30_000);
      await delay(500);
      const profiles = 30;
      const statuses = 12;
      // Fresh connections: node:cluster deals them out round-robin, so both workers serve some.
      const answers = await Promise.all([
        ...Array.from({ length: profiles }, (_, i) => request(`http://127.0.0.1:${port}/profile/${i}`)),
        ...Array.from({ length: statuses }, () => request(`http://127.0.0.1:${port}/status`)),
      ]);
      assert.ok(answers.every((answer) => answer.status === 200));

      const q = (promql: string) => prometheus.value(promql);
      await eventually(q, 'sum(http_server_duration_count{http_route="/profile/:id",http_response_status_code="200",http_request_method="GET"})', profiles);
      await eventually(q, 'sum(http_server_duration_count{http_route="/status"})', statuses);
      await eventually(q, 'sum(http_server_response_size_count{http_route="/profile/:id"})', profiles);
      await eventually(q, 'sum(krakend_proxy_duration_count{http_route="/profile/:id",error="false",complete="true"})', profiles);
      await eventually(q, 'sum(krakend_backend_duration_count{http_route="/users/:id",krakend_endpoint_route="/profile/:id"})', profiles);
      await eventually(q, 'sum(krakend_backend_duration_count{http_route="/orders"})', profiles);
      await eventually(q, 'sum(krakend_backend_duration_count{http_route="/health",krakend_endpoint_route="/status"})', statuses);
      await eventually(q, 'sum(http_client_request_started_count_total{http_route="/users/:id",http_response_status_code="200"})', profiles);
      await eventually(q, 'sum(http_client_duration_count{http_route="/health"})', statuses);
      // The histogram's +Inf bucket holds every observation.
      await eventually(q, 'sum(http_server_duration_bucket{http_route="/profile/:id",le="+Inf"})', profiles);
      const workersCpu = await q('count(process_cpu_seconds_total)');
      assert.equal(workersCpu, 1, 'the primary sums the workers into one series');

      // Both workers served: each has a share of the work (node:cluster round-robin).
      const workers = childPids(cli.child.pid as number);
      assert.equal(workers.length, 2);
      process.kill(workers[0] as number, 'SIGKILL');
      // The primary replaces the worker; the counts it had stay in every later scrape.
      await delay(3_000);
      assert.equal(await q('sum(http_server_duration_count{http_route="/profile/:id"})'), profiles);
      assert.equal(await q('sum(krakend_backend_duration_count{http_route="/orders"})'), profiles);
      assert.equal(await q('sum(resets(http_server_duration_count{http_route="/profile/:id"}[1m]))'), 0, 'no counter went backwards');
    } finally {
      await prometheus.stop();
      cli.kill();
      await cli.exited();
    }
  });
});
