/**
 * `security/http` host checks must judge the host the gateway then acts on:
 * - `allowed_hosts_are_regex` patterns match the whole host, as unrolled/secure anchors them (`^…$`);
 * - an absolute-form target (`GET http://h/x`) names the host (RFC 9112 §3.2.2, Go's `r.Host`), so it is
 *   the one checked, not the `Host` header the gateway then replaces;
 * - over HTTP/2 `:authority` is the host (RFC 9113 §8.3.1), whatever a `host` header says; pseudo-headers
 *   are never forwarded to HTTP/1.1 backends, even with `input_headers: ["*"]`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect as http2Connect } from 'node:http2';
import type { OutgoingHttpHeaders } from 'node:http2';
import { after, before, describe, it } from 'node:test';
import { rawExchange, rawStatus } from '../helpers/http.js';
import { startGateway } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';
import { CertificateAuthority, hasOpenssl } from '../security/certs.js';
import { send, startEchoBackend } from '../security/helpers.js';

let backend: RunningServer;
before(async () => {
  backend = await startEchoBackend();
});
after(async () => {
  await backend.close();
});

const route = (extra: Record<string, unknown> = {}) => ({ endpoint: '/x', backend: [{ host: [backend.url], url_pattern: '/echo' }], ...extra });

/** One raw HTTP/1.1 request; the status and the echoed backend view (when the request got through). */
async function rawGet(port: number, target: string, host: string): Promise<{ status: number; text: string }> {
  const { text } = await rawExchange(port, [`GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`], { untilResponse: true });
  return { status: rawStatus(text), text };
}

describe('allowed_hosts_are_regex matches the whole host', () => {
  let gateway: TestGateway;
  before(async () => {
    gateway = await startGateway({ version: 3, endpoints: [route()], extra_config: { 'security/http': { allowed_hosts: ['api\\.example\\.com', '[a-z]+\\.example\\.org'], allowed_hosts_are_regex: true } } });
  });
  after(() => gateway.close());

  it('accepts the hosts the patterns describe', async () => {
    assert.equal((await send(`${gateway.url}/x`, { headers: { Host: 'api.example.com' } })).status, 200);
    assert.equal((await send(`${gateway.url}/x`, { headers: { Host: 'docs.example.org' } })).status, 200);
  });

  it('refuses hosts that merely contain a match', async () => {
    for (const host of ['api.example.com.evil.net', 'evilapi.example.com', 'x.docs.example.org.evil.net', 'a-b.example.org']) {
      const answer = await send(`${gateway.url}/x`, { headers: { Host: host } });
      assert.equal(answer.status, 500, host);
      assert.equal(answer.body, 'Bad Host\n', host);
    }
  });
});

describe('absolute-form request targets', () => {
  let gateway: TestGateway;
  let redirecting: TestGateway;
  before(async () => {
    gateway = await startGateway({ version: 3, endpoints: [route()], extra_config: { 'security/http': { allowed_hosts: ['good.example'] } } });
    redirecting = await startGateway({ version: 3, endpoints: [route()], extra_config: { 'security/http': { ssl_redirect: true } } });
  });
  after(async () => {
    await Promise.all([gateway.close(), redirecting.close()]);
  });

  it('checks the host of the target, not the Host header it replaces', async () => {
    const smuggled = await rawGet(gateway.port, 'http://evil.example/x', 'good.example');
    assert.equal(smuggled.status, 500, smuggled.text);
    assert.doesNotMatch(smuggled.text, /evil\.example/);
  });

  it('accepts a target naming an allowed host, as Go does', async () => {
    const answer = await rawGet(gateway.port, 'http://good.example/x', 'other.example');
    assert.equal(answer.status, 200, answer.text);
    assert.match(answer.text, /"x-forwarded-host":"good\.example"/);
  });

  it('redirects to HTTPS with the target host and path', async () => {
    const answer = await rawGet(redirecting.port, 'http://good.example/x?a=1', 'other.example');
    assert.equal(answer.status, 301, answer.text);
    assert.match(answer.text, /\r\nLocation: https:\/\/good\.example\/x\?a=1\r\n/);
  });
});

describe('HTTP/2 :authority', { skip: hasOpenssl() ? false : 'the openssl command is not available' }, () => {
  let ca: CertificateAuthority;
  let gateway: TestGateway;

  before(async () => {
    ca = new CertificateAuthority('h2-host');
    const pem = ca.issue('localhost', ['localhost', '127.0.0.1'], 'server');
    gateway = await startGateway({
      version: 3,
      tls: { public_key: pem.cert, private_key: pem.key },
      endpoints: [route({ input_headers: ['*'] })],
      extra_config: { 'security/http': { allowed_hosts: ['good.example'] } },
    });
  });
  after(() => gateway.close());

  function h2Get(headers: OutgoingHttpHeaders): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const session = http2Connect(`https://localhost:${gateway.port}`, { ca: readFileSync(ca.cert), host: '127.0.0.1' } as never);
      session.once('error', reject);
      const stream = session.request({ ':path': '/x', ...headers });
      let status = 0;
      let body = '';
      stream.on('response', (answer) => {
        status = Number(answer[':status']);
      });
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => (body += chunk));
      stream.once('end', () => {
        session.close();
        resolve({ status, body });
      });
      stream.once('error', reject);
    });
  }

  it('checks :authority even when a host header names an allowed host', async () => {
    const answer = await h2Get({ ':authority': 'evil.example', host: 'good.example' });
    assert.equal(answer.status, 500, answer.body);
    assert.equal(answer.body, 'Bad Host\n');
  });

  it('forwards every header but no pseudo-header with input_headers ["*"]', async () => {
    const answer = await h2Get({ ':authority': 'good.example', 'x-trace': 'abc' });
    assert.equal(answer.status, 200, answer.body);
    const seen = (JSON.parse(answer.body) as { headers: Record<string, string> }).headers;
    assert.equal(seen['x-trace'], 'abc');
    assert.equal(seen['x-forwarded-host'], 'good.example');
    assert.deepEqual(Object.keys(seen).filter((name) => name.startsWith(':')), []);
  });
});
