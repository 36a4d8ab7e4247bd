/**
 * Spec-style cases, one request in and the expected answer out, for the proxy features of KrakenD CE's
 * integration suite (sequential, static, flatmap, shadow, xml, rss, negotiate, no-body). The mock
 * backend behaves like KrakenD's test backend (an echo under /param_forwarding/, an XML document, a
 * collection, a delayed echo); the config and the cases are written for Portico, with the gateway's own
 * port and User-Agent where KrakenD's files have theirs.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { USER_AGENT_PRODUCT, PORTICO_VERSION } from '../../src/version.js';
import { startBackend, startGateway } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';

const USER_XML = `<?xml version="1.0" encoding="UTF-8"?>
<user type="admin">
  <name>Elliot</name>
  <social>
    <facebook>https://facebook.com</facebook>
    <twitter>https://twitter.com</twitter>
    <youtube>https://youtube.com</youtube>
  </social>
</user>`;

function feed(title: string): string {
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>${title}</title><link>https://example.com</link><description>d</description><item><title>i</title></item></channel></rss>`;
}

/** Like KrakenD's mock backend: rejects calls without a loopback X-Forwarded-For, echoes requests. */
function mockBackend(request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url as string, 'http://backend');
  const forwardedFor = request.headers['x-forwarded-for'];
  if (forwardedFor !== '127.0.0.1' && forwardedFor !== '::1' && forwardedFor !== '::ffff:127.0.0.1') {
    response.writeHead(400);
    response.end('invalid X-Forwarded-For');
    return;
  }
  const send = (status: number, contentType: string, body: string): void => {
    response.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
    response.end(body);
  };
  const echo = (): void => {
    const headers: Record<string, string[]> = {};
    for (let i = 0; i < request.rawHeaders.length; i += 2) {
      const name = request.rawHeaders[i] as string;
      if (name.toLowerCase() === 'x-forwarded-for' || name.toLowerCase() === 'host' || name.toLowerCase() === 'connection') continue;
      (headers[name] ??= []).push(request.rawHeaders[i + 1] as string);
    }
    const query: Record<string, string[]> = {};
    for (const [key, value] of url.searchParams) (query[key] ??= []).push(value);
    response.setHeader('Set-Cookie', ['test1=test1', 'test2=test2']);
    send(200, 'application/json', `${JSON.stringify({ path: url.pathname, query, headers, foo: 42 })}\n`);
  };
  if (url.pathname === '/param_forwarding') {
    // Go's ServeMux sends a subtree path without its slash to the slash form.
    response.writeHead(301, { Location: '/param_forwarding/', 'Content-Length': '0' });
    response.end();
    return;
  }
  if (url.pathname.startsWith('/param_forwarding/')) return echo();
  if (url.pathname.startsWith('/delayed/')) {
    setTimeout(echo, 50);
    return;
  }
  if (url.pathname === '/xml') return send(200, 'application/xml; charset=utf-8', USER_XML);
  if (url.pathname.startsWith('/collection/')) {
    return send(200, 'application/json', JSON.stringify(Array.from({ length: 10 }, (_, i) => ({ path: url.pathname, i }))));
  }
  if (url.pathname === '/__debug') return send(200, 'application/json; charset=utf-8', '{"message":"pong"}');
  if (url.pathname === '/feeds/schedule.rss') return send(200, 'application/rss+xml', feed('showRSS schedule feed'));
  if (url.pathname === '/feeds/user.rss') return send(200, 'application/rss+xml', feed('showRSS personal feed'));
  send(404, 'text/plain; charset=utf-8', '404 page not found\n');
}

interface SpecCase {
  name: string;
  in: { method?: string; path: string; headers?: Record<string, string> };
  out: {
    status: number;
    /** A string is compared byte for byte, an object as JSON; absent: not checked (integration_no_body). */
    body?: string | Record<string, unknown>;
    headers: Record<string, string | null>;
  };
}

describe('KrakenD CE proxy specs, Portico edition', () => {
  let backend: RunningServer;
  let gateway: TestGateway;
  let shadowCalls = 0;
  let shadowBackend: RunningServer;

  before(async () => {
    backend = await startBackend(mockBackend);
    shadowBackend = await startBackend((_request, response) => {
      shadowCalls++;
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end('{"shadow":true}');
    });
    const host = [backend.url];
    gateway = await startGateway({
      version: 3,
      name: 'My lovely gateway',
      cache_ttl: '3600s',
      timeout: '3s',
      extra_config: { router: { return_error_msg: true } },
      endpoints: [
        { endpoint: '/xml/xml', output_encoding: 'xml', backend: [{ host, url_pattern: '/xml', encoding: 'xml' }] },
        { endpoint: '/xml/json', output_encoding: 'xml', backend: [{ host, url_pattern: '/param_forwarding' }] },
        { endpoint: '/negotiate', output_encoding: 'negotiate', backend: [{ host, url_pattern: '/xml', encoding: 'xml' }] },
        { endpoint: '/static', backend: [{ host, url_pattern: '/__debug', deny: ['message'] }], extra_config: { proxy: { static: { strategy: 'always', data: { foo: 42, bar: 'foobar' } } } } },
        {
          endpoint: '/sequential/ok/{param}',
          extra_config: { proxy: { sequential: true } },
          backend: [
            { url_pattern: '/param_forwarding/{param}', host, allow: ['foo'] },
            { url_pattern: '/param_forwarding/{resp0_foo}', host },
          ],
        },
        {
          endpoint: '/sequential/incomplete/{param}',
          extra_config: { proxy: { sequential: true } },
          backend: [
            { url_pattern: '/param_forwarding/{param}', host, allow: ['foo'] },
            { url_pattern: '/{resp0_foo}', host },
          ],
        },
        {
          endpoint: '/sequential/propagate',
          extra_config: { proxy: { sequential: true, sequential_propagated_params: ['resp0_first.foo'] } },
          backend: [
            { url_pattern: '/param_forwarding/', host, allow: ['foo'], group: 'first' },
            { url_pattern: '/param_forwarding/{resp0_first.foo}', host, allow: ['path'], group: 'second' },
          ],
        },
        {
          endpoint: '/flatmap/{id}',
          backend: [
            {
              host,
              url_pattern: '/collection/{id}',
              is_collection: true,
              extra_config: {
                proxy: {
                  flatmap_filter: [
                    { type: 'move', args: ['collection', 'paths'] },
                    { type: 'del', args: ['paths.*.i'] },
                    { type: 'move', args: ['paths.*.path', 'paths.*.url'] },
                  ],
                },
              },
            },
          ],
        },
        {
          endpoint: '/shadow',
          backend: [
            { host, url_pattern: '/delayed/' },
            { host: [shadowBackend.url], url_pattern: '/shadowed', extra_config: { proxy: { shadow: true } } },
          ],
        },
        {
          endpoint: '/show/{id}',
          backend: [
            { host, url_pattern: '/feeds/schedule.rss', encoding: 'rss', group: 'schedule', allow: ['title'] },
            { host, url_pattern: '/feeds/user.rss', encoding: 'rss', group: 'available', allow: ['title'] },
          ],
        },
      ],
    });
  });

  after(async () => {
    await gateway?.close();
    await backend?.close();
    await shadowBackend?.close();
  });

  const userAgent = `${USER_AGENT_PRODUCT} Version ${PORTICO_VERSION}`;
  const cached = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'public, max-age=3600', 'x-krakend-completed': 'true' };

  function cases(): SpecCase[] {
    const forwardedHost = `127.0.0.1:${gateway.port}`;
    return [
      {
        name: 'sequential_1',
        in: { path: '/sequential/ok/foobar' },
        out: {
          status: 200,
          body: { foo: 42, headers: { 'Accept-Encoding': ['gzip'], 'User-Agent': [userAgent], 'X-Forwarded-Host': [forwardedHost] }, path: '/param_forwarding/42', query: {} },
          headers: cached,
        },
      },
      {
        name: 'sequential_2',
        in: { path: '/sequential/incomplete/foobar' },
        out: { status: 200, body: '{"foo":42}', headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': null, 'x-krakend-completed': 'false' } },
      },
      {
        name: 'sequential_3',
        in: { path: '/sequential/propagate' },
        out: { status: 200, body: '{"first":{"foo":42},"second":{"path":"/param_forwarding/42"}}', headers: cached },
      },
      { name: 'static', in: { path: '/static' }, out: { status: 200, body: '{"bar":"foobar","foo":42}', headers: cached } },
      { name: 'integration_no_body', in: { path: '/static' }, out: { status: 200, headers: cached } },
      {
        name: 'flatmap_1',
        in: { path: '/flatmap/2' },
        out: { status: 200, body: JSON.stringify({ paths: Array.from({ length: 10 }, () => ({ url: '/collection/2' })) }), headers: cached },
      },
      {
        name: 'shadow',
        in: { path: '/shadow' },
        out: {
          status: 200,
          body: { foo: 42, headers: { 'Accept-Encoding': ['gzip'], 'User-Agent': [userAgent], 'X-Forwarded-Host': [forwardedHost] }, path: '/delayed/', query: {} },
          headers: cached,
        },
      },
      {
        name: 'xml_1',
        in: { path: '/xml/xml' },
        out: {
          status: 200,
          body: '<user type="admin"><name>Elliot</name><social><facebook>https://facebook.com</facebook><twitter>https://twitter.com</twitter><youtube>https://youtube.com</youtube></social></user>',
          headers: { 'content-type': 'application/xml', 'cache-control': 'public, max-age=3600', 'x-krakend-completed': 'true' },
        },
      },
      {
        name: 'xml_2',
        in: { path: '/xml/json' },
        out: {
          status: 200,
          body: `<doc><foo>42</foo><headers><Accept-Encoding>gzip</Accept-Encoding><Referer>${backend.url}/param_forwarding</Referer><User-Agent>${userAgent}</User-Agent><X-Forwarded-Host>${forwardedHost}</X-Forwarded-Host></headers><path>/param_forwarding/</path><query/></doc>`,
          headers: { 'content-type': 'application/xml', 'cache-control': 'public, max-age=3600', 'x-krakend-completed': 'true' },
        },
      },
      {
        name: 'rss',
        in: { path: '/show/1482' },
        out: { status: 200, body: '{"available":{"title":"showRSS personal feed"},"schedule":{"title":"showRSS schedule feed"}}', headers: cached },
      },
      {
        name: 'negotitate_json',
        in: { path: '/negotiate', headers: { accept: 'application/json; charset=utf-8' } },
        out: {
          status: 200,
          body: '{"user":{"-type":"admin","name":"Elliot","social":{"facebook":"https://facebook.com","twitter":"https://twitter.com","youtube":"https://youtube.com"}}}',
          headers: cached,
        },
      },
      {
        name: 'negotitate_plain',
        in: { path: '/negotiate', headers: { accept: 'text/plain' } },
        out: {
          status: 200,
          body: 'user:\n  -type: admin\n  name: Elliot\n  social:\n    facebook: https://facebook.com\n    twitter: https://twitter.com\n    youtube: https://youtube.com\n',
          headers: { 'content-type': 'application/yaml; charset=utf-8', 'cache-control': 'public, max-age=3600', 'x-krakend-completed': 'true' },
        },
      },
    ];
  }

  const NAMES = ['sequential_1', 'sequential_2', 'sequential_3', 'static', 'integration_no_body', 'flatmap_1', 'shadow', 'xml_1', 'xml_2', 'rss', 'negotitate_json', 'negotitate_plain'];
  for (const name of NAMES) {
    it(name, async () => {
      const spec = cases().find((candidate) => candidate.name === name);
      assert.ok(spec, `case ${name} is defined`);
      const response = await fetch(`${gateway.url}${spec.in.path}`, { method: spec.in.method ?? 'GET', headers: spec.in.headers ?? {} });
      const text = await response.text();
      assert.equal(response.status, spec.out.status);
      for (const [header, expected] of Object.entries(spec.out.headers)) assert.equal(response.headers.get(header), expected, header);
      if (typeof spec.out.body === 'string') assert.equal(text, spec.out.body);
      else if (spec.out.body !== undefined) assert.deepEqual(JSON.parse(text), spec.out.body);
      if (name === 'shadow') assert.ok(shadowCalls >= 1, 'the shadow backend was called');
    });
  }
});
