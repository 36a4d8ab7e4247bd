import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { EncodedSpanQueue } from './encoded-span-queue.js';
import { LeanTracer, SPAN_KIND_SERVER } from './lean-tracer.js';
import type { LeanSpan } from './lean-tracer.js';
import { ExportFraming } from './otlp-proto-encoder.js';
import { OtlpProtoSpanSender } from './otlp-proto-exporter.js';

const resource = resourceFromAttributes({ 'service.name': 'gateway' });
const scope = { name: 'io.krakend.krakend-otel' };
const servers: Server[] = [];
after(() => servers.forEach((server) => server.close()));

async function collector(answer: (request: IncomingMessage, response: ServerResponse) => void): Promise<string> {
  const server = createServer(answer);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function setup(url: string, options: { maxQueue: number; batchSize: number; exportTimeoutMs: number }) {
  const errors: string[] = [];
  const queue = new EncodedSpanQueue(Promise.resolve(new OtlpProtoSpanSender(url, options.exportTimeoutMs)), new ExportFraming(resource, scope), { ...options, intervalMs: 60_000, onError: (message) => errors.push(message) });
  const ended: LeanSpan[] = [];
  const tracer = new LeanTracer({ resource, scope, sampleRate: 1, sinks: [{ onEnd: (span) => ended.push(span as LeanSpan) }, queue] });
  const end = (count: number): void => {
    for (let i = 0; i < count; i++) tracer.open(`/span/${ended.length}`, SPAN_KIND_SERVER, undefined, { 'http.route': '/span/:n', index: ended.length }).end();
  };
  return { queue, ended, end, errors };
}

const official = (spans: LeanSpan[]): Buffer => Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array);

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(condition(), 'timed out waiting');
}

describe('EncodedSpanQueue', () => {
  it('posts a batch when it is full, each the official serializer bytes of its spans', async () => {
    const bodies: Buffer[] = [];
    const url = await collector((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        assert.equal(request.url, '/v1/traces');
        assert.equal(request.headers['content-type'], 'application/x-protobuf');
        bodies.push(Buffer.concat(chunks));
        response.end();
      });
    });
    const { queue, ended, end } = setup(url, { maxQueue: 100, batchSize: 4, exportTimeoutMs: 2_000 });
    end(3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(bodies.length, 0, 'not before the batch is full');
    end(1);
    await until(() => bodies.length === 1);
    end(4);
    await until(() => bodies.length === 2);
    // The second batch was written into the first one's buffer or the spare: either way, only its own spans.
    assert.ok(bodies[0]?.equals(official(ended.slice(0, 4))));
    assert.ok(bodies[1]?.equals(official(ended.slice(4, 8))));
    end(2);
    await queue.shutdown();
    assert.equal(bodies.length, 3, 'shutdown sends what is left');
    assert.ok(bodies[2]?.equals(official(ended.slice(8, 10))));
    assert.deepEqual([queue.exported, queue.failed, queue.dropped], [10, 0, 0]);
  });

  it('drops and counts spans beyond its bound while a collector hangs, and never waits for it', async () => {
    const url = await collector(() => {
      // Never answers.
    });
    const { queue, end, errors } = setup(url, { maxQueue: 6, batchSize: 2, exportTimeoutMs: 300 });
    const started = performance.now();
    end(2); // the first batch leaves and hangs
    end(10); // 6 wait, 4 are dropped
    assert.ok(performance.now() - started < 100, 'ending spans does not wait for the collector');
    assert.equal(queue.dropped, 4);
    await until(() => queue.failed === 2);
    assert.match(errors[0] ?? '', /could not export 2 span\(s\): no answer within 300 ms/);
    await queue.shutdown();
  });

  it('counts the spans of a batch the collector refuses, and keeps posting on one kept-alive connection', async () => {
    const connections = new Set<unknown>();
    let answered = 0;
    const url = await collector((request, response) => {
      connections.add(request.socket);
      request.resume();
      request.on('end', () => {
        answered++;
        // The first batch is refused, the rest accepted.
        response.statusCode = answered === 1 ? 500 : 200;
        response.end('no');
      });
    });
    const { queue, end, errors } = setup(url, { maxQueue: 100, batchSize: 2, exportTimeoutMs: 2_000 });
    end(2);
    await until(() => queue.failed === 2);
    assert.match(errors[0] ?? '', /could not export 2 span\(s\): the collector answered 500/);
    end(2);
    await until(() => queue.exported === 2);
    end(2);
    await until(() => queue.exported === 4);
    assert.equal(connections.size, 1, 'one connection for every post');
    await queue.shutdown();
  });

  it('counts the spans of a batch it could not deliver to a closed port', async () => {
    const url = await collector(() => undefined);
    await new Promise<void>((resolve) => (servers.pop() as Server).close(() => resolve()));
    const { queue, end, errors } = setup(url, { maxQueue: 100, batchSize: 2, exportTimeoutMs: 2_000 });
    end(2);
    await until(() => queue.failed === 2);
    assert.match(errors[0] ?? '', /could not export 2 span\(s\): cannot connect to the collector: ECONNREFUSED/);
    await queue.shutdown();
  });
});
