/**
 * `telemetry/opentelemetry` metrics pushed to an OTLP/HTTP collector: protobuf on `/v1/metrics`, as
 * krakend-otel sends with `use_http`, every `metric_reporting_period`, with krakend-otel's names and the
 * counts of the traffic that was sent.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { request, waitFor } from '../helpers/http.js';
import { decodeMetricsExport } from '../helpers/otlp-proto.js';
import type { OtlpMetric } from '../helpers/otlp-proto.js';
import { readAllBytes, sendJson, startBackend, startGateway } from '../helpers/servers.js';

const backend = await startBackend((req, res) => sendJson(res, 200, { path: req.url }));
after(() => backend.close());

describe('telemetry/opentelemetry metrics over OTLP/HTTP', () => {
  it('pushes krakend-otel metrics as protobuf, counting the requests sent', async () => {
    const exports: OtlpMetric[][] = [];
    const contentTypes: string[] = [];
    const collector = createServer((req, res) => {
      readAllBytes(req).then((body) => {
        if (req.url === '/v1/metrics') {
          contentTypes.push(String(req.headers['content-type']));
          exports.push(decodeMetricsExport(body));
        }
        res.writeHead(200, { 'Content-Type': 'application/x-protobuf' });
        res.end();
      }, () => res.destroy());
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const port = (collector.address() as AddressInfo).port;
    const gateway = await startGateway({
      version: 3,
      extra_config: {
        'telemetry/opentelemetry': {
          service_name: 'otlp-metrics-test',
          metric_reporting_period: 1,
          exporters: { otlp: [{ name: 'collector', host: '127.0.0.1', port, use_http: true, disable_traces: true }] },
        },
      },
      endpoints: [{ endpoint: '/items/{id}', backend: [{ host: [backend.url], url_pattern: '/items/{id}' }] }],
    });
    try {
      for (let i = 0; i < 3; i++) assert.equal((await request(`${gateway.url}/items/${i}`)).status, 200);
      const served = (metrics: OtlpMetric[] | undefined) => metrics?.find((metric) => metric.name === 'http.server.duration')?.points.find((point) => point.attributes.some((a) => a.key === 'http.route' && Object.values(a.value)[0] === '/items/:id'));
      assert.ok(await waitFor(() => served(exports.at(-1))?.count === 3, 10_000), `no export counted 3 requests: ${JSON.stringify(exports.at(-1)?.map((m) => m.name))}`);
      assert.ok(contentTypes.every((type) => type === 'application/x-protobuf'), contentTypes.join());
      const last = exports.at(-1) ?? [];
      assert.equal(last.find((metric) => metric.name === 'http.server.duration')?.kind, 'histogram');
      assert.equal(last.find((metric) => metric.name === 'http.server.duration')?.scope, 'io.krakend.krakend-otel');
      const started = last.find((metric) => metric.name === 'http.client.request.started.count');
      assert.equal(started?.kind, 'sum');
      assert.equal(started?.points.reduce((sum, point) => sum + (point.value ?? 0), 0), 3);
      assert.equal(last.find((metric) => metric.name === 'krakend.backend.duration')?.points[0]?.count, 3);
    } finally {
      await gateway.close();
      collector.closeAllConnections();
      collector.close();
    }
  });
});
