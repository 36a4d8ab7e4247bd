/**
 * The floor under Portico's server side (issue #14): Portico's own backend client
 * (transport/http1-client.ts) relaying S1/S3 behind node:http (`http`), behind Portico's own listener
 * (`portico`: server/http1-server.ts, with Node's request and response objects), or behind a bare server
 * on `net` that reads just enough of a request to find its end and target (`net`). No routing, no
 * pipeline, no header policy; the same malloc thresholds as Portico's processes
 * (runtime/malloc-thresholds.ts). The gaps between the rows are what node:http's bookkeeping and then
 * Node's request and response objects cost a response; the `net` row validates nothing and is no server
 * to run, only a measurement.
 *
 * `node dist/bench/peers/server-floor.js http|portico|net PORT ORIGIN`
 */
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { Socket } from 'node:net';
import { isHopByHop } from '../../src/core/hop-by-hop.js';
import { OriginPool } from '../../src/transport/http1-client.js';
import type { ResponseHandler } from '../../src/transport/http1-client.js';
import { raiseMallocThresholds } from '../../src/runtime/malloc-thresholds.js';
import { createHttp1Server } from '../../src/server/http1-server.js';

raiseMallocThresholds();

const [mode, port, origin] = [process.argv[2], Number(process.argv[3]), process.argv[4] as string];
const pool = new OriginPool(origin);

interface Relay {
  head(status: number, rawHeaders: string[]): void;
  chunk(chunk: Buffer): void;
  end(): void;
  fail(): void;
}

function relay(target: string, to: Relay): void {
  const handler: ResponseHandler = {
    onHead: (status, _text, raw) => {
      const kept: string[] = [];
      for (let i = 0; i < raw.length; i += 2) if (!isHopByHop(raw[i] as string)) kept.push(raw[i] as string, raw[i + 1] as string);
      to.head(status, kept);
    },
    onBody: (chunk) => to.chunk(chunk),
    onComplete: () => to.end(),
    onError: () => to.fail(),
  };
  pool.request({ method: 'GET', target, headerLines: '', body: null }, handler);
}

const targetOf = (path: string): string => (path === '/s3' ? '/100kb.json' : '/1kb.json');

const relayTo = (request: IncomingMessage, response: ServerResponse): void =>
  relay(targetOf(request.url ?? '/'), {
    head: (status, headers) => response.writeHead(status, headers),
    chunk: (chunk) => response.write(chunk),
    end: () => response.end(),
    fail: () => response.destroy(),
  });

if (mode === 'http') {
  createHttpServer(relayTo).listen(port, '127.0.0.1');
} else if (mode === 'portico') {
  const limits = { maxHeaderSize: 1 << 20, headersTimeoutMs: 10_000, requestTimeoutMs: 0, keepAliveTimeoutMs: 5_000, checkIntervalMs: 500 };
  const server = createHttp1Server(limits, relayTo);
  if (server === undefined) throw new Error('this Node lacks what Portico\'s listener drives');
  server.listen(port, '127.0.0.1');
} else if (mode === 'net') {
  createNetServer({ noDelay: true }, (socket: Socket) => {
    let pending = '';
    socket.on('data', (data: Buffer) => {
      pending += data.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end !== -1; end = pending.indexOf('\r\n\r\n')) {
        const line = pending.slice(0, pending.indexOf('\r\n'));
        pending = pending.slice(end + 4);
        const path = line.split(' ')[1] ?? '/';
        relay(targetOf(path), {
          head: (status, headers) => {
            let head = `HTTP/1.1 ${status} OK\r\n`;
            for (let i = 0; i < headers.length; i += 2) head += `${headers[i] as string}: ${headers[i + 1] as string}\r\n`;
            socket.cork();
            socket.write(`${head}\r\n`, 'latin1');
          },
          chunk: (chunk) => socket.write(chunk),
          end: () => socket.uncork(),
          fail: () => socket.destroy(),
        });
      }
    });
    socket.on('error', () => socket.destroy());
  }).listen(port, '127.0.0.1');
} else {
  process.stderr.write('usage: server-floor.js http|portico|net PORT ORIGIN\n');
  process.exit(2);
}
