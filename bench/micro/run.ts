/** `npm run bench:micro`: router match, response shaping, merge, JSON rendering, response parsing, OTLP spans. */
import { RouteTable } from '../../src/router/route-table.js';
import { createShaper } from '../../src/proxy/shaping.js';
import { createParallelMerge } from '../../src/proxy/merge.js';
import { Cancellation } from '../../src/core/cancellation.js';
import { renderJson } from '../../src/render/json.js';
import { compileUrlPattern, encodeQuery } from '../../src/proxy/url-template.js';
import { ResponseParser } from '../../src/transport/response-parser.js';
import type { Proxy, ProxyRequest, ProxyResponse } from '../../src/proxy/types.js';
import { coreDecoders, topLevelJsonDecoder } from '../../src/encoding/decode.js';
import type { Decoder } from '../../src/encoding/decode.js';
import type { Shaper } from '../../src/proxy/shaping.js';
import { mergePayloads } from '../fixtures.js';
import { LeanTracer, SPAN_KIND_CLIENT, SPAN_KIND_SERVER, STATUS_OK } from '../../src/components/opentelemetry/lean-tracer.js';
import { FixedAttributes, Writer, writeSpanEntry } from '../../src/components/opentelemetry/otlp-proto-encoder.js';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { Resource } from '@opentelemetry/resources';
import { runCases } from './harness.js';

const table = new RouteTable<number>({ redirectTrailingSlash: true, redirectFixedPath: true, handleMethodNotAllowed: true });
for (let i = 0; i < 100; i++) {
  table.add('GET', `/service${i}/users/{id}`, i);
  table.add('POST', `/service${i}/users`, i);
}
runCases('router (100 endpoints, 200 routes)', [
  { name: 'match static-prefixed path with a param', fn: () => table.find('GET', '/service57/users/12345') },
  { name: 'miss (404 path)', fn: () => table.find('GET', '/nothing/here') },
]);

const document = () => ({
  id: 1,
  user: { name: 'Ada', email: 'ada@example.com', address: { city: 'London', zip: 'N1' } },
  items: Array.from({ length: 10 }, (_, i) => ({ i, name: `item-${i}` })),
  secret: 'x',
});
const allow = createShaper({ target: '', allow: ['id', 'user.name', 'user.address.city', 'items'], deny: [], mapping: {}, group: '' });
const deny = createShaper({ target: '', allow: [], deny: ['secret', 'user.email'], mapping: { id: 'userId' }, group: 'profile' });
runCases('shaping (a fresh 10-item document per op, creation included)', [
  { name: 'baseline: create the document', fn: document },
  { name: 'allow 4 paths (nested)', fn: () => allow?.(document()) },
  { name: 'deny 2 paths + mapping + group', fn: () => deny?.(document()) },
]);

const backend = (data: () => Record<string, unknown>): Proxy => () => Promise.resolve<ProxyResponse>({ data: data(), isComplete: true, metadata: { statusCode: 200, headers: {} }, body: null });
const merge = createParallelMerge([backend(() => ({ a: 1, b: [1, 2, 3] })), backend(() => ({ c: 'x', d: { e: 1 } })), backend(() => ({ f: true }))], 2000);
const request: ProxyRequest = { method: 'GET', params: {}, query: null, headers: {}, body: null, bodyLength: undefined, path: '/' };
runCases(
  'merge (3 in-memory backends, async)',
  [
    {
      name: 'parallel merge, one request',
      fn: () => {
        const cancel = new Cancellation();
        return merge(request, cancel);
      },
    },
  ],
  50_000,
);

const big = { z: 1, a: { y: [{ b: 2, a: 1 }, { d: 4, c: 3 }], x: 'text <tag>' }, m: Array.from({ length: 20 }, (_, i) => ({ k: i, j: `v${i}` })) };
const sorted = JSON.parse(renderJson(big)) as unknown;
runCases('JSON rendering (Go-compatible)', [
  { name: 'JSON.stringify (reference, no sorting)', fn: () => JSON.stringify(big) },
  { name: 'renderJson, keys out of order', fn: () => renderJson(big) },
  { name: 'renderJson, keys already sorted', fn: () => renderJson(sorted) },
]);

// A typical 2 KB API answer: ids, names, prices written the shortest way; then one with a `1.50`.
const catalog = Buffer.from(JSON.stringify({ page: 1, total: 20, items: Array.from({ length: 20 }, (_, i) => ({ id: 1000 + i, name: `product ${i}`, price: 9.5 + i, stock: i * 3, tags: ['a', 'b'] })) }));
const catalogWithLiteral = Buffer.from(catalog.toString().replace('"price":9.5', '"price":9.50'));
const decodeJson = (coreDecoders['json'] as NonNullable<(typeof coreDecoders)['json']>)(false);
runCases('backend JSON decoding', [
  { name: 'JSON.parse (reference)', fn: () => JSON.parse(catalog.toString('utf8')) as unknown },
  { name: 'decode, canonical numbers', fn: () => decodeJson(catalog) },
  { name: 'decode, one 1.50 (literal kept)', fn: () => decodeJson(catalogWithLiteral) },
]);

// S2's data work per response: both bodies decoded, an allow-list on the first, merged, rendered.
const bodies = mergePayloads();
const [firstBody, secondBody] = [Buffer.from(bodies.first), Buffer.from(bodies.second)];
const allowIdItems = createShaper({ target: '', allow: ['id', 'items'], deny: [], mapping: {}, group: '' }) as Shaper;
const mergeAndRender = (decode: Decoder) => (): string => {
  const merged = allowIdItems(decode(firstBody));
  Object.assign(merged, decode(secondBody));
  return renderJson(merged);
};
runCases("S2's data: two 1 KB bodies decoded, allow-list, merge, render", [
  { name: 'general path (every value parsed, sorted copy)', fn: mergeAndRender(decodeJson) },
  { name: 'top-level members kept as written text', fn: mergeAndRender(topLevelJsonDecoder(decodeJson)) },
]);

const template = compileUrlPattern('/users/{id}/posts/{post}?expand={fields}');
const params = { id: '42', post: 'hello world', fields: 'a,b&c' };
runCases('backend URL', [
  { name: 'render url_pattern with 3 params', fn: () => template.render(params) },
  { name: 'encode a 3-key client query', fn: () => encodeQuery({ page: ['2'], tag: ['a', 'b'], q: ['x y'] }) },
]);

const head = Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDate: Tue, 24 Nov 2026 04:00:00 GMT\r\nContent-Length: 2\r\n\r\n{}');
const parser = new ResponseParser();
const sink = { onHead() {}, onBody() {}, onComplete() {} };
runCases('backend response parser', [
  {
    name: 'parse head + 2-byte body',
    fn: () => {
      parser.reset(sink, false);
      parser.execute(head);
    },
  },
]);

// The four spans of a traced S1 request (router, proxy, backend, HTTP client) with the attributes the
// layers give them, each encoded as it ends, as the OTLP/HTTP queue does.
const spanWriter = new Writer(1 << 20);
const encodeSink = {
  onEnd(span: ReadableSpan) {
    if (spanWriter.pos > 1 << 19) spanWriter.pos = 0;
    writeSpanEntry(spanWriter, span);
  },
};
const tracer = new LeanTracer({ resource: { attributes: {} } as unknown as Resource, scope: { name: 'bench' }, sampleRate: 1, sinks: [encodeSink] });
const backendFixed = { 'http.request.method': 'GET', 'http.route': '/1kb.json', 'krakend.endpoint.route': '/s1', 'krakend.endpoint.method': 'GET' };
const routerFixed = new FixedAttributes({ 'krakend.stage': 'global' });
const proxyFixed = new FixedAttributes({ 'http.request.method': 'GET', 'http.route': '/s1', 'krakend.stage': 'proxy' });
const stageFixed = new FixedAttributes({ ...backendFixed, 'krakend.stage': 'backend' });
const clientFixed = new FixedAttributes({ ...backendFixed, 'krakend.stage': 'backend-request' });
runCases(
  'OTLP spans',
  [
    {
      name: '4 spans of a request: made, ended, encoded',
      fn: () => {
        const router = tracer.open('/s1', SPAN_KIND_SERVER, undefined, { 'url.full': '/s1', 'server.address': '127.0.0.1:8080', 'http.request.method': 'GET', 'client.address': '127.0.0.1:50000' }, routerFixed);
        const proxy = tracer.open('/s1', 0, router.spanContext(), {}, proxyFixed);
        const stage = tracer.open('/1kb.json', 0, proxy.spanContext(), {}, stageFixed);
        const client = tracer.open('/1kb.json', SPAN_KIND_CLIENT, stage.spanContext(), { 'url.full': 'http://127.0.0.1:8000/1kb.json', 'server.address': '127.0.0.1' }, clientFixed);
        client.setAttribute('http.response.status_code', 200);
        client.setAttribute('http.response.body.size', 1024);
        client.setAttribute('response-duration', 0.0003);
        client.setStatus(STATUS_OK);
        client.end();
        stage.setAttribute('http.response.status_code', 200);
        stage.setAttribute('complete', true);
        stage.end();
        proxy.setAttribute('http.response.status_code', 200);
        proxy.setAttribute('complete', true);
        proxy.end();
        router.setAttribute('http.route', '/s1');
        router.setAttribute('http.response.status_code', 200);
        router.setAttribute('http.response.body.size', 1024);
        router.setStatus(STATUS_OK);
        router.end();
      },
    },
  ],
  100_000,
);
