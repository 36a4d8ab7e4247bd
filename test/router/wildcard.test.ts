/** Wildcard endpoints (`/foo/*`, KrakenD EE's syntax): prefix routing, rest appended, rest checked. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rawExchange, rawStatus, request } from '../helpers/http.js';
import { startRecordingBackend } from '../helpers/recording-backend.js';
import type { RecordingBackend } from '../helpers/recording-backend.js';
import { startGateway } from '../helpers/servers.js';
import type { TestGateway } from '../helpers/servers.js';

describe('wildcard endpoints', () => {
  let backend: RecordingBackend;
  let gateway: TestGateway;
  before(async () => {
    backend = await startRecordingBackend();
    const to = (urlPattern: string) => [{ host: [backend.url], url_pattern: urlPattern }];
    gateway = await startGateway({
      version: 3,
      endpoints: [
        { endpoint: '/v1/*', input_query_strings: ['q'], backend: to('/legacy') },
        { endpoint: '/v1/users/{id}', backend: to('/explicit/{id}') },
        { endpoint: '/v1/health', backend: to('/explicit-health') },
        { endpoint: '/v1/*', method: 'POST', backend: to('/legacy-post/') },
        { endpoint: '/t/{tenant}/*', backend: to('/tenants/{tenant}?src=gw') },
        { endpoint: '/*', backend: to('/root') },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  async function lastUrlFor(path: string, method = 'GET'): Promise<{ status: number; url: string | undefined }> {
    const before = backend.requests.length;
    const response = await request(gateway.url + path, { method });
    return { status: response.status, url: backend.requests.length > before ? backend.requests.at(-1)?.url : undefined };
  }

  it('appends the rest of the path to the url_pattern, at any depth, with the allowed query strings', async () => {
    assert.deepEqual(await lastUrlFor('/v1/a'), { status: 200, url: '/legacy/a' });
    assert.deepEqual(await lastUrlFor('/v1/a/b/c.json'), { status: 200, url: '/legacy/a/b/c.json' });
    assert.deepEqual(await lastUrlFor('/v1/a/b/?q=1&x=2'), { status: 200, url: '/legacy/a/b/?q=1' });
    assert.deepEqual(await lastUrlFor('/v1/caf%C3%A9%20x'), { status: 200, url: '/legacy/caf%C3%A9%20x' }, 'the rest travels encoded as sent');
  });

  it('lets explicit routes win, and falls back to the wildcard below them', async () => {
    assert.deepEqual(await lastUrlFor('/v1/users/7'), { status: 200, url: '/explicit/7' });
    assert.deepEqual(await lastUrlFor('/v1/health'), { status: 200, url: '/explicit-health' });
    assert.deepEqual(await lastUrlFor('/v1/users/7/posts'), { status: 200, url: '/legacy/users/7/posts' });
    assert.deepEqual(await lastUrlFor('/v1/healthz'), { status: 200, url: '/legacy/healthz' });
  });

  it('routes per method, and joins with a single slash', async () => {
    assert.deepEqual(await lastUrlFor('/v1/x/y', 'POST'), { status: 200, url: '/legacy-post/x/y' });
    const put = await lastUrlFor('/v1/x', 'PUT');
    assert.equal(put.status, 405);
    assert.equal(put.url, undefined);
  });

  it('keeps parameters of the prefix and the url_pattern query part', async () => {
    assert.deepEqual(await lastUrlFor('/t/acme/orders/9'), { status: 200, url: '/tenants/acme/orders/9?src=gw' });
  });

  it('serves the prefix with a trailing slash as an empty rest', async () => {
    assert.deepEqual(await lastUrlFor('/v1/'), { status: 200, url: '/legacy/' });
  });

  it('never hides the gateway own paths behind a root wildcard', async () => {
    const health = await request(`${gateway.url}/__health`);
    assert.equal(health.status, 200);
    assert.match(health.body, /"status":"ok"/);
    assert.deepEqual(await lastUrlFor('/anything/else'), { status: 200, url: '/root/anything/else' });
  });

  const unsafe: [string, string][] = [
    ['a dot-dot segment', '/v1/a/../../admin'],
    ['an encoded dot-dot segment', '/v1/a/%2e%2e/admin'],
    ['a dot segment', '/v1/./a'],
    ['an encoded slash', '/v1/a%2Fb'],
    ['an encoded backslash', '/v1/a%5C..%5Cb'],
    ['a double-encoded slash', '/v1/a%252Fb'],
    ['an encoded question mark', '/v1/a%3Fx=1'],
    ['a control character', '/v1/a%0D%0AX:1'],
  ];
  for (const [label, target] of unsafe) {
    it(`answers 400 "error: encoded url params" for ${label} in the rest, calling nothing`, async () => {
      const before = backend.requests.length;
      const result = await rawExchange(gateway.port, [`GET ${target} HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n`], { waitMs: 3_000, untilResponse: true });
      assert.equal(rawStatus(result.text), 400, result.text);
      assert.match(result.text, /error: encoded url params$/);
      assert.equal(backend.requests.length, before);
    });
  }

  it('answers 400 to a broken escape in the rest, calling nothing', async () => {
    const before = backend.requests.length;
    const result = await rawExchange(gateway.port, ['GET /v1/a%zz HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n'], { waitMs: 3_000, untilResponse: true });
    assert.equal(rawStatus(result.text), 400);
    assert.equal(backend.requests.length, before);
  });
});

describe('wildcard endpoints with router.disable_path_decoding', () => {
  let backend: RecordingBackend;
  let gateway: TestGateway;
  before(async () => {
    backend = await startRecordingBackend();
    gateway = await startGateway({
      version: 3,
      extra_config: { router: { disable_path_decoding: true } },
      endpoints: [{ endpoint: '/files/*', backend: [{ host: [backend.url], url_pattern: '/store' }] }],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('redirects the bare prefix to its trailing-slash form, as gin does for catch-all routes', async () => {
    const response = await request(`${gateway.url}/files`);
    assert.equal(response.status, 301);
    assert.equal(response.headers.location, '/files/');
  });

  it('passes encoded slashes through encoded, and still refuses dot-segments', async () => {
    const ok = await request(`${gateway.url}/files/a%2Fb/c`);
    assert.equal(ok.status, 200);
    assert.equal(backend.requests.at(-1)?.url, '/store/a%2Fb/c');
    for (const target of ['/files/%2e%2e/x', '/files/a%2F..%2Fb']) {
      const result = await rawExchange(gateway.port, [`GET ${target} HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n`], { waitMs: 3_000, untilResponse: true });
      assert.equal(rawStatus(result.text), 400, target);
    }
  });
});
