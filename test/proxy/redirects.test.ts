/** Backend redirects are followed like Go's client: 301/302/303/307, Referer set, method rules kept. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from '../helpers/http.js';
import { startRecordingBackend } from '../helpers/recording-backend.js';
import type { RecordingBackend } from '../helpers/recording-backend.js';
import { sendJson, startGateway } from '../helpers/servers.js';
import type { TestGateway } from '../helpers/servers.js';

describe('backend redirects', () => {
  let backend: RecordingBackend;
  let other: RecordingBackend;
  let gateway: TestGateway;
  before(async () => {
    other = await startRecordingBackend();
    backend = await startRecordingBackend((req, res, recorded) => {
      const match = /^\/r(\d{3})/.exec(req.url ?? '');
      if (match) {
        res.writeHead(Number(match[1]), { Location: '/target?from=' + match[1], 'Content-Length': '0' });
        return res.end();
      }
      if (req.url === '/cross-origin') {
        res.writeHead(302, { Location: `${other.url}/elsewhere`, 'Content-Length': '0' });
        return res.end();
      }
      if (req.url === '/loop') {
        res.writeHead(302, { Location: '/loop', 'Content-Length': '0' });
        return res.end();
      }
      sendJson(res, 200, { method: recorded.method, body: recorded.body, url: recorded.url });
    });
    const be = (path: string) => [{ host: [backend.url], url_pattern: path }];
    gateway = await startGateway({
      version: 3,
      endpoints: [
        ...['301', '302', '303', '307', '308'].map((code) => ({ endpoint: `/get-${code}`, input_headers: ['Authorization'], backend: be(`/r${code}`) })),
        { endpoint: '/post-303', method: 'POST', backend: be('/r303') },
        { endpoint: '/post-302', method: 'POST', backend: be('/r302') },
        { endpoint: '/post-307', method: 'POST', backend: be('/r307') },
        { endpoint: '/cross', input_headers: ['Authorization', 'X-Keep'], backend: be('/cross-origin') },
        { endpoint: '/loop', backend: be('/loop') },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
    await other.close();
  });

  for (const code of ['301', '302', '303', '307', '308']) {
    it(`follows a ${code} with Referer set to the redirecting URL`, async () => {
      const response = await request(`${gateway.url}/get-${code}`, { headers: { authorization: 'Bearer t' } });
      assert.equal(response.status, 200);
      assert.deepEqual(JSON.parse(response.body), { method: 'GET', body: '', url: `/target?from=${code}` });
      const last = backend.lastHeaders();
      assert.deepEqual(last['referer'], [`${backend.url}/r${code}`]);
      assert.deepEqual(last['authorization'], ['Bearer t'], 'same-origin redirects keep credentials');
    });
  }

  it('turns a POST into a GET without body on 302 and 303', async () => {
    for (const code of ['302', '303']) {
      const response = await request(`${gateway.url}/post-${code}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'payload' });
      assert.equal(response.status, 200);
      assert.deepEqual(JSON.parse(response.body), { method: 'GET', body: '', url: `/target?from=${code}` });
      assert.equal(backend.lastHeaders()['content-type'], undefined);
    }
  });

  it('does not replay a streamed POST body on 307: the redirect is the answer', async () => {
    const response = await request(`${gateway.url}/post-307`, { method: 'POST', body: 'payload' });
    assert.equal(response.status, 500, 'a 307 is not a success status');
    assert.equal(backend.requests.at(-1)?.url, '/r307', 'the target was not called');
  });

  it('drops credentials on a redirect to another origin', async () => {
    const response = await request(`${gateway.url}/cross`, { headers: { authorization: 'Bearer t', 'x-keep': 'yes' } });
    assert.equal(response.status, 200);
    const headers = other.lastHeaders();
    assert.equal(other.requests.at(-1)?.url, '/elsewhere');
    assert.equal(headers['authorization'], undefined);
    assert.deepEqual(headers['x-keep'], ['yes']);
    assert.deepEqual(headers['referer'], [`${backend.url}/cross-origin`]);
  });

  it('stops after 10 redirects and answers 500', async () => {
    const before = backend.requests.length;
    const response = await request(`${gateway.url}/loop`);
    assert.equal(response.status, 500);
    assert.equal(backend.requests.length - before, 11, 'the first call and ten redirects');
  });
});
