/**
 * `telemetry/metrics` through the whole gateway: a backend on 127.0.0.1, known traffic, then `/__stats`
 * on the metrics listener, compared with what KrakenD CE 2.13.8 reports for the same config and traffic.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { backendLayer, composeEndpoint, proxyLayer, wrapWith } from '../../src/pipeline/compose.js';
import type { BuildContext, EndpointHandler } from '../../src/pipeline/types.js';
import type { Proxy } from '../../src/proxy/types.js';
import { createLogger } from '../../src/core/logger.js';
import type { Agent } from '../../src/transport/agent.js';

/** These factories never call a backend. */
const NO_AGENT = {} as Agent;
import { freePort } from '../helpers/cli.js';
import { delay, request, waitFor } from '../helpers/http.js';
import { MemoryLog, sendJson, startBackend, startGateway, writeConfig } from '../helpers/servers.js';
import type { TestGateway } from '../helpers/servers.js';
import { components } from '../helpers/components.js';

type Stats = Record<string, number | string[]>;

async function stats(port: number): Promise<Stats> {
  const response = await request(`http://127.0.0.1:${port}/__stats`);
  assert.equal(response.status, 200);
  assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
  return JSON.parse(response.body) as Stats;
}

const backend = await startBackend((req, res) => {
  if (req.url?.startsWith('/fail')) {
    res.writeHead(500);
    res.end('x');
    return;
  }
  sendJson(res, 200, { path: req.url, a: 1 });
});
after(() => backend.close());

function config(metrics: Record<string, unknown> | undefined): Record<string, unknown> {
  return {
    version: 3,
    host: [backend.url],
    ...(metrics ? { extra_config: { 'telemetry/metrics': metrics } } : {}),
    endpoints: [
      { endpoint: '/a', backend: [{ url_pattern: '/one' }, { url_pattern: '/two' }] },
      { endpoint: '/b/{id}', backend: [{ url_pattern: '/fail/{id}' }] },
      { endpoint: '/c', backend: [{ url_pattern: '/three', group: 'g' }] },
    ],
  };
}

async function traffic(gateway: TestGateway): Promise<void> {
  for (let i = 0; i < 3; i++) assert.equal((await request(`${gateway.url}/a`)).status, 200);
  assert.equal((await request(`${gateway.url}/b/7`)).status, 500);
  assert.equal((await request(`${gateway.url}/c`)).status, 200);
  assert.equal((await request(`${gateway.url}/nope`)).status, 404);
}

describe('telemetry/metrics /__stats', () => {
  it('counts per endpoint and backend at the router, pipe and backend layers, with KrakenD names', async () => {
    const port = await freePort();
    const gateway = await startGateway(config({ listen_address: `127.0.0.1:${port}` }));
    try {
      await traffic(gateway);
      await delay(50); // the router layer records on the response's 'close'
      const body = await stats(port);
      // Router layer: responses by status, with size and time histograms (ns); the 404 reaches no endpoint.
      assert.equal(body['krakend.router.response./a.status.200.count'], 3);
      assert.equal(body['krakend.router.response./b/:id.status.500.count'], 1);
      assert.equal(body['krakend.router.response./c.status.200.count'], 1);
      assert.equal(body['krakend.router.response./a.status'], 0);
      assert.equal(body['krakend.router.response./a.time.count'], 3);
      assert.equal(body['krakend.router.response./a.size.count'], 3);
      assert.equal(body['krakend.router.response./a.size.max'], Buffer.byteLength('{"a":1,"path":"/two"}'));
      assert.equal(body['krakend.router.response./b/:id.size.max'], -1, 'an error without a body is size -1, as gin reports');
      assert.ok((body['krakend.router.response./a.time.min'] as number) > 0);
      assert.equal(body['krakend.router.connected'], 5);
      assert.equal(body['krakend.router.disconnected'], 5);
      assert.equal(body['krakend.router.connected-total'], 0, 'moved into the total at the collection tick only');
      // Proxy layer (`pipe`, per endpoint) and backend layer (per url_pattern as lura rewrites it).
      assert.equal(body['krakend.proxy.requests.layer.pipe.name./a.complete.true.error.false'], 3);
      assert.equal(body['krakend.proxy.requests.layer.pipe.name./b/:id.complete.false.error.true'], 1);
      assert.equal(body['krakend.proxy.requests.layer.pipe.name./b/:id.complete.true.error.false'], 0);
      assert.equal(body['krakend.proxy.latency.layer.pipe.name./a.complete.true.error.false.count'], 3);
      assert.equal(body['krakend.proxy.requests.layer.backend.name./one.complete.true.error.false'], 3);
      assert.equal(body['krakend.proxy.requests.layer.backend.name./two.complete.true.error.false'], 3);
      assert.equal(body['krakend.proxy.requests.layer.backend.name./three.complete.true.error.false'], 1);
      assert.equal(body['krakend.proxy.requests.layer.backend.name./fail/{{.Id}}.complete.false.error.true'], 1);
      assert.equal(body['krakend.proxy.latency.layer.backend.name./one.complete.true.error.false.count'], 3);
      for (const suffix of ['count', 'min', 'max', 'mean', 'std-dev', '50-percentile', '75-percentile', '95-percentile', '99-percentile', '999-percentile']) {
        assert.equal(typeof body[`krakend.proxy.latency.layer.backend.name./one.complete.true.error.false.${suffix}`], 'number', suffix);
      }
      // Same key set as KrakenD CE 2.13.8 for this config (Go runtime keys aside): 3 endpoints × 22 router
      // keys (two status counters, two histograms of 10), 2 router gauges + 4 counters, (3 pipes + 4 backends)
      // × 4 combinations × 11 keys, cmdline.
      assert.equal(Object.keys(body).length, 3 * 22 + 6 + 7 * 4 * 11 + 1);
    } finally {
      await gateway.close();
    }
  });

  it('answers like krakend-metrics\' gin engine: /__stats/ redirects, other paths 404, other methods 405', async () => {
    const port = await freePort();
    const gateway = await startGateway(config({ listen_address: `127.0.0.1:${port}` }));
    try {
      const slash = await request(`http://127.0.0.1:${port}/__stats/`);
      assert.equal(slash.status, 301);
      assert.equal(slash.headers.location, '/__stats');
      assert.equal((await request(`http://127.0.0.1:${port}/metrics`)).status, 404);
      assert.equal((await request(`http://127.0.0.1:${port}/__stats`, { method: 'POST' })).status, 405);
    } finally {
      await gateway.close();
    }
  });

  it('at each collection_time tick moves connections into the totals and clears histograms, keeping counters', async () => {
    const port = await freePort();
    const gateway = await startGateway(config({ listen_address: `127.0.0.1:${port}`, collection_time: '300ms' }));
    try {
      for (let i = 0; i < 2; i++) await request(`${gateway.url}/c`);
      await delay(700);
      const body = await stats(port);
      assert.equal(body['krakend.router.response./c.status.200.count'], 2);
      assert.equal(body['krakend.router.connected-total'], 2);
      assert.equal(body['krakend.router.connected'], 0);
      assert.equal(body['krakend.router.response./c.time.count'], 0);
      assert.equal(body['krakend.proxy.requests.layer.backend.name./three.complete.true.error.false'], 2);
    } finally {
      await gateway.close();
    }
  });

  for (const [flag, absent, present] of [
    ['router_disabled', 'krakend.router.response./a.status.200.count', 'krakend.proxy.requests.layer.pipe.name./a.complete.true.error.false'],
    ['proxy_disabled', 'krakend.proxy.requests.layer.pipe.name./a.complete.true.error.false', 'krakend.proxy.requests.layer.backend.name./one.complete.true.error.false'],
    ['backend_disabled', 'krakend.proxy.requests.layer.backend.name./one.complete.true.error.false', 'krakend.router.response./a.status.200.count'],
  ] as const) {
    it(`${flag} leaves that layer out and counts the others`, async () => {
      const port = await freePort();
      const gateway = await startGateway(config({ listen_address: `127.0.0.1:${port}`, [flag]: true }));
      try {
        await request(`${gateway.url}/a`);
        await delay(50);
        const body = await stats(port);
        assert.equal(body[absent], undefined);
        assert.equal(body[present], 1);
      } finally {
        await gateway.close();
      }
    });
  }

  it('endpoint_disabled: nothing listens', async () => {
    const port = await freePort();
    const gateway = await startGateway(config({ listen_address: `127.0.0.1:${port}`, endpoint_disabled: true }));
    try {
      await request(`${gateway.url}/a`);
      await assert.rejects(request(`http://127.0.0.1:${port}/__stats`, { timeoutMs: 1_000 }), /ECONNREFUSED/);
    } finally {
      await gateway.close();
    }
  });

  it('a stats port already in use is logged and the gateway serves on', async () => {
    const taken = await startBackend((_req, res) => res.end('someone else'));
    const gateway = await startGateway(config({ listen_address: `127.0.0.1:${taken.port}` }));
    try {
      assert.equal((await request(`${gateway.url}/c`)).status, 200);
      assert.ok(await waitFor(() => gateway.log.lines.some((line) => line.includes('[SERVICE: Stats]') && line.includes('EADDRINUSE'))));
    } finally {
      await gateway.close();
      await taken.close();
    }
  });

  it('warns that an address without host binds the loopback only, naming the key', async () => {
    const gateway = await startGateway(config({ listen_address: `:${await freePort()}` }));
    try {
      const warning = gateway.warnings.find((issue) => issue.code === 'PRT_WARN_CONFIG_METRICS');
      assert.ok(warning, 'a warning');
      assert.match(warning.keyPath, /telemetry\/metrics.*listen_address/);
    } finally {
      await gateway.close();
    }
  });
});

describe('telemetry/metrics off the request path', () => {
  async function contextFor(metrics: Record<string, unknown> | undefined): Promise<{ context: BuildContext; service: NonNullable<Awaited<ReturnType<typeof loadConfig>>['config']>; closers: (() => void | Promise<void>)[] }> {
    const result = await loadConfig(await writeConfig(config(metrics)), { components, env: {} });
    assert.ok(result.config);
    const closers: (() => void | Promise<void>)[] = [];
    const logger = createLogger({ level: 'ERROR', prefix: '[TEST]', stdout: true, format: 'default', accessLog: false, skipPaths: [] }, new MemoryLog());
    const instances = new Map<symbol, unknown>();
    const instance = <T>(key: symbol, create: () => T): T => {
      if (!instances.has(key)) instances.set(key, create());
      return instances.get(key) as T;
    };
    return { service: result.config, closers, context: { service: result.config, logger, agent: NO_AGENT, versionHeader: 'x', components, instance, onClose: (cleanup) => closers.push(cleanup) } };
  }

  it('without the namespace no layer is added anywhere; with it every layer is wrapped', async () => {
    const handler: EndpointHandler = () => undefined;
    const proxy: Proxy = () => Promise.reject(new Error('unused'));
    const off = await contextFor(undefined);
    const endpoint = off.service.endpoints[0]!;
    assert.equal(composeEndpoint(handler, endpoint, off.context), handler);
    assert.equal(wrapWith(proxy, proxyLayer(endpoint, off.context)), proxy);
    assert.equal(wrapWith(proxy, backendLayer(endpoint.backends[0]!, endpoint, off.context)), proxy);

    const on = await contextFor({ listen_address: `127.0.0.1:${await freePort()}` });
    const measured = on.service.endpoints[0]!;
    try {
      assert.notEqual(composeEndpoint(handler, measured, on.context), handler);
      assert.notEqual(wrapWith(proxy, proxyLayer(measured, on.context)), proxy);
      assert.notEqual(wrapWith(proxy, backendLayer(measured.backends[0]!, measured, on.context)), proxy);
    } finally {
      await Promise.all(on.closers.map(async (close) => close()));
    }
  });
});
