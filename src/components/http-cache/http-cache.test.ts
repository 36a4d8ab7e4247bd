import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cancellation } from '../../core/cancellation.js';
import type { BackendCall, BackendReply, CallOptions } from '../../transport/backend-call.js';
import type { OutgoingRequest } from '../../transport/http1-client.js';
import { ManualClock } from '../clock.js';
import { parseCacheControl } from './cache-control.js';
import { createHttpCache } from './http-cache.js';

const T0 = Date.parse('2025-01-01T00:00:00Z');
const options: CallOptions = { stream: false, decompress: true, maxBodyBytes: 1 << 20, resendBodyOnRedirect: false };

/** A backend double that answers from a script and records what it was sent. */
function scriptedBackend(clock: ManualClock, answer: (request: OutgoingRequest, count: number) => { status?: number; headers?: Record<string, string>; body?: string }) {
  const seen: OutgoingRequest[] = [];
  const call: BackendCall = async (origin, request) => {
    seen.push(request);
    const { status = 200, headers = {}, body = '' } = answer(request, seen.length);
    const raw = Object.entries({ Date: new Date(clock.now()).toUTCString(), ...headers }).flat();
    return { statusCode: status, headers: raw, body: Buffer.from(body), stream: null, url: `${origin}${request.target}` } satisfies BackendReply;
  };
  return { call, seen };
}

function setup(answer: Parameters<typeof scriptedBackend>[1], overrides: { shared?: boolean; maxItems?: number; maxSizeBytes?: number } = {}) {
  const clock = new ManualClock(T0);
  const backend = scriptedBackend(clock, answer);
  const cache = createHttpCache({ shared: overrides.shared ?? true, maxItems: overrides.maxItems ?? 100, maxSizeBytes: overrides.maxSizeBytes ?? 1 << 20, clock });
  const cached = cache.middleware(backend.call);
  const get = (target = '/r', headerLines = '', callOptions = options) => cached('http://b', { method: 'GET', target, headerLines, body: null }, callOptions, new Cancellation());
  return { clock, backend, cache, get };
}

test('Cache-Control directives are read case-insensitively, quoted forms included', () => {
  const directives = parseCacheControl('Public, MAX-AGE=60, s-maxage="30", no-cache="Set-Cookie", private');
  assert.equal(directives.isPublic, true);
  assert.equal(directives.maxAge, 60);
  assert.equal(directives.sMaxAge, 30);
  assert.equal(directives.noCache, true);
  assert.equal(directives.isPrivate, true);
  assert.equal(parseCacheControl('max-age=soon').maxAge, 0, 'an invalid max-age means stale');
});

test('a fresh response is served from memory until max-age runs out, with Age', async () => {
  const { clock, backend, get } = setup((_request, count) => ({ headers: { 'Cache-Control': 'max-age=60' }, body: `v${count}` }));
  assert.equal((await get()).body?.toString(), 'v1');
  clock.advance(59_000);
  const hit = await get();
  assert.equal(hit.body?.toString(), 'v1');
  assert.equal(backend.seen.length, 1);
  assert.deepEqual(hit.headers.slice(-2), ['Age', '59']);
  clock.advance(1000);
  assert.equal((await get()).body?.toString(), 'v2', 'at 60 s the entry is stale');
  assert.equal(backend.seen.length, 2);
});

test('the Age the backend reports counts against freshness', async () => {
  const { clock, backend, get } = setup(() => ({ headers: { 'Cache-Control': 'max-age=60', Age: '50' } }));
  await get();
  clock.advance(9000);
  await get();
  assert.equal(backend.seen.length, 1);
  clock.advance(1000);
  await get();
  assert.equal(backend.seen.length, 2);
});

test('Expires is measured against Date; an invalid Expires is already stale', async () => {
  const { clock, backend, get } = setup((request) =>
    request.target === '/expires' ? { headers: { Expires: new Date(clock.now() + 30_000).toUTCString() } } : { headers: { Expires: '0', ETag: '"x"' } },
  );
  await get('/expires');
  clock.advance(29_000);
  await get('/expires');
  assert.equal(backend.seen.length, 1);
  clock.advance(1000);
  await get('/expires');
  assert.equal(backend.seen.length, 2);
  await get('/invalid');
  await get('/invalid');
  assert.equal(backend.seen.length, 4);
});

test('no-store answers and answers without explicit freshness are never kept', async () => {
  const { backend, cache, get } = setup((request) => ({ headers: request.target === '/nostore' ? { 'Cache-Control': 'no-store, max-age=60' } : {} }));
  await get('/nostore');
  await get('/nostore');
  await get('/plain');
  await get('/plain');
  assert.equal(backend.seen.length, 4);
  assert.equal(cache.size, 0);
});

test('a shared cache keeps neither private answers nor answers to authorised requests; a private one does', async () => {
  const answer = (request: OutgoingRequest) => ({ headers: { 'Cache-Control': request.target === '/private' ? 'private, max-age=60' : 'max-age=60' } });
  const shared = setup(answer);
  await shared.get('/private');
  await shared.get('/private');
  await shared.get('/auth', 'Authorization: Bearer a\r\n');
  await shared.get('/auth', 'Authorization: Bearer b\r\n');
  assert.equal(shared.backend.seen.length, 4);
  const personal = setup(answer, { shared: false });
  await personal.get('/private');
  await personal.get('/private');
  assert.equal(personal.backend.seen.length, 1);
});

test('s-maxage overrides max-age only in a shared cache', async () => {
  const answer = () => ({ headers: { 'Cache-Control': 'max-age=100, s-maxage=10' } });
  const shared = setup(answer);
  await shared.get();
  shared.clock.advance(10_000);
  await shared.get();
  assert.equal(shared.backend.seen.length, 2);
  const personal = setup(answer, { shared: false });
  await personal.get();
  personal.clock.advance(10_000);
  await personal.get();
  assert.equal(personal.backend.seen.length, 1);
});

test('Vary keeps one variant per value of the named request headers', async () => {
  const { backend, get } = setup((request) => ({ headers: { 'Cache-Control': 'max-age=60', Vary: 'Accept-Language' }, body: request.headerLines }));
  const en = await get('/r', 'Accept-Language: en\r\n');
  const fr = await get('/r', 'Accept-Language: fr\r\n');
  assert.equal(backend.seen.length, 2);
  assert.equal((await get('/r', 'accept-language: en\r\n')).body?.toString(), en.body?.toString());
  assert.equal((await get('/r', 'Accept-Language: fr\r\n')).body?.toString(), fr.body?.toString());
  assert.equal(backend.seen.length, 2);
  await get('/r');
  assert.equal(backend.seen.length, 3, 'a request without the header is a variant of its own');
});

test('Vary: * is never stored', async () => {
  const { backend, get } = setup(() => ({ headers: { 'Cache-Control': 'max-age=60', Vary: '*' } }));
  await get();
  await get();
  assert.equal(backend.seen.length, 2);
});

test('no-cache answers are revalidated with their validators; 304 refreshes the entry', async () => {
  const { backend, get } = setup((request, count) =>
    request.headerLines.includes('If-None-Match: "v1"') ? { status: 304, headers: { 'Cache-Control': 'no-cache', 'X-Seen': String(count) } } : { headers: { 'Cache-Control': 'no-cache', ETag: '"v1"' }, body: 'payload' },
  );
  await get();
  const revalidated = await get();
  assert.equal(backend.seen.length, 2);
  assert.match(backend.seen[1]?.headerLines ?? '', /If-None-Match: "v1"/);
  assert.equal(revalidated.statusCode, 200, 'the client sees the stored answer, not the 304');
  assert.equal(revalidated.body?.toString(), 'payload');
  assert.ok(revalidated.headers.includes('X-Seen'), 'headers from the 304 replace the stored ones');
});

test('a request with no-cache skips the lookup; one with no-store bypasses the cache', async () => {
  const { backend, cache, get } = setup((_r, count) => ({ headers: { 'Cache-Control': 'max-age=60' }, body: `v${count}` }));
  await get('/a', 'Cache-Control: no-store\r\n');
  assert.equal(cache.size, 0);
  await get('/a');
  assert.equal((await get('/a', 'Cache-Control: no-cache\r\n')).body?.toString(), 'v3');
  assert.equal((await get('/a')).body?.toString(), 'v3', 'the refetched answer replaced the stored one');
  assert.equal(backend.seen.length, 3);
});

test('size bounds: an entry larger than max_size is not kept, and the least recently used goes first', async () => {
  const { backend, cache, get } = setup((request) => ({ headers: { 'Cache-Control': 'max-age=60' }, body: request.target === '/big' ? 'x'.repeat(5000) : 'x'.repeat(600) }), { maxSizeBytes: 2000 });
  await get('/big');
  await get('/big');
  assert.equal(backend.seen.length, 2);
  await get('/one');
  await get('/two');
  await get('/one');
  await get('/three');
  assert.ok(cache.calculatedSize <= 2000);
  const before = backend.seen.length;
  await get('/one');
  assert.equal(backend.seen.length, before, '/one was used recently and stayed');
  await get('/two');
  assert.equal(backend.seen.length, before + 1, '/two was the least recently used and went');
});

test('max_items bounds the number of entries', async () => {
  const { cache, get } = setup(() => ({ headers: { 'Cache-Control': 'max-age=60' } }), { maxItems: 3 });
  for (let i = 0; i < 10; i++) await get(`/item/${i}`);
  assert.equal(cache.size, 3);
});

test('streamed (no-op) callers get the stored body as a stream', async () => {
  const { backend, get } = setup(() => ({ headers: { 'Cache-Control': 'max-age=60' }, body: 'streamed' }));
  const streaming = { ...options, stream: true };
  const first = await get('/s', '', streaming);
  const second = await get('/s', '', streaming);
  assert.equal(backend.seen.length, 1);
  for (const reply of [first, second]) {
    assert.equal(reply.body, null);
    assert.ok(reply.stream);
  }
});

test('only GET and HEAD are cached, each under its own key', async () => {
  const clock = new ManualClock(T0);
  const backend = scriptedBackend(clock, (request) => ({ headers: { 'Cache-Control': 'max-age=60' }, body: request.method === 'HEAD' ? '' : 'body' }));
  const cached = createHttpCache({ shared: true, maxItems: 10, maxSizeBytes: 1 << 20, clock }).middleware(backend.call);
  const send = (method: string) => cached('http://b', { method, target: '/m', headerLines: '', body: null }, options, new Cancellation());
  await send('POST');
  await send('POST');
  assert.equal(backend.seen.length, 2, 'POST is never cached');
  await send('HEAD');
  const get = await send('GET');
  assert.equal(get.body?.toString(), 'body', 'a HEAD answer never answers a GET');
  await send('HEAD');
  await send('GET');
  assert.deepEqual(backend.seen.map((request) => request.method), ['POST', 'POST', 'HEAD', 'GET']);
});
