/** HTTPS listener (HTTP/1.1 and HTTP/2), SNI, mutual TLS, and TLS to backends, with certificates made here. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { request as httpsRequest, createServer as createHttpsServer } from 'node:https';
import type { Server as HttpsServer } from 'node:https';
import { connect as http2Connect } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { SecureVersion } from 'node:tls';
import { loadConfig } from '../../src/config/load.js';
import { startGateway, writeConfig } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';
import { CertificateAuthority, hasOpenssl } from './certs.js';
import type { Pem } from './certs.js';
import { startEchoBackend } from './helpers.js';
import { components } from '../helpers/components.js';

const skip = hasOpenssl() ? false : 'the openssl command is not available';

interface TlsAnswer {
  status: number;
  body: string;
  alpn: string | false;
}

function httpsGet(port: number, path: string, options: { ca: string; cert?: Pem; servername?: string; maxVersion?: SecureVersion }): Promise<TlsAnswer> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        agent: false,
        ca: readFileSync(options.ca),
        servername: options.servername ?? 'localhost',
        ...(options.cert ? { cert: readFileSync(options.cert.cert), key: readFileSync(options.cert.key) } : {}),
        ...(options.maxVersion ? { maxVersion: options.maxVersion } : {}),
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.once('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString(), alpn: (response.socket as unknown as { alpnProtocol: string | false }).alpnProtocol }));
      },
    );
    request.once('error', reject);
    request.end();
  });
}

function h2Get(port: number, path: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const session = http2Connect(`https://localhost:${port}`, { ca: readFileSync(ca), host: '127.0.0.1' } as never);
    session.once('error', reject);
    const stream = session.request({ ':path': path });
    let status = 0;
    let body = '';
    stream.on('response', (headers) => {
      status = Number(headers[':status']);
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

/** The peer certificate a client sees when it asks for `servername`. */
function certificateFor(port: number, servername: string, ca: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername, ca: ca.map((path) => readFileSync(path)) }, () => {
      const subject = socket.getPeerCertificate().subject.CN;
      socket.end();
      resolve(Array.isArray(subject) ? subject.join() : String(subject));
    });
    socket.once('error', reject);
  });
}

describe('TLS listener', { skip }, () => {
  let ca: CertificateAuthority;
  let clients: CertificateAuthority;
  let strangers: CertificateAuthority;
  let backend: RunningServer;
  let gateway: TestGateway;
  let mtls: TestGateway;

  before(async () => {
    ca = new CertificateAuthority('server');
    clients = new CertificateAuthority('clients');
    strangers = new CertificateAuthority('strangers');
    const main = ca.issue('localhost', ['localhost', '127.0.0.1'], 'server');
    const other = ca.issue('other.test', ['other.test'], 'server');
    backend = await startEchoBackend();
    const endpoints = [{ endpoint: '/hello', backend: [{ host: [backend.url], url_pattern: '/hello' }] }];
    gateway = await startGateway({ version: 3, endpoints, tls: { public_key: main.cert, private_key: main.key, keys: [{ public_key: other.cert, private_key: other.key }], min_version: 'TLS12' } });
    mtls = await startGateway({ version: 3, endpoints, tls: { public_key: main.cert, private_key: main.key, enable_mtls: true, ca_certs: [clients.cert] } });
  });

  after(async () => {
    await Promise.all([gateway?.close(), mtls?.close(), backend?.close()]);
  });

  test('HTTPS with HTTP/1.1 and HTTP/2 on the same port', async () => {
    const http1 = await httpsGet(gateway.port, '/hello', { ca: ca.cert });
    assert.equal(http1.status, 200);
    assert.match(http1.body, /"path":"\/hello"/);
    const h2 = await h2Get(gateway.port, '/hello', ca.cert);
    assert.equal(h2.status, 200);
    assert.match(h2.body, /"path":"\/hello"/);
    // X-Forwarded-Host comes from HTTP/2's :authority.
    assert.match(h2.body, /"x-forwarded-host":"localhost:\d+"/);
  });

  test('several certificates are chosen by SNI', async () => {
    assert.equal(await certificateFor(gateway.port, 'other.test', [ca.cert]), 'other.test');
    assert.equal(await certificateFor(gateway.port, 'localhost', [ca.cert]), 'localhost');
  });

  test('TLS 1.3 is the default minimum, as in KrakenD; min_version lowers it', async () => {
    assert.equal((await httpsGet(gateway.port, '/hello', { ca: ca.cert, maxVersion: 'TLSv1.2' })).status, 200);
    await assert.rejects(httpsGet(mtls.port, '/hello', { ca: ca.cert, maxVersion: 'TLSv1.2', cert: clients.issue('c', [], 'client') }));
  });

  test('mutual TLS: only certificates from ca_certs get in', async () => {
    const trusted = clients.issue('client-a', [], 'client');
    assert.equal((await httpsGet(mtls.port, '/hello', { ca: ca.cert, cert: trusted })).status, 200);
    await assert.rejects(httpsGet(mtls.port, '/hello', { ca: ca.cert }));
    await assert.rejects(httpsGet(mtls.port, '/hello', { ca: ca.cert, cert: strangers.issue('mallory', [], 'client') }));
  });

  test('mTLS without ca_certs, and unreadable files, are config errors', async () => {
    const file = await writeConfig({ version: 3, endpoints: [], tls: { public_key: '/nonexistent.crt', private_key: '/nonexistent.key', enable_mtls: true } });
    const result = await loadConfig(file, { components, env: {} });
    assert.equal(result.config, undefined);
    const paths = result.issues.filter((issue) => issue.code === 'PRT_ERR_CONFIG_TLS').map((issue) => issue.keyPath);
    assert.deepEqual(paths.sort(), ['tls.ca_certs', 'tls.private_key', 'tls.public_key']);
  });
});

describe('TLS to backends (client_tls)', { skip }, () => {
  let ca: CertificateAuthority;
  let clients: CertificateAuthority;
  let plainTls: HttpsServer;
  let mutual: HttpsServer;

  const listen = async (server: HttpsServer): Promise<string> => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  const answer = (name: string) => (_request: unknown, response: import('node:http').ServerResponse) => {
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify({ backend: name }));
  };

  before(() => {
    ca = new CertificateAuthority('backends');
    clients = new CertificateAuthority('gateways');
  });

  after(() => {
    plainTls?.closeAllConnections();
    plainTls?.close();
    mutual?.closeAllConnections();
    mutual?.close();
  });

  test('ca_certs trusts a private CA; without it the call fails; allow_insecure_connections skips checks', async () => {
    const pem = ca.issue('backend', ['127.0.0.1'], 'server');
    plainTls = createHttpsServer({ cert: readFileSync(pem.cert), key: readFileSync(pem.key) }, answer('tls'));
    const url = await listen(plainTls);
    const endpoints = [{ endpoint: '/b', backend: [{ host: [url], url_pattern: '/' }] }];
    const trusting = await startGateway({ version: 3, endpoints, client_tls: { ca_certs: [ca.cert] } });
    const untrusting = await startGateway({ version: 3, endpoints });
    const insecure = await startGateway({ version: 3, endpoints, client_tls: { allow_insecure_connections: true } });
    try {
      const ok = await fetch(`${trusting.url}/b`);
      assert.equal(ok.status, 200);
      assert.deepEqual(await ok.json(), { backend: 'tls' });
      assert.equal((await fetch(`${untrusting.url}/b`)).status, 500);
      assert.equal((await fetch(`${insecure.url}/b`)).status, 200);
      assert.ok(insecure.warnings.some((issue) => issue.code === 'PRT_WARN_CONFIG_INSECURE_TLS'));
    } finally {
      await Promise.all([trusting.close(), untrusting.close(), insecure.close()]);
    }
  });

  test('client_certs authenticate the gateway to a backend that requires them', async () => {
    const pem = ca.issue('backend-mtls', ['127.0.0.1'], 'server');
    mutual = createHttpsServer({ cert: readFileSync(pem.cert), key: readFileSync(pem.key), ca: readFileSync(clients.cert), requestCert: true, rejectUnauthorized: true }, answer('mtls'));
    const url = await listen(mutual);
    const endpoints = [{ endpoint: '/m', backend: [{ host: [url], url_pattern: '/' }] }];
    const client = clients.issue('gateway', [], 'client');
    const withCert = await startGateway({ version: 3, endpoints, client_tls: { ca_certs: [ca.cert], client_certs: [{ certificate: client.cert, private_key: client.key }] } });
    const withoutCert = await startGateway({ version: 3, endpoints, client_tls: { ca_certs: [ca.cert] } });
    try {
      const ok = await fetch(`${withCert.url}/m`);
      assert.equal(ok.status, 200);
      assert.deepEqual(await ok.json(), { backend: 'mtls' });
      assert.equal((await fetch(`${withoutCert.url}/m`)).status, 500);
    } finally {
      await Promise.all([withCert.close(), withoutCert.close()]);
    }
  });
});

describe('TLS listener limits (HTTP/1.1 over TLS)', { skip }, () => {
  let ca: CertificateAuthority;
  let backend: RunningServer;
  let gateway: TestGateway;

  before(async () => {
    ca = new CertificateAuthority('limits');
    const cert = ca.issue('localhost', ['localhost', '127.0.0.1'], 'server');
    backend = await startEchoBackend();
    gateway = await startGateway({
      version: 3,
      read_header_timeout: '1s',
      max_header_bytes: 4096,
      endpoints: [{ endpoint: '/hello', backend: [{ host: [backend.url], url_pattern: '/hello' }] }],
      tls: { public_key: cert.cert, private_key: cert.key, min_version: 'TLS12' },
    });
  });

  after(async () => {
    await Promise.all([gateway?.close(), backend?.close()]);
  });

  /** Opens an HTTP/1.1-over-TLS connection and hands back the socket and everything it receives. */
  function openTls(): Promise<{ socket: ReturnType<typeof tlsConnect>; received: () => string; closed: Promise<number> }> {
    return new Promise((resolve, reject) => {
      const started = Date.now();
      let text = '';
      const socket = tlsConnect({ host: '127.0.0.1', port: gateway.port, servername: 'localhost', ca: readFileSync(ca.cert), ALPNProtocols: ['http/1.1'] }, () =>
        resolve({ socket, received: () => text, closed: once(socket, 'close').then(() => Date.now() - started) }),
      );
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (text += chunk));
      socket.once('error', () => undefined);
      socket.once('connect', () => undefined);
      setTimeout(() => reject(new Error('no TLS connection')), 5_000).unref();
    });
  }

  test('a client sending its headers slowly is cut within about read_header_timeout + 1 s', async () => {
    const { socket, closed } = await openTls();
    socket.write('GET /hello HTTP/1.1\r\nHost: localhost\r\n');
    // One more header line every 700 ms: never idle long, but never finishing the head either.
    const drip = setInterval(() => socket.write('X-Drip: 1\r\n'), 700);
    try {
      const elapsedMs = await closed;
      assert.ok(elapsedMs < 3_000, `closed after ${elapsedMs} ms`);
    } finally {
      clearInterval(drip);
      socket.destroy();
    }
  });

  test('headers above max_header_bytes get 431', async () => {
    const { socket, received, closed } = await openTls();
    socket.write(`GET /hello HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'x'.repeat(8192)}\r\n\r\n`);
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2_000))]);
    socket.destroy();
    assert.match(received(), /^HTTP\/1\.1 431/);
  });
});
