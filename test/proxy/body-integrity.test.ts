/**
 * Backend bodies reach the client whole and unchanged when they span many socket reads, over TCP and TLS:
 * the client reads backends into one shared buffer (transport/http1-client.ts), so any chunk kept past
 * its read (a slow client's queue, a decoder, a body being collected) must be a copy of it.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, get } from 'node:http';
import type { IncomingMessage, RequestListener, Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { delay } from '../helpers/http.js';
import { startGateway } from '../helpers/servers.js';
import type { TestGateway } from '../helpers/servers.js';
import { CertificateAuthority, hasOpenssl } from '../security/certs.js';

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** Reads slowly: a long stop after the first chunk (the socket buffers fill), then short pauses. */
async function readSlowly(response: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) {
    chunks.push(chunk as Buffer);
    if (chunks.length === 1) await delay(150);
    else if (chunks.length % 8 === 0) await delay(2);
  }
  return Buffer.concat(chunks);
}

/** A GET whose answer is read as a Node stream of Buffers. */
function getStream(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => get(url, resolve).on('error', reject));
}

async function listen(server: Server, scheme: string): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

for (const scheme of ['http', 'https'] as const) {
  const skip = scheme === 'https' && !hasOpenssl() ? 'the openssl command is not available' : false;

  describe(`backend bodies over many socket reads (${scheme})`, { skip }, () => {
    const payload = randomBytes(3 * 1024 * 1024);
    const records = Array.from({ length: 6000 }, (_, i) => ({ id: i, text: randomBytes(48).toString('base64') }));
    let backend: Server;
    let gateway: TestGateway;

    before(async () => {
      const handler: RequestListener = (req, res) => {
        const body = req.url === '/json' ? Buffer.from(JSON.stringify({ records })) : payload;
        res.writeHead(200, { 'Content-Type': req.url === '/json' ? 'application/json' : 'application/octet-stream', 'Content-Length': body.length });
        // Written in uneven pieces, so the gateway reads it in many chunks of different sizes.
        let at = 0;
        const pump = (): void => {
          while (at < body.length) {
            const end = Math.min(body.length, at + 1000 + (at % 7919));
            const more = res.write(body.subarray(at, end));
            at = end;
            if (!more) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
      };
      let clientTls: Record<string, unknown> | undefined;
      if (scheme === 'https') {
        const ca = new CertificateAuthority('integrity');
        const pem = ca.issue('backend', ['127.0.0.1'], 'server');
        backend = createHttpsServer({ cert: readFileSync(pem.cert), key: readFileSync(pem.key) }, handler);
        clientTls = { ca_certs: [ca.cert] };
      } else backend = createHttpServer(handler);
      const url = await listen(backend, scheme);
      const be = (path: string) => [{ host: [url], url_pattern: path }];
      gateway = await startGateway({
        version: 3,
        timeout: '20s',
        ...(clientTls ? { client_tls: clientTls } : {}),
        endpoints: [
          { endpoint: '/raw', output_encoding: 'no-op', backend: be('/raw') },
          { endpoint: '/json', backend: be('/json') },
        ],
      });
    });
    after(async () => {
      await gateway?.close();
      backend?.closeAllConnections();
      backend?.close();
    });

    it('passes a 3 MB no-op body byte for byte to clients that read slowly, several at once', async () => {
      const bodies = await Promise.all(Array.from({ length: 3 }, async () => readSlowly(await getStream(`${gateway.url}/raw`))));
      for (const body of bodies) {
        assert.equal(body.length, payload.length);
        assert.equal(sha256(body), sha256(payload));
      }
    });

    it('decodes a large JSON body collected over many reads, while a no-op stream runs beside it', async () => {
      const [json, raw] = await Promise.all([getStream(`${gateway.url}/json`).then(readSlowly), getStream(`${gateway.url}/raw`).then(readSlowly)]);
      assert.deepEqual((JSON.parse(json.toString('utf8')) as { records: unknown }).records, records);
      assert.equal(sha256(raw), sha256(payload));
    });
  });
}
