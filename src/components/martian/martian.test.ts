import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileModifier, MartianConfigError } from './compile.js';
import type { Compiled } from './compile.js';
import { encodeQuery, escapePath, matchHost, parseQuery } from './go-url.js';
import { setCookieValue } from './go-cookie.js';
import { Readable } from 'node:stream';
import { HeaderAccess, MartianRequest, MartianResponse, ModifierError } from './message.js';
import { rangedBody } from './ranges.js';

const at = ['extra_config', 'modifier/martian'];
const compile = (block: unknown): Compiled => compileModifier(block, at);

function requestTo(target = '/a?x=1', headerLines = '', origin = 'http://b.local:8080'): MartianRequest {
  return MartianRequest.from(origin, { method: 'GET', target, headerLines, body: null });
}

function responseOf(request: MartianRequest, headers: string[] = [], statusCode = 200): MartianResponse {
  return MartianResponse.from({ statusCode, headers, body: Buffer.from('{}'), stream: null, url: request.url() }, request);
}

test('a block must hold exactly one known type', () => {
  assert.throws(() => compile({}), /expected one modifier, received 0/);
  assert.throws(() => compile({ 'header.Modifier': {}, 'header.Append': {} }), /expected one modifier, received 2/);
  assert.throws(() => compile({ 'header.Nope': {} }), (error: MartianConfigError) => error.message === 'parse: unknown modifier: header.Nope' && error.at.join('/') === 'extra_config/modifier/martian/header.Nope');
  assert.throws(() => compile({ 'static.Modifier': { rootPath: '/' } }), (error: MartianConfigError) => error.unsupported);
});

test('errors name the nested key where they are', () => {
  const block = { 'fifo.Group': { modifiers: [{ 'header.Modifier': { name: 'A', value: 'b' } }, { 'header.Filter': { name: 'X', value: 'y' } }] } };
  assert.throws(
    () => compile(block),
    (error: MartianConfigError) => error.at.join('/') === 'extra_config/modifier/martian/fifo.Group/modifiers/1/header.Filter/modifier' && /missing/.test(error.message),
  );
  assert.throws(() => compile({ 'header.Modifier': { name: 5 } }), (error: MartianConfigError) => error.at.at(-1) === 'name' && /cannot unmarshal number/.test(error.message));
});

test('scope picks sides; a side the type lacks is refused', () => {
  const both = compile({ 'header.Modifier': { name: 'X', value: '1' } });
  assert.ok(both.request && both.response);
  const requestOnly = compile({ 'header.Modifier': { name: 'X', value: '1', scope: ['request'] } });
  assert.ok(requestOnly.request && !requestOnly.response);
  const none = compile({ 'header.Modifier': { name: 'X', value: '1', scope: [] } });
  assert.ok(!none.request && !none.response, 'an empty scope keeps no side, as in Martian');
  assert.throws(() => compile({ 'querystring.Modifier': { name: 'a', value: 'b', scope: ['response'] } }), /invalid scope "response" for modifier/);
  assert.throws(() => compile({ 'header.Modifier': { scope: ['both'] } }), /invalid scope: both/);
  assert.throws(() => compile({ 'stash.Modifier': { headerName: 'X-Stash', scope: ['response'] } }), /specify scope as both/);
});

test('field names match case-insensitively, as Go decodes them', () => {
  const request = requestTo();
  compile({ 'header.Modifier': { Name: 'x-one', VALUE: 'v' } }).request?.(request);
  assert.deepEqual(request.headers.get('X-One'), ['v']);
});

test('header modifiers: set, append, blacklist, copy; Host is the request field', () => {
  const request = requestTo('/a', 'X-Old: 1\r\nAccept: a\r\n');
  compile({
    'fifo.Group': {
      modifiers: [
        { 'header.Modifier': { name: 'x-set', value: 'one' } },
        { 'header.Append': { name: 'Accept', value: 'b' } },
        { 'header.Blacklist': { names: ['x-old'] } },
        { 'header.Copy': { from: 'X-Set', to: 'X-Copy' } },
        { 'header.Modifier': { name: 'Host', value: 'virtual.example' } },
      ],
    },
  }).request?.(request);
  assert.deepEqual(Object.fromEntries(request.headers), { 'Accept': ['a', 'b'], 'X-Set': ['one'], 'X-Copy': ['one'] });
  const outgoing = request.toOutgoing();
  assert.equal(outgoing.host, 'virtual.example');
  assert.equal(outgoing.headerLines, 'Accept: a\r\nAccept: b\r\nX-Set: one\r\nX-Copy: one\r\n');
  assert.throws(() => compile({ 'header.Append': { name: 'Host', value: 'x' } }).request?.(requestTo()), ModifierError);
});

test('header.Filter and its else; header.RegexFilter reads the request header on both sides', () => {
  const filter = compile({
    'header.Filter': { name: 'X-Tier', value: 'gold', modifier: { 'header.Modifier': { name: 'X-Fast', value: 'yes' } }, else: { 'header.Modifier': { name: 'X-Fast', value: 'no' } } },
  });
  const gold = requestTo('/', 'X-Tier: silver\r\nX-Tier: gold\r\n');
  filter.request?.(gold);
  assert.deepEqual(gold.headers.get('X-Fast'), ['yes']);
  const other = requestTo('/', '');
  filter.request?.(other);
  assert.deepEqual(other.headers.get('X-Fast'), ['no']);

  const regex = compile({ 'header.RegexFilter': { header: 'User-Agent', regex: 'curl/\\d+', modifier: { 'header.Modifier': { name: 'X-Curl', value: '1' } } } });
  const curl = requestTo('/', 'User-Agent: curl/8.1\r\n');
  const response = responseOf(curl);
  regex.request?.(curl);
  regex.response?.(response);
  assert.deepEqual(curl.headers.get('X-Curl'), ['1']);
  assert.deepEqual(response.headers.get('X-Curl'), ['1']);
  const browser = requestTo('/', 'User-Agent: Mozilla\r\n');
  regex.request?.(browser);
  assert.equal(browser.headers.get('X-Curl'), undefined);
});

test('query modifier and filter follow net/url (sorted, + for spaces)', () => {
  const request = requestTo('/p?z=1&a=b%20c');
  compile({ 'querystring.Modifier': { name: 'm', value: 'x y&z' } }).request?.(request);
  assert.equal(request.rawQuery, 'a=b+c&m=x+y%26z&z=1');
  const filter = compile({ 'querystring.Filter': { name: 'debug', modifier: { 'header.Modifier': { name: 'X-Debug', value: '1' } } } });
  const on = requestTo('/p?debug=');
  filter.request?.(on);
  assert.deepEqual(on.headers.get('X-Debug'), ['1']);
  const valued = compile({ 'querystring.Filter': { name: 'v', value: '2', modifier: { 'header.Modifier': { name: 'X-V', value: '2' } } } });
  const one = requestTo('/p?v=1');
  valued.request?.(one);
  assert.equal(one.headers.get('X-V'), undefined);
});

test('url and port modifiers move the call but keep the Host header, as Go does', () => {
  const request = requestTo('/old?q=1', '', 'http://b.local:8080');
  compile({ 'url.Modifier': { host: 'other.local:9000', path: '/new path', query: 'k=v' } }).request?.(request);
  assert.equal(request.origin(), 'http://other.local:9000');
  assert.equal(request.toOutgoing().target, '/new%20path?k=v');
  assert.equal(request.toOutgoing().host, 'b.local:8080');
  const ported = requestTo('/', '', 'http://b.local:8080');
  compile({ 'port.Modifier': { port: 9100 } }).request?.(ported);
  assert.equal(ported.origin(), 'http://b.local:9100');
  const removed = requestTo('/', '', 'http://b.local:8080');
  compile({ 'port.Modifier': { remove: true } }).request?.(removed);
  assert.equal(removed.origin(), 'http://b.local');
  assert.throws(() => compile({ 'port.Modifier': { port: 1, remove: true } }), /only one of/);
});

test('url.Filter matches decoded paths and wildcard hosts; port.Filter the port', () => {
  const filter = compile({ 'url.Filter': { host: '*.local:8080', path: '/a b', modifier: { 'header.Modifier': { name: 'X-Hit', value: '1' } } } });
  const hit = requestTo('/a%20b');
  filter.request?.(hit);
  assert.deepEqual(hit.headers.get('X-Hit'), ['1']);
  const port = compile({ 'port.Filter': { port: 8080, modifier: { 'header.Modifier': { name: 'X-Port', value: '1' } } } });
  const on8080 = requestTo('/');
  port.request?.(on8080);
  assert.deepEqual(on8080.headers.get('X-Port'), ['1']);
  const defaultPort = requestTo('/', '', 'http://b.local');
  port.request?.(defaultPort);
  assert.equal(defaultPort.headers.get('X-Port'), undefined);
  assert.throws(() => port.response?.(responseOf(defaultPort)), /missing port/, 'Martian fails a response whose host has no port');
});

test('stash keeps the URL for the response; cookies are added as Go writes them', () => {
  const stash = compile({ 'stash.Modifier': { headerName: 'X-Stash' } });
  const request = requestTo('/s?x=1');
  stash.request?.(request);
  const response = responseOf(request);
  stash.response?.(response);
  assert.deepEqual(response.headers.get('X-Stash'), ['http://b.local:8080/s?x=1']);

  const cookie = compile({ 'cookie.Modifier': { name: 'session', value: 'a b', path: '/', maxAge: 60, httpOnly: true, expires: '2030-01-02T03:04:05Z' } });
  const withCookie = requestTo('/', 'Cookie: first=1\r\n');
  cookie.request?.(withCookie);
  assert.deepEqual(withCookie.headers.get('Cookie'), ['first=1; session="a b"']);
  const answered = responseOf(withCookie);
  cookie.response?.(answered);
  assert.deepEqual(answered.headers.get('Set-Cookie'), ['session="a b"; Path=/; Expires=Wed, 02 Jan 2030 03:04:05 GMT; Max-Age=60; HttpOnly']);
  assert.equal(setCookieValue({ name: 'bad name', value: '', path: '', domain: '', expires: undefined, secure: false, httpOnly: false, maxAge: 0 }), '');
});

test('body.Modifier replaces the body and honours a Range on the response side', () => {
  const body = compile({ 'body.Modifier': { contentType: 'text/plain', body: Buffer.from('hello world').toString('base64') } });
  const request = requestTo('/', 'Content-Encoding: gzip\r\n');
  body.request?.(request);
  assert.equal((request.body as Buffer).toString(), 'hello world');
  assert.equal(request.headers.get('Content-Encoding'), undefined);
  assert.deepEqual(request.headers.get('Content-Type'), ['text/plain']);
  const response = responseOf(requestTo('/'));
  body.response?.(response);
  assert.equal(response.replacedBody?.toString(), 'hello world');
  assert.throws(() => compile({ 'body.Modifier': { body: 'not base64!' } }), /base64/);

  assert.deepEqual(rangedBody(Buffer.from('0123456789'), 'bytes=2-4', 't', 'B'), { statusCode: 206, body: Buffer.from('234'), contentRange: 'bytes 2-4/10' });
  assert.equal(rangedBody(Buffer.from('0123'), 'bytes=2-9', 't', 'B').statusCode, 416);
  const multi = rangedBody(Buffer.from('0123456789'), 'bytes=0-1,8-', 'text/plain', 'B');
  assert.equal(multi.contentType, 'multipart/byteranges; boundary=B');
  assert.equal(multi.body?.toString(), '--B\r\nContent-Range: bytes 0-1/10\r\nContent-Type: text/plain\r\n\r\n01\r\n--B\r\nContent-Range: bytes 8-9/10\r\nContent-Type: text/plain\r\n\r\n89\r\n--B--\r\n');
});

test('priority.Group runs the highest first, later-listed first among equals', () => {
  const order: string[] = [];
  const group = compile({
    'priority.Group': {
      modifiers: [
        { priority: 1, modifier: { 'header.Append': { name: 'X-Order', value: 'low' } } },
        { priority: 10, modifier: { 'header.Append': { name: 'X-Order', value: 'high-first-listed' } } },
        { priority: 10, modifier: { 'header.Append': { name: 'X-Order', value: 'high-last-listed' } } },
      ],
    },
  });
  const request = requestTo('/');
  group.request?.(request);
  order.push(...(request.headers.get('X-Order') ?? []));
  assert.deepEqual(order, ['high-last-listed', 'high-first-listed', 'low']);
});

test('fifo.Group stops at the first error unless aggregateErrors', () => {
  const failing = { 'header.Modifier': { name: 'Content-Length', value: 'abc' } };
  const after = { 'header.Modifier': { name: 'X-After', value: '1' } };
  const stopping = requestTo('/');
  assert.throws(() => compile({ 'fifo.Group': { modifiers: [failing, after] } }).request?.(stopping), ModifierError);
  assert.equal(stopping.headers.get('X-After'), undefined);
  const aggregating = requestTo('/');
  assert.throws(() => compile({ 'fifo.Group': { aggregateErrors: true, modifiers: [failing, after, failing] } }).request?.(aggregating), /invalid syntax\n.*invalid syntax/);
  assert.deepEqual(aggregating.headers.get('X-After'), ['1']);
});

test('status.Modifier and cookie.Filter on the response', () => {
  const status = compile({ 'cookie.Filter': { name: 'flag', modifier: { 'status.Modifier': { statusCode: 202 } } } });
  const response = responseOf(requestTo('/'), ['Set-Cookie', 'flag=1; Path=/']);
  status.response?.(response);
  assert.equal(response.statusCode, 202);
  assert.throws(() => compile({ 'status.Modifier': { statusCode: 0 } }), /not a valid HTTP status/);
});

test('a Content-Length set by a modifier never frames a streamed body', () => {
  const stream = Readable.from([Buffer.from('abc')]);
  const request = MartianRequest.from('http://b.local', { method: 'POST', target: '/', headerLines: '', body: stream, bodyLength: 3 });
  compile({ 'header.Modifier': { name: 'Content-Length', value: '99' } }).request?.(request);
  assert.equal(new HeaderAccess(request.headers, request).get('Content-Length'), '99', 'modifiers read what they set');
  const outgoing = request.toOutgoing();
  assert.equal(outgoing.bodyLength, 3);
  assert.ok(!outgoing.headerLines.includes('Content-Length'));
});

test('net/url helpers', () => {
  assert.equal(escapePath('/a b/ü;x=1'), '/a%20b/%C3%BC;x=1');
  assert.deepEqual([...parseQuery('a=1&a=2&b=%zz&c=x+y&d;e=1')], [['a', ['1', '2']], ['c', ['x y']]]);
  assert.equal(encodeQuery(new Map([['b', ['1']], ['a', ['x/y']]])), 'a=x%2Fy&b=1');
  assert.ok(matchHost('api.example.com', '*.example.com'));
  assert.ok(!matchHost('example.com', '*.example.com'));
});
