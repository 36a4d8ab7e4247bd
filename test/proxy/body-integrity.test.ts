/**
 * Backend bodies reach the client whole and unchanged when they span many socket reads: the client reads
 * plain-TCP backends into one shared buffer (transport/http1-client.ts), so any chunk kept past its read
 * (a slow client's queue, a decoder, a body being collected) must be a copy of it.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { get } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { delay } from '../helpers/http.js';
import { startBackend, startGateway } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';

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

function fetch(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => get(url, resolve).on('error', reject));
}

describe('backend bodies over many socket reads', () => {
  const payload = randomBytes(3 * 1024 * 1024);
  const records = Array.from({ length: 6000 }, (_, i) => ({ id: i, text: randomBytes(48).toString('base64') }));
  let backend: RunningServer;
  let gateway: TestGateway;

  before(async () => {
    backend = await startBackend((req, res) => {
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
    });
    const be = (path: string) => [{ host: [backend.url], url_pattern: path }];
    gateway = await startGateway({
      version: 3,
      timeout: '20s',
      endpoints: [
        { endpoint: '/raw', output_encoding: 'no-op', backend: be('/raw') },
        { endpoint: '/json', backend: be('/json') },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('passes a 3 MB no-op body byte for byte to clients that read slowly, several at once', async () => {
    const bodies = await Promise.all(Array.from({ length: 3 }, async () => readSlowly(await fetch(`${gateway.url}/raw`))));
    for (const body of bodies) {
      assert.equal(body.length, payload.length);
      assert.equal(sha256(body), sha256(payload));
    }
  });

  it('decodes a large JSON body collected over many reads, while a no-op stream runs beside it', async () => {
    const [json, raw] = await Promise.all([fetch(`${gateway.url}/json`).then(readSlowly), fetch(`${gateway.url}/raw`).then(readSlowly)]);
    assert.deepEqual((JSON.parse(json.toString('utf8')) as { records: unknown }).records, records);
    assert.equal(sha256(raw), sha256(payload));
  });
});
