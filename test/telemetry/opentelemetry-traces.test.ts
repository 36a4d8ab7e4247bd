/**
 * `telemetry/opentelemetry` traces, end to end: an OTLP/HTTP (protobuf, as krakend-otel sends) receiver
 * started here gets the spans of a
 * merged request (router SERVER span → proxy span → one stage span per backend → one CLIENT span per
 * backend exchange, one trace id), the client's `traceparent` is honoured, and each backend receives
 * the `traceparent` of its CLIENT span. A collector that hangs or is absent never slows a request.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { freePort } from '../helpers/cli.js';
import { request, waitFor } from '../helpers/http.js';
import { decodeTraceExport } from '../helpers/otlp-proto.js';
import type { OtlpSpan, OtlpTraceExport } from '../helpers/otlp-proto.js';
import { readAllBytes, sendJson, startBackend, startGateway } from '../helpers/servers.js';

interface Receiver {
  url: string;
  port: number;
  spans: OtlpSpan[];
  exports: OtlpTraceExport[];
  contentTypes: string[];
  close(): Promise<void>;
}


/** An OTLP/HTTP (protobuf) trace receiver on loopback; an undecodable export fails the test run. */
async function startReceiver(answer?: (request: IncomingMessage, response: ServerResponse) => boolean): Promise<Receiver> {
  const spans: OtlpSpan[] = [];
  const exports: OtlpTraceExport[] = [];
  const contentTypes: string[] = [];
  const server: Server = createServer((req, res) => {
    if (answer?.(req, res) === true) return;
    readAllBytes(req).then((body) => {
      if (req.method === 'POST' && req.url === '/v1/traces') {
        contentTypes.push(String(req.headers['content-type']));
        const decoded = decodeTraceExport(body);
        exports.push(decoded);
        for (const resource of decoded.resources) for (const scope of resource.scopes) spans.push(...scope.spans);
      }
      // An empty ExportTraceServiceResponse: full success.
      res.writeHead(200, { 'Content-Type': 'application/x-protobuf', 'Content-Length': '0' });
      res.end();
    }, () => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    spans,
    exports,
    contentTypes,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function attribute(span: OtlpSpan, key: string): unknown {
  const value = span.attributes.find((candidate) => candidate.key === key)?.value;
  return value === undefined ? undefined : Object.values(value)[0];
}

const seenTraceparents: string[] = [];
const backend = await startBackend((req, res) => {
  seenTraceparents.push(String(req.headers.traceparent));
  sendJson(res, 200, req.url?.startsWith('/users') ? { user: 'ada' } : { orders: 2 });
});
after(() => backend.close());

function otelConfig(collectorPort: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: 3,
    host: [backend.url],
    extra_config: {
      'telemetry/opentelemetry': {
        service_name: 'portico-test',
        exporters: { otlp: [{ name: 'receiver', host: '127.0.0.1', port: collectorPort, use_http: true, disable_metrics: true }] },
        ...extra,
      },
    },
    endpoints: [{ endpoint: '/profile/{id}', backend: [{ url_pattern: '/users/{id}' }, { url_pattern: '/orders' }] }],
  };
}

describe('telemetry/opentelemetry traces', () => {
  it('sends one trace per merged request, linked router → proxy → backend → client, and propagates traceparent', async () => {
    const receiver = await startReceiver();
    const gateway = await startGateway(otelConfig(receiver.port));
    try {
      seenTraceparents.length = 0;
      const clientTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
      const clientSpan = '00f067aa0ba902b7';
      const answer = await request(`${gateway.url}/profile/7`, { headers: { traceparent: `00-${clientTrace}-${clientSpan}-01` } });
      assert.equal(answer.status, 200);
      assert.ok(await waitFor(() => receiver.spans.length >= 6, 10_000), `expected 6 spans, got ${receiver.spans.length}`);
      const spans = receiver.spans;
      assert.equal(spans.length, 6);
      assert.ok(receiver.contentTypes.every((type) => type === 'application/x-protobuf'), receiver.contentTypes.join());
      const resource = receiver.exports[0]?.resources[0];
      assert.deepEqual(resource?.attributes.find((attribute) => attribute.key === 'service.name')?.value, { stringValue: 'portico-test' });
      assert.equal(resource?.scopes[0]?.name, 'io.krakend.krakend-otel');
      assert.deepEqual(new Set(spans.map((span) => span.traceId)), new Set([clientTrace]), 'one trace, the client\'s');

      const byStage = (stage: string) => spans.filter((span) => attribute(span, 'krakend.stage') === stage);
      const [router] = byStage('global');
      const [proxy] = byStage('proxy');
      const stages = byStage('backend');
      const clients = byStage('backend-request');
      assert.ok(router && proxy);
      assert.equal(stages.length, 2);
      assert.equal(clients.length, 2);
      assert.equal(router.kind, 2, 'router span is SERVER');
      assert.equal(router.name, '/profile/7');
      assert.equal(router.parentSpanId, clientSpan, 'the router span continues the client\'s trace');
      assert.equal(attribute(router, 'http.route'), '/profile/:id');
      assert.equal(proxy.name, '/profile/:id');
      assert.equal(proxy.parentSpanId, router.spanId);
      assert.deepEqual(stages.map((span) => span.name).sort(), ['/orders', '/users/:id']);
      for (const stage of stages) assert.equal(stage.parentSpanId, proxy.spanId);
      assert.equal(proxy.kind, 1, 'stage spans are INTERNAL');
      for (const span of spans) {
        assert.ok(span.endTimeUnixNano >= span.startTimeUnixNano && span.startTimeUnixNano > BigInt(Date.now() - 60_000) * 1_000_000n, `${span.name}: start/end times`);
        assert.equal(span.flags & 0xff, 1, 'sampled');
      }
      assert.ok(router.startTimeUnixNano <= proxy.startTimeUnixNano && router.endTimeUnixNano >= proxy.endTimeUnixNano, 'the router span encloses the proxy span');
      assert.deepEqual(router.status, { code: 1 }, 'router span OK');
      for (const client of clients) {
        assert.equal(client.kind, 3, 'backend call span is CLIENT');
        assert.deepEqual(client.status, { code: 1 });
        const parent = stages.find((stage) => stage.spanId === client.parentSpanId);
        assert.ok(parent, 'each CLIENT span hangs under its backend span');
        assert.equal(client.name, parent.name);
        assert.equal(attribute(client, 'http.response.status_code'), 200);
      }
      // Each backend got the traceparent of its own CLIENT span.
      assert.deepEqual(seenTraceparents.sort(), clients.map((client) => `00-${clientTrace}-${client.spanId}-01`).sort());
    } finally {
      await gateway.close();
      await receiver.close();
    }
  });

  for (const metrics of [false, true]) {
    it(`sampling by ratio${metrics ? ', with metrics on' : ''}: a client's unsampled trace records no span and still reaches the backends, not sampled`, async () => {
      const receiver = await startReceiver();
      const metricsPort = metrics ? await freePort() : undefined;
      const exporters = {
        otlp: [{ name: 'receiver', host: '127.0.0.1', port: receiver.port, use_http: true, disable_metrics: true }],
        ...(metricsPort !== undefined ? { prometheus: [{ name: 'p', port: metricsPort, listen_ip: '127.0.0.1' }] } : {}),
      };
      const gateway = await startGateway(otelConfig(receiver.port, { trace_sample_rate: 0.5, exporters }));
      try {
        seenTraceparents.length = 0;
        const unsampled = 'aaf92f3577b34da6a3ce929d0e0e4736';
        const sampled = 'bbf92f3577b34da6a3ce929d0e0e4736';
        const clientSpan = '00f067aa0ba902b7';
        assert.equal((await request(`${gateway.url}/profile/7`, { headers: { traceparent: `00-${unsampled}-${clientSpan}-00` } })).status, 200);
        const dropped = seenTraceparents.splice(0);
        assert.equal(dropped.length, 2);
        for (const header of dropped) {
          const [version, trace, span, flags] = header.split('-');
          assert.deepEqual([version, trace, flags], ['00', unsampled, '00'], `${header}: the client's trace, not sampled`);
          assert.match(span ?? '', /^[0-9a-f]{16}$/);
          assert.notEqual(span, clientSpan, 'the gateway is a hop of its own');
        }
        // The parent-based sampler follows the client's flag both ways: the sampled trace is exported whole.
        assert.equal((await request(`${gateway.url}/profile/8`, { headers: { traceparent: `00-${sampled}-${clientSpan}-01` } })).status, 200);
        assert.ok(await waitFor(() => receiver.spans.length >= 6, 10_000), `expected 6 spans, got ${receiver.spans.length}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
        assert.deepEqual(new Set(receiver.spans.map((span) => span.traceId)), new Set([sampled]), 'no span of the unsampled trace');
        assert.equal(receiver.spans.length, 6);
        const clients = receiver.spans.filter((span) => attribute(span, 'krakend.stage') === 'backend-request');
        assert.deepEqual(seenTraceparents.sort(), clients.map((client) => `00-${sampled}-${client.spanId}-01`).sort());
        if (metricsPort !== undefined) {
          // Metrics count both requests, sampled or not.
          const scrape = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
          const count = /^krakend_proxy_duration(?:_seconds)?_count\{[^}]*\} (\d+)/m.exec(scrape);
          assert.equal(count?.[1], '2', scrape.split('\n').filter((line) => line.startsWith('krakend_proxy')).join('\n'));
        }
      } finally {
        await gateway.close();
        await receiver.close();
      }
    });
  }

  it('starts a new trace without a client traceparent, and adds nothing for skipped paths', async () => {
    const receiver = await startReceiver();
    const gateway = await startGateway(otelConfig(receiver.port, { skip_paths: ['/profile/{id}'] }));
    try {
      seenTraceparents.length = 0;
      assert.equal((await request(`${gateway.url}/profile/1`)).status, 200);
      assert.equal((await request(`${gateway.url}/__health`)).status, 200);
      // The router span of /profile/1 is still recorded (skip_paths names endpoints, the router sees paths).
      assert.ok(await waitFor(() => receiver.spans.length >= 2, 10_000));
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      const names = receiver.spans.map((span) => span.name).sort();
      assert.deepEqual(names, ['/__health', '/profile/1']);
      const router = receiver.spans.find((span) => span.name === '/profile/1');
      assert.equal(router?.parentSpanId ?? '', '', 'no client traceparent: the router span is a root');
      assert.deepEqual(seenTraceparents, ['undefined', 'undefined'], 'a skipped endpoint propagates nothing');
    } finally {
      await gateway.close();
      await receiver.close();
    }
  });

  it('applies endpoint and backend overrides of the layers', async () => {
    const receiver = await startReceiver();
    const config = otelConfig(receiver.port);
    config['endpoints'] = [
      {
        endpoint: '/profile/{id}',
        extra_config: { 'telemetry/opentelemetry': { layers: { proxy: { disable_traces: true } } } },
        backend: [
          { url_pattern: '/users/{id}', extra_config: { 'telemetry/opentelemetry': { layers: { backend: { traces: { disable_stage: true, round_trip: true } } } } } },
          { url_pattern: '/orders' },
        ],
      },
    ];
    const gateway = await startGateway(config);
    try {
      assert.equal((await request(`${gateway.url}/profile/3`)).status, 200);
      assert.ok(await waitFor(() => receiver.spans.length >= 4, 10_000), `got ${receiver.spans.length} spans`);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const stageOf = (span: OtlpSpan) => `${String(attribute(span, 'krakend.stage'))} ${span.name}`;
      assert.deepEqual(receiver.spans.map(stageOf).sort(), ['backend /orders', 'backend-request /orders', 'backend-request /users/:id', 'global /profile/3']);
      const router = receiver.spans.find((span) => attribute(span, 'krakend.stage') === 'global');
      const usersCall = receiver.spans.find((span) => stageOf(span) === 'backend-request /users/:id');
      assert.equal(usersCall?.parentSpanId, router?.spanId, 'without proxy and backend spans, the call hangs under the router span');
    } finally {
      await gateway.close();
      await receiver.close();
    }
  });

  it('answers as fast with a hanging or absent collector', async () => {
    const hanging = await startReceiver(() => true);
    const absentPort = await freePort();
    const gateway = await startGateway({
      ...otelConfig(hanging.port),
      extra_config: {
        'telemetry/opentelemetry': {
          exporters: {
            otlp: [
              { name: 'hanging', host: '127.0.0.1', port: hanging.port, use_http: true },
              { name: 'absent', host: '127.0.0.1', port: absentPort, use_http: true },
            ],
          },
        },
      },
    });
    try {
      // Over several export batches: none of them may hold a request up.
      const started = performance.now();
      for (let round = 0; round < 4; round++) {
        const answers = await Promise.all(Array.from({ length: 25 }, (_, i) => request(`${gateway.url}/profile/${i}`, { timeoutMs: 5_000 })));
        assert.ok(answers.every((answer) => answer.status === 200));
        await new Promise((resolve) => setTimeout(resolve, 700));
      }
      const elapsed = performance.now() - started;
      // 100 requests to a local backend plus 2.8 s of pauses; an exporter blocking a request would take 5 s per batch.
      assert.ok(elapsed < 15_000, `requests took ${Math.round(elapsed)} ms`);
    } finally {
      await gateway.close();
      await hanging.close();
    }
  });
});
