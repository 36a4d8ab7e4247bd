/**
 * `telemetry/opentelemetry` OTLP/HTTP export to a collector over TLS (an `https://` host, as in
 * krakend-otel): the spans arrive when the collector's certificate chains to a CA the process trusts
 * (here through NODE_EXTRA_CA_CERTS), and a collector whose certificate does not is refused: its
 * batches fail with a certificate error in the log, and requests are served all the same.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { cleanEnv, freePort, startCli } from '../helpers/cli.js';
import { request, waitFor, waitUntilServing } from '../helpers/http.js';
import { decodeTraceExport } from '../helpers/otlp-proto.js';
import type { OtlpSpan } from '../helpers/otlp-proto.js';
import { readAllBytes, sendJson, startBackend, writeConfig } from '../helpers/servers.js';
import { CertificateAuthority, hasOpenssl } from '../security/certs.js';

const skip = hasOpenssl() ? false : 'the openssl command is not available';

async function startTlsReceiver(ca: CertificateAuthority, spans: OtlpSpan[]): Promise<{ server: Server; port: number }> {
  const pem = ca.issue('collector', ['127.0.0.1'], 'server');
  const server = createServer({ cert: readFileSync(pem.cert), key: readFileSync(pem.key) }, (req, res) => {
    readAllBytes(req).then((body) => {
      for (const resource of decodeTraceExport(body).resources) for (const scope of resource.scopes) spans.push(...scope.spans);
      res.writeHead(200, { 'Content-Type': 'application/x-protobuf', 'Content-Length': '0' });
      res.end();
    }, () => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

describe('telemetry/opentelemetry export to a TLS collector', { skip }, () => {
  const servers: Server[] = [];
  after(() => servers.forEach((server) => server.close()));

  it('delivers spans to a collector whose certificate is trusted, and refuses one whose certificate is not', async () => {
    const trusted = new CertificateAuthority('otlp-trusted');
    const stranger = new CertificateAuthority('otlp-stranger');
    const trustedSpans: OtlpSpan[] = [];
    const strangerSpans: OtlpSpan[] = [];
    const good = await startTlsReceiver(trusted, trustedSpans);
    const bad = await startTlsReceiver(stranger, strangerSpans);
    servers.push(good.server, bad.server);
    const backend = await startBackend((_req, res) => sendJson(res, 200, { ok: true }));
    after(() => backend.close());
    const port = await freePort();
    const file = await writeConfig({
      version: 3,
      port,
      host: [backend.url],
      extra_config: {
        'telemetry/opentelemetry': {
          service_name: 'tls-test',
          exporters: {
            otlp: [
              { name: 'trusted', host: 'https://127.0.0.1', port: good.port, use_http: true, disable_metrics: true },
              { name: 'stranger', host: 'https://127.0.0.1', port: bad.port, use_http: true, disable_metrics: true },
            ],
          },
        },
      },
      endpoints: [{ endpoint: '/ping', backend: [{ url_pattern: '/ping' }] }],
    });
    const cli = startCli(['run', '-c', file, '-w', '1'], cleanEnv({ NODE_EXTRA_CA_CERTS: trusted.cert }));
    try {
      await waitUntilServing(`http://127.0.0.1:${port}/__health`);
      const answer = await request(`http://127.0.0.1:${port}/ping`);
      assert.equal(answer.status, 200);
      // Batches leave every 2 s.
      assert.ok(await waitFor(() => trustedSpans.length >= 4, 10_000), `expected 4 spans, got ${trustedSpans.length}`);
      assert.ok(trustedSpans.some((span) => span.name === '/ping' && span.kind === 2), 'the router span arrived');
      assert.ok(await waitFor(() => /could not export \d+ span\(s\): .*certificate/i.test(cli.stdout() + cli.stderr()), 10_000), `no certificate error logged:\n${cli.stdout()}${cli.stderr()}`);
      assert.equal(strangerSpans.length, 0);
      assert.equal((await request(`http://127.0.0.1:${port}/ping`)).status, 200);
    } finally {
      cli.kill();
      await cli.exited();
    }
  });
});
