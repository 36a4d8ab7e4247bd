/**
 * `telemetry/opentelemetry` bad input: config errors name the key; an exporter port already in use
 * is logged and the gateway serves on.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { freePort, runCli } from '../helpers/cli.js';
import { request, waitFor } from '../helpers/http.js';
import { components } from '../helpers/components.js';
import { loadConfig } from '../../src/config/load.js';
import { sendJson, startBackend, startGateway, writeConfig } from '../helpers/servers.js';

describe('telemetry/opentelemetry configuration', () => {
  it('refuses out-of-range values and wrong types, naming the key', async () => {
    const file = await writeConfig({
      version: 3,
      extra_config: {
        'telemetry/opentelemetry': {
          trace_sample_rate: 2,
          exporters: { prometheus: [{ name: 'p', port: 70000, listen_ip: '127.0.0.1' }], otlp: [{ name: 'o', use_http: 'yes' }] },
        },
      },
      endpoints: [{ endpoint: '/a', backend: [{ host: ['http://127.0.0.1:1'], url_pattern: '/a' }] }],
    });
    const result = await runCli(['check', '-c', file], { timeoutMs: 30_000 });
    assert.equal(result.code, 1);
    const output = result.stdout + result.stderr;
    assert.match(output, /error PRT_ERR_CONFIG_VALUE at extra_config\["telemetry\/opentelemetry"\]\.trace_sample_rate: must be <= 1/);
    assert.match(output, /error PRT_ERR_CONFIG_VALUE at extra_config\["telemetry\/opentelemetry"\]\.exporters\.prometheus\[0\]\.port/);
    assert.match(output, /error PRT_ERR_CONFIG_TYPE at extra_config\["telemetry\/opentelemetry"\]\.exporters\.otlp\[0\]\.use_http/);
  });

  it('warns about duplicate exporter names and a loopback default, naming the key', async () => {
    const file = await writeConfig({
      version: 3,
      extra_config: { 'telemetry/opentelemetry': { exporters: { prometheus: [{ name: 'x', port: 9464 }], otlp: [{ name: 'x' }] } } },
      endpoints: [{ endpoint: '/a', backend: [{ host: ['http://127.0.0.1:1'], url_pattern: '/a' }] }],
    });
    const result = await runCli(['check', '-c', file], { timeoutMs: 30_000 });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const output = result.stdout + result.stderr;
    assert.match(output, /warning PRT_WARN_CONFIG_OTEL at extra_config\["telemetry\/opentelemetry"\]\.exporters\.otlp\[0\]\.name: exporter name "x" is already used/);
    assert.match(output, /warning PRT_WARN_CONFIG_OTEL at extra_config\["telemetry\/opentelemetry"\]\.exporters\.prometheus\[0\]\.listen_ip/);
  });

  it('serves requests when the exporter port is taken, and says which exporter could not listen', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const taken = (squatter.address() as AddressInfo).port;
    const backend = await startBackend((_req, res) => sendJson(res, 200, { ok: true }));
    const gateway = await startGateway({
      version: 3,
      host: [backend.url],
      extra_config: { 'telemetry/opentelemetry': { exporters: { prometheus: [{ name: 'busy', port: taken, listen_ip: '127.0.0.1' }] } } },
      endpoints: [{ endpoint: '/a', backend: [{ url_pattern: '/a' }] }],
    });
    try {
      assert.ok(await waitFor(() => gateway.log.lines.join("\n").includes(`exporter "busy" cannot listen on 127.0.0.1:${taken}`), 5_000), gateway.log.lines.join("\n"));
      assert.equal((await request(`${gateway.url}/a`)).status, 200);
    } finally {
      await gateway.close();
      await backend.close();
      squatter.close();
    }
  });
});

describe('telemetry/opentelemetry reload in one process', () => {
  it('keeps the Prometheus port: the rebuilt gateway answers /metrics', async () => {
    const backend = await startBackend((_req, res) => sendJson(res, 200, { ok: true }));
    const metricsPort = await freePort();
    const config = (endpoint: string) => ({
      version: 3,
      host: [backend.url],
      extra_config: { 'telemetry/opentelemetry': { exporters: { prometheus: [{ name: 'p', port: metricsPort, listen_ip: '127.0.0.1' }] } } },
      endpoints: [{ endpoint, backend: [{ url_pattern: '/a' }] }],
    });
    const gateway = await startGateway(config('/before'));
    try {
      assert.equal((await request(`${gateway.url}/before`)).status, 200);
      const next = await loadConfig(await writeConfig(config('/after')), { components, env: {} });
      assert.ok(next.config);
      gateway.gateway.replace(next.config, 0);
      assert.equal((await request(`${gateway.url}/after`)).status, 200);
      // The old gateway retires after its grace; the listener must stay with the new one.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const scrape = await request(`http://127.0.0.1:${metricsPort}/metrics`);
      assert.equal(scrape.status, 200);
      assert.match(scrape.body, /^http_server_duration_count\{[^}]*http_route="\/after"[^}]*\} 1$/m);
      assert.ok(!gateway.log.lines.some((line) => line.includes('cannot listen')), gateway.log.lines.join('\n'));
    } finally {
      await gateway.close();
      await backend.close();
    }
  });
});

describe('telemetry/opencensus', () => {
  it('warns it is deprecated and serves its Prometheus exporter with krakend-otel names', async () => {
    const backend = await startBackend((_req, res) => sendJson(res, 200, { ok: true }));
    const metricsPort = await freePort();
    const gateway = await startGateway({
      version: 3,
      host: [backend.url],
      extra_config: { 'telemetry/opencensus': { exporters: { prometheus: { port: metricsPort, listen_ip: '127.0.0.1' } } } },
      endpoints: [{ endpoint: '/a', backend: [{ url_pattern: '/a' }] }],
    });
    try {
      assert.ok(gateway.warnings.some((issue) => issue.code === 'PRT_WARN_CONFIG_OPENCENSUS' && /deprecated/.test(issue.message)));
      assert.equal((await request(`${gateway.url}/a`)).status, 200);
      assert.equal((await request(`${gateway.url}/a`)).status, 200);
      const scrape = await request(`http://127.0.0.1:${metricsPort}/metrics`);
      assert.match(scrape.body, /^http_server_duration_count\{[^}]*http_route="\/a"[^}]*\} 2$/m);
      assert.match(scrape.body, /^krakend_backend_duration_count\{[^}]*http_route="\/a"[^}]*\} 2$/m);
    } finally {
      await gateway.close();
      await backend.close();
    }
  });
});
