/**
 * `qos/http-cache` through the whole gateway against a real backend on loopback: hits skip the backend,
 * and the backend's Cache-Control, Vary and the size bounds decide what is kept.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { request } from '../helpers/http.js';
import { startBackend, startGateway } from '../helpers/servers.js';
import type { RunningServer } from '../helpers/servers.js';

describe('qos/http-cache', () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const close of closers) await close();
  });
  const hits = new Map<string, number>();
  let backend: RunningServer;

  /** Answers `{path, hit, lang}` with the Cache-Control / Vary named by the path. */
  async function origin(): Promise<RunningServer> {
    if (backend) return backend;
    backend = await startBackend((req, res) => {
      const path = (req.url ?? '').split('?')[0] as string;
      const hit = (hits.get(req.url ?? '') ?? 0) + 1;
      hits.set(req.url ?? '', hit);
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (path.startsWith('/fresh')) headers['Cache-Control'] = 'public, max-age=60';
      if (path === '/nostore') headers['Cache-Control'] = 'no-store';
      if (path === '/private') headers['Cache-Control'] = 'private, max-age=60';
      if (path === '/vary') Object.assign(headers, { 'Cache-Control': 'max-age=60', Vary: 'Accept-Language' });
      if (path === '/big') headers['Cache-Control'] = 'max-age=60';
      const body = JSON.stringify({ path, hit, lang: req.headers['accept-language'] ?? null, padding: path === '/big' ? 'x'.repeat(4096) : '' });
      res.writeHead(200, { ...headers, 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    });
    closers.push(() => backend.close());
    return backend;
  }

  async function gateway(backendExtra: Record<string, unknown>, endpoints: { path: string; extra?: Record<string, unknown> }[]) {
    const server = await origin();
    const gw = await startGateway({
      version: 3,
      endpoints: endpoints.map(({ path, extra }) => ({
        endpoint: path,
        ...extra,
        backend: [{ host: [server.url], url_pattern: path, extra_config: { 'qos/http-cache': backendExtra } }],
      })),
    });
    closers.push(() => gw.close());
    return gw;
  }

  it('serves fresh responses from memory: the backend is called once', async () => {
    const gw = await gateway({}, [{ path: '/fresh' }]);
    const bodies = [];
    for (let i = 0; i < 3; i++) bodies.push(JSON.parse((await request(`${gw.url}/fresh`)).body));
    assert.deepEqual(bodies.map((body) => body.hit), [1, 1, 1]);
    assert.equal(hits.get('/fresh'), 1);
  });

  it('never keeps no-store answers, nor private ones unless shared is false', async () => {
    const gw = await gateway({}, [{ path: '/nostore' }, { path: '/private' }]);
    for (let i = 0; i < 2; i++) {
      await request(`${gw.url}/nostore`);
      await request(`${gw.url}/private`);
    }
    assert.equal(hits.get('/nostore'), 2);
    assert.equal(hits.get('/private'), 2);
    const personal = await gateway({ shared: false }, [{ path: '/private' }]);
    await request(`${personal.url}/private`);
    await request(`${personal.url}/private`);
    assert.equal(hits.get('/private'), 3, 'a private (KrakenD default) cache keeps it');
  });

  it('keeps one variant per Vary header value', async () => {
    const gw = await gateway({}, [{ path: '/vary', extra: { input_headers: ['Accept-Language'] } }]);
    const ask = async (lang: string) => JSON.parse((await request(`${gw.url}/vary`, { headers: { 'accept-language': lang } })).body);
    assert.equal((await ask('en')).lang, 'en');
    assert.equal((await ask('fr')).lang, 'fr');
    assert.equal((await ask('en')).lang, 'en');
    assert.equal((await ask('fr')).lang, 'fr');
    assert.equal(hits.get('/vary'), 2);
  });

  it('does not keep an answer larger than max_size, and keeps at most max_items', async () => {
    const gw = await gateway({ max_size: 2048, max_items: 2 }, [{ path: '/big' }, { path: '/fresh-items', extra: { input_query_strings: ['page'] } }]);
    await request(`${gw.url}/big`);
    await request(`${gw.url}/big`);
    assert.equal(hits.get('/big'), 2);
    for (const page of [1, 2, 3, 1, 3]) await request(`${gw.url}/fresh-items?page=${page}`);
    assert.equal(hits.get('/fresh-items?page=1'), 2, 'with two items, page 1 was evicted by page 3');
    assert.equal(hits.get('/fresh-items?page=3'), 1);
  });

  it('caches no-op backends too: status, headers and body pass through, with Age', async () => {
    const server = await origin();
    const gw = await startGateway({
      version: 3,
      endpoints: [{ endpoint: '/fresh-noop', output_encoding: 'no-op', backend: [{ host: [server.url], url_pattern: '/fresh-noop', encoding: 'no-op', extra_config: { 'qos/http-cache': {} } }] }],
    });
    closers.push(() => gw.close());
    const first = await request(`${gw.url}/fresh-noop`);
    const second = await request(`${gw.url}/fresh-noop`);
    assert.equal(hits.get('/fresh-noop'), 1);
    assert.equal(second.status, 200);
    assert.equal(second.body, first.body);
    assert.equal(second.headers['cache-control'], 'public, max-age=60');
    assert.match(String(second.headers['age']), /^\d+$/);
  });

  it('does not cache POST backends', async () => {
    const server = await origin();
    const gw = await startGateway({
      version: 3,
      endpoints: [{ endpoint: '/fresh-post', method: 'POST', backend: [{ host: [server.url], url_pattern: '/fresh-post', extra_config: { 'qos/http-cache': {} } }] }],
    });
    closers.push(() => gw.close());
    await request(`${gw.url}/fresh-post`, { method: 'POST', body: '{}' });
    await request(`${gw.url}/fresh-post`, { method: 'POST', body: '{}' });
    assert.equal(hits.get('/fresh-post'), 2);
  });
});
