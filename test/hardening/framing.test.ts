/** Ambiguous request framing: a 400, a closed connection, and no forward. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { delay, rawExchange, rawStatus } from '../helpers/http.js';
import { startRecordingBackend } from '../helpers/recording-backend.js';
import type { RecordingBackend } from '../helpers/recording-backend.js';
import { startGateway } from '../helpers/servers.js';
import type { TestGateway } from '../helpers/servers.js';

// Both HTTP/1.1 servers: Portico's own and node:http's (PORTICO_HTTP_SERVER=node) must hold the same line.
for (const httpServer of ['portico', 'node'] as const) {
  describe(`request framing (${httpServer} HTTP/1.1 server)`, () => {
    let backend: RecordingBackend;
    let gateway: TestGateway;
    before(async () => {
      backend = await startRecordingBackend();
      gateway = await startGateway(
        {
          version: 3,
          endpoints: [
            { endpoint: '/post', method: 'POST', input_headers: ['*'], backend: [{ host: [backend.url], url_pattern: '/post' }] },
            { endpoint: '/get', backend: [{ host: [backend.url], url_pattern: '/get' }] },
          ],
        },
        { httpServer },
      );
    });
    after(async () => {
      await gateway.close();
      await backend.close();
    });

    /**
     * `noConnection`: refused before dispatch, so not even a TCP connection to the backend is opened. Bad
     * chunk sizes are found after the head was dispatched: a backend connection may open, but no request
     * reaches it (the gateway writes the head in one piece, so "no request" means "no byte").
     */
    async function expectRefused(chunks: string[], options: { noConnection?: boolean } = {}): Promise<void> {
      const requestsBefore = backend.requests.length;
      const connectionsBefore = backend.connections;
      const result = await rawExchange(gateway.port, chunks, { waitMs: 2_000 });
      assert.equal(rawStatus(result.text), 400, result.text);
      assert.equal(result.closed, true, 'the connection is closed');
      assert.equal((result.text.match(/HTTP\/1\.1 /g) ?? []).length, 1, 'one answer only: the smuggled bytes are never read as a request');
      await delay(100);
      assert.equal(backend.requests.length, requestsBefore, 'nothing forwarded');
      if (options.noConnection !== false) assert.equal(backend.connections, connectionsBefore, 'no backend connection opened');
    }

    it('refuses Content-Length together with Transfer-Encoding', async () => {
      await expectRefused(['POST /post HTTP/1.1\r\nHost: gw\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /get HTTP/1.1\r\nHost: gw\r\n\r\n']);
    });

    it('refuses Transfer-Encoding before Content-Length too', async () => {
      await expectRefused(['POST /post HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n']);
    });

    it('refuses chunked on HTTP/1.0', async () => {
      await expectRefused(['POST /post HTTP/1.0\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n']);
    });

    it('refuses an invalid chunk size', async () => {
      await expectRefused(['POST /post HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n'], { noConnection: false });
    });

    it('refuses a chunk size with a sign or overflow', async () => {
      await expectRefused(['POST /post HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n'], { noConnection: false });
      await expectRefused(['POST /post HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nhello\r\n0\r\n\r\n'], { noConnection: false });
    });

    it('refuses two different Content-Length values', async () => {
      await expectRefused(['POST /post HTTP/1.1\r\nHost: gw\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd']);
    });

    it('refuses a Transfer-Encoding that does not end in chunked', async () => {
      await expectRefused(['POST /post HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: gzip\r\n\r\nabc']);
    });

    it('refuses a Transfer-Encoding with codings before chunked', async () => {
      await expectRefused(['POST /post HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n']);
    });

    it('refuses a request without Host', async () => {
      await expectRefused(['GET /get HTTP/1.1\r\n\r\n']);
    });

    it('never completes a forward when a bad chunk size arrives after the head', async () => {
      // The body is streamed, so the head may already be on its way; the backend must see an aborted request.
      const before = backend.requests.length;
      const result = await rawExchange(gateway.port, ['POST /post HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n', 'zz\r\nmore\r\n0\r\n\r\n'], {
        waitMs: 2_000,
        gapMs: 150,
      });
      assert.equal(rawStatus(result.text), 400);
      assert.equal(result.closed, true);
      await delay(150);
      for (const request of backend.requests.slice(before)) assert.equal(request.complete, false, 'the backend never received a whole request');
    });

    it('still accepts well-framed chunked and fixed-length bodies', async () => {
      const chunked = await rawExchange(gateway.port, ['POST /post HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n'], { waitMs: 2_000 });
      assert.equal(rawStatus(chunked.text), 200);
      assert.equal(backend.requests.at(-1)?.body, 'abc');
      const fixed = await rawExchange(gateway.port, ['POST /post HTTP/1.0\r\nHost: gw\r\nContent-Length: 3\r\n\r\nxyz'], { waitMs: 2_000 });
      assert.equal(rawStatus(fixed.text), 200);
      assert.equal(backend.requests.at(-1)?.body, 'xyz');
    });
  });
}
