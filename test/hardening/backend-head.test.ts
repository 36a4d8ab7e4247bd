/**
 * A backend's response head is bounded in bytes and header fields (`max_response_header_bytes`,
 * `max_response_headers`; 256 KiB and 500 by default) on every encoding: a backend sending 10 000
 * headers (a 290 KB head) gets the gateway's bounded backend-failure answer instead of being passed on.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { get } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { request } from '../helpers/http.js';
import { startGateway } from '../helpers/servers.js';
import type { TestGateway } from '../helpers/servers.js';

const ENCODINGS = ['json', 'safejson', 'fast-json', 'string', 'xml', 'rss', 'no-op'] as const;

/** Raw HTTP/1.1 answers: `/many` with `count` headers of ~29 bytes, `/few` with 300; bodies fit each encoding. */
function head(count: number, body: string, type: string): string {
  const fields = Array.from({ length: count }, (_, i) => `X-Filler-${String(i).padStart(5, '0')}: abcdefghij\r\n`).join('');
  return `HTTP/1.1 200 OK\r\nContent-Type: ${type}\r\n${fields}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

function bodyFor(path: string): [string, string] {
  if (path.includes('xml')) return ['<a><b>1</b></a>', 'application/xml'];
  if (path.includes('rss')) return ['<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>', 'application/rss+xml'];
  return ['{"a":1}', 'application/json'];
}

describe('bounded backend response heads', () => {
  let backend: Server;
  let backendUrl: string;
  let gateway: TestGateway;
  let lenient: TestGateway;
  before(async () => {
    backend = createServer((socket) => {
      let seen = '';
      socket.on('data', (chunk: Buffer) => {
        seen += chunk.toString('latin1');
        if (!seen.includes('\r\n\r\n')) return;
        const path = seen.slice(seen.indexOf(' ') + 1, seen.indexOf(' ', seen.indexOf(' ') + 1));
        seen = '';
        const [body, type] = bodyFor(path);
        socket.write(head(path.startsWith('/many') ? 10_000 : path.startsWith('/few') ? 300 : 0, body, type));
      });
      socket.on('error', () => undefined);
    });
    backend.listen(0, '127.0.0.1');
    await once(backend, 'listening');
    backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
    const endpoints = ENCODINGS.flatMap((encoding) =>
      ['many', 'few'].map((size) => ({
        endpoint: `/${size}/${encoding}`,
        ...(encoding === 'no-op' ? { output_encoding: 'no-op' } : {}),
        backend: [{ host: [backendUrl], url_pattern: `/${size}/${encoding}`, encoding }],
      })),
    );
    gateway = await startGateway({ version: 3, endpoints: [...endpoints, { endpoint: '/control', backend: [{ host: [backendUrl], url_pattern: '/control' }] }] });
    lenient = await startGateway({ version: 3, max_response_header_bytes: 1 << 20, max_response_headers: 20_000, endpoints });
  });
  after(async () => {
    await gateway.close();
    await lenient.close();
    backend.close();
  });

  for (const encoding of ENCODINGS) {
    it(`${encoding}: 10 000 headers (290 KB) get a bounded 500 without them; 300 headers pass`, async () => {
      const refused = await request(`${gateway.url}/many/${encoding}`);
      assert.equal(refused.status, 500);
      assert.ok(refused.rawHeaders.length / 2 < 20, `${refused.rawHeaders.length / 2} headers reached the client`);
      assert.ok(gateway.log.lines.some((line) => line.includes('PRT_ERR_BACKEND_HEADERS_TOO_LARGE') || line.includes('the response has more than 500 header fields') || line.includes('larger than 262144 bytes')), 'the failure is logged');
      const accepted = await request(`${gateway.url}/few/${encoding}`);
      assert.equal(accepted.status, 200);
      if (encoding === 'no-op') assert.equal(accepted.headers['x-filler-00299'], 'abcdefghij');
    });
  }

  it('the control endpoint is unaffected', async () => {
    assert.equal((await request(`${gateway.url}/control`)).status, 200);
  });

  it('max_response_header_bytes and max_response_headers raise the bounds (KrakenD passes such heads)', async () => {
    // Node's client refuses heads over 16 KiB, and keeps 2 000 fields, unless told otherwise.
    const passed = await new Promise<IncomingMessage>((resolve, reject) => {
      const client = get(`${lenient.url}/many/no-op`, { maxHeaderSize: 1 << 20 }, resolve).on('error', reject);
      client.maxHeadersCount = 20_000;
    });
    passed.resume();
    assert.equal(passed.statusCode, 200);
    assert.equal(passed.headers['x-filler-09999'], 'abcdefghij');
    assert.equal((await request(`${lenient.url}/many/json`)).status, 200);
  });
});
