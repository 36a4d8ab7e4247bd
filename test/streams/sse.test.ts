/**
 * Streamed answers end to end: Server-Sent Events (`output_encoding: "sse"`) and chunked no-op answers
 * reach the client as each chunk leaves the backend, a stream that makes progress outlives the endpoint
 * timeout, a silent one is cut after it, and a backend that dies mid-stream ends the client's stream
 * without its last chunk.
 */
import { components } from '../helpers/components.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { loadConfig } from '../../src/config/load.js';
import { startBackend, startGateway, writeConfig } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';
import { delay, waitFor } from '../helpers/http.js';

interface StreamResult {
  status: number;
  headers: IncomingHttpHeaders;
  /** Each chunk with the milliseconds since the request was sent. */
  chunks: { at: number; text: string }[];
  /** Milliseconds until the head arrived. */
  headAt: number;
  /** True when the body ended cleanly (last chunk seen); false when the connection was cut. */
  complete: boolean;
  endedAt: number;
}

function stream(url: string, options: { pauseAfterFirstMs?: number } = {}): Promise<StreamResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const request = get(url, { headers: { Accept: 'text/event-stream' } }, (response) => {
      const result: StreamResult = { status: response.statusCode ?? 0, headers: response.headers, chunks: [], headAt: performance.now() - started, complete: false, endedAt: 0 };
      response.setEncoding('utf8');
      response.on('data', (text: string) => {
        result.chunks.push({ at: performance.now() - started, text });
        if (options.pauseAfterFirstMs !== undefined && result.chunks.length === 1) {
          response.pause();
          setTimeout(() => response.resume(), options.pauseAfterFirstMs);
        }
      });
      response.on('end', () => {
        result.complete = response.complete;
        result.endedAt = performance.now() - started;
        resolve(result);
      });
      response.on('error', () => undefined);
      response.on('close', () => {
        if (result.endedAt === 0) {
          result.endedAt = performance.now() - started;
          resolve(result);
        }
      });
    });
    request.on('error', reject);
  });
}

describe('streaming: SSE and chunked answers', () => {
  let backend: RunningServer;
  let gateway: TestGateway;
  const closedEarly = { idle: false };
  let floodWritten = 0;

  before(async () => {
    backend = await startBackend((request, response) => {
      const path = request.url ?? '';
      const events = (count: number, everyMs: number, then: (response: ServerResponse) => void = (r) => r.end(), contentType = 'text/event-stream') => {
        response.writeHead(200, contentType ? { 'Content-Type': contentType } : {});
        response.flushHeaders();
        let sent = 0;
        const timer = setInterval(() => {
          response.write(`id: ${sent}\ndata: event ${sent}\n\n`);
          if (++sent === count) {
            clearInterval(timer);
            then(response);
          }
        }, everyMs);
        response.on('close', () => clearInterval(timer));
      };
      if (path === '/ticks') events(8, 100);
      else if (path === '/untyped') events(2, 50, (r) => r.end(), '');
      else if (path === '/silent') {
        events(1, 10, () => undefined);
        response.on('close', () => (closedEarly.idle = !response.writableFinished));
      } else if (path === '/dies') events(2, 50, (r) => setTimeout(() => r.socket?.destroy(), 50));
      else if (path === '/chunks') {
        response.writeHead(200, { 'Content-Type': 'application/octet-stream' });
        response.flushHeaders();
        setTimeout(() => response.write('a'.repeat(10)), 300);
        setTimeout(() => response.end('b'.repeat(10)), 600);
      } else if (path === '/flood') {
        response.writeHead(200, { 'Content-Type': 'text/event-stream' });
        const event = `data: ${'x'.repeat(16 << 10)}\n\n`;
        let sent = 0;
        const pump = (): void => {
          while (sent < 2048) {
            sent++;
            floodWritten += event.length;
            if (!response.write(event)) return void response.once('drain', pump);
          }
          response.end();
        };
        pump();
      }
    });
    const endpoint = (path: string, encoding: string, extra: Record<string, unknown> = {}) => ({
      endpoint: path,
      output_encoding: encoding,
      timeout: '400ms',
      backend: [{ host: [backend.url], url_pattern: path.replace(/^\/(sse|raw)/, '') }],
      ...extra,
    });
    gateway = await startGateway({
      version: 3,
      endpoints: [
        endpoint('/sse/ticks', 'sse'),
        endpoint('/sse/untyped', 'sse'),
        endpoint('/sse/silent', 'sse'),
        endpoint('/sse/dies', 'sse'),
        endpoint('/sse/flood', 'sse', { timeout: '3s' }),
        endpoint('/raw/chunks', 'no-op'),
        endpoint('/raw/ticks', 'no-op'),
      ],
    });
  });

  after(async () => {
    await gateway.close();
    await backend.close();
  });

  test('SSE events arrive one by one, and a stream that makes progress outlives the endpoint timeout', async () => {
    const result = await stream(`${gateway.url}/sse/ticks`);
    assert.equal(result.status, 200);
    assert.equal(result.headers['content-type'], 'text/event-stream');
    assert.equal(result.headers['cache-control'], 'no-cache');
    assert.equal(result.headers['x-accel-buffering'], 'no');
    assert.equal(result.headers['content-length'], undefined);
    assert.ok(result.complete, 'the stream ended cleanly');
    const text = result.chunks.map((chunk) => chunk.text).join('');
    assert.equal((text.match(/^data: event \d$/gm) ?? []).length, 8);
    assert.ok(result.endedAt > 700, `lasted ${Math.round(result.endedAt)} ms, longer than the 400 ms timeout`);
    // Unbuffered: the first event was in the client's hands long before the last one was sent.
    const first = result.chunks[0] as { at: number };
    assert.ok(result.chunks.length >= 4, `${result.chunks.length} separate chunks`);
    assert.ok(result.endedAt - first.at > 400, `first event at ${Math.round(first.at)} ms, end at ${Math.round(result.endedAt)} ms`);
  });

  test('sse on a backend that names no content type answers text/event-stream', async () => {
    const result = await stream(`${gateway.url}/sse/untyped`);
    assert.equal(result.headers['content-type'], 'text/event-stream');
    assert.match(result.chunks.map((chunk) => chunk.text).join(''), /data: event 1/);
  });

  test('no-op chunked answers: the head leaves before the first chunk, each chunk as it comes', async () => {
    const result = await stream(`${gateway.url}/raw/chunks`);
    assert.ok(result.headAt < 250, `head after ${Math.round(result.headAt)} ms, the first chunk is sent at 300 ms`);
    assert.ok(result.chunks.length >= 2);
    assert.ok((result.chunks[0] as { at: number }).at < 550, 'the first chunk did not wait for the last');
    assert.equal(result.chunks.map((chunk) => chunk.text).join(''), 'a'.repeat(10) + 'b'.repeat(10));
    const ticks = await stream(`${gateway.url}/raw/ticks`);
    assert.ok(ticks.complete && ticks.endedAt > 700, 'a no-op stream that makes progress is not cut at the timeout either');
  });

  test('a silent stream is cut after the endpoint timeout, and the backend transfer stops', async () => {
    const result = await stream(`${gateway.url}/sse/silent`);
    assert.equal(result.status, 200);
    assert.equal(result.complete, false, 'cut, not ended: the client knows the stream failed');
    assert.ok(result.endedAt >= 350 && result.endedAt < 3_000, `cut after ${Math.round(result.endedAt)} ms`);
    assert.ok(await waitFor(() => closedEarly.idle), 'the backend connection was closed');
    assert.ok(gateway.log.lines.some((line) => line.includes('no data moved for 400 ms')));
  });

  test('a backend that dies mid-stream ends the client stream without its last chunk', async () => {
    const result = await stream(`${gateway.url}/sse/dies`);
    assert.equal(result.status, 200);
    assert.match(result.chunks.map((chunk) => chunk.text).join(''), /data: event 1/);
    assert.equal(result.complete, false);
  });

  test('a client that stops reading holds the backend back (bounded buffering), then gets everything', async () => {
    floodWritten = 0;
    const reading = stream(`${gateway.url}/sse/flood`, { pauseAfterFirstMs: 1_000 });
    await delay(800);
    const offered = 2048 * ((16 << 10) + 8);
    const writtenWhilePaused = floodWritten;
    assert.ok(writtenWhilePaused < offered / 2, `the backend wrote ${writtenWhilePaused >> 20} MiB of ${offered >> 20} MiB while the client read nothing`);
    const result = await reading;
    assert.ok(result.complete);
    assert.equal(result.chunks.reduce((sum, chunk) => sum + Buffer.byteLength(chunk.text), 0), offered);
  });

  test('an sse endpoint with two backends is refused at start-up, as a no-op one is', async () => {
    const file = await writeConfig({ version: 3, endpoints: [{ endpoint: '/two', output_encoding: 'sse', backend: [{ host: ['http://a:1'], url_pattern: '/a' }, { host: ['http://b:1'], url_pattern: '/b' }] }] });
    const result = await loadConfig(file, { components, env: {} });
    assert.equal(result.config, undefined);
    assert.ok(result.issues.some((issue) => issue.code === 'PRT_ERR_CONFIG_NOOP_BACKENDS'));
  });
});
