/** Parameter values can never reshape a backend URL (KrakenD's paramChecker and Portico's encoding). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rawExchange, rawStatus } from '../helpers/http.js';
import { startRecordingBackend } from '../helpers/recording-backend.js';
import type { RecordingBackend } from '../helpers/recording-backend.js';
import { startGateway } from '../helpers/servers.js';
import type { TestGateway } from '../helpers/servers.js';

describe('path parameters', () => {
  let backend: RecordingBackend;
  let gateway: TestGateway;
  before(async () => {
    backend = await startRecordingBackend();
    gateway = await startGateway({
      version: 3,
      endpoints: [
        { endpoint: '/p/{id}', backend: [{ host: [backend.url], url_pattern: '/items/{id}' }] },
        { endpoint: '/q/{foo}', backend: [{ host: [backend.url], url_pattern: '/search?foo={foo}' }] },
        { endpoint: '/both/{a}/{b}', backend: [{ host: [backend.url], url_pattern: '/x/{a}?b={b}' }] },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  /** Sends a raw request line, so no client library normalises the path first. */
  async function get(target: string) {
    const result = await rawExchange(gateway.port, [`GET ${target} HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n`], { waitMs: 3_000, untilResponse: true });
    const [head = '', body = ''] = result.text.split('\r\n\r\n');
    return { status: rawStatus(result.text), head, body };
  }

  const unsafe: [string, string][] = [
    ['encoded slash', '/p/a%2Fb'],
    ['encoded slash, lower case', '/p/a%2fb'],
    ['encoded question mark', '/p/a%3Fx=1'],
    ['encoded hash', '/p/a%23frag'],
    ['encoded dot-dot', '/p/%2e%2e'],
    ['encoded dot-dot, upper case', '/p/%2E%2E'],
    ['literal dot-dot', '/p/..'],
    ['encoded backslash', '/p/a%5Cb'],
    ['double-encoded slash', '/p/a%252Fb'],
    ['double-encoded dot-dot', '/p/%252e%252e'],
    ['NUL', '/p/a%00b'],
    ['CR LF', '/p/a%0D%0AX-Injected:%201'],
    ['DEL', '/p/a%7Fb'],
  ];

  for (const [label, target] of unsafe) {
    it(`answers 400 "error: encoded url params" for ${label} in a path parameter, calling nothing`, async () => {
      const before = backend.requests.length;
      const response = await get(target);
      assert.equal(response.status, 400);
      assert.equal(response.body, 'error: encoded url params');
      assert.match(response.head, /\r\nContent-Type: text\/plain; charset=utf-8\r\n/i);
      assert.doesNotMatch(response.head, /X-Krakend/i, 'the endpoint handler never ran');
      assert.equal(backend.requests.length, before, 'no backend call');
    });
  }

  it('passes ordinary encoded characters through, encoded for the path', async () => {
    for (const [target, expected] of [
      ['/p/hello%20world', '/items/hello%20world'],
      ['/p/caf%C3%A9', '/items/caf%C3%A9'],
      ['/p/a+b', '/items/a+b'],
      ['/p/user@example.com', '/items/user@example.com'],
    ] as const) {
      const response = await get(target);
      assert.equal(response.status, 200, target);
      assert.equal(backend.requests.at(-1)?.url, expected);
    }
  });

  it('encodes a value that lands only in the url_pattern query, and passes it', async () => {
    const response = await get('/q/a%2Fb');
    assert.equal(response.status, 200);
    const url = new URL(backend.requests.at(-1)?.url ?? '', 'http://backend');
    assert.equal(url.pathname, '/search');
    assert.equal(url.searchParams.get('foo'), 'a/b');
    assert.deepEqual([...url.searchParams.keys()], ['foo']);
  });

  it('cannot add query parameters through a query-part value', async () => {
    const response = await get('/q/x%26admin%3Dtrue%23y');
    assert.equal(response.status, 200);
    const url = new URL(backend.requests.at(-1)?.url ?? '', 'http://backend');
    assert.deepEqual([...url.searchParams.entries()], [['foo', 'x&admin=true#y']]);
    assert.equal(url.hash, '');
  });

  it('checks only the parameters that land in a path', async () => {
    const passed = await get('/both/plain/c%2Fd');
    assert.equal(passed.status, 200);
    const url = new URL(backend.requests.at(-1)?.url ?? '', 'http://backend');
    assert.equal(url.pathname, '/x/plain');
    assert.equal(url.searchParams.get('b'), 'c/d');
    const refused = await get('/both/c%2Fd/plain');
    assert.equal(refused.status, 400);
  });

  it('answers 400 for an invalid escape, calling nothing', async () => {
    const before = backend.requests.length;
    const response = await get('/p/%zz');
    assert.equal(response.status, 400);
    assert.equal(backend.requests.length, before);
  });
});
