import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readAll, sendJson, startBackend, startGateway } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';

describe('backend/http/client.send_body_on_redirect', () => {
  let backend: RunningServer;
  let gateway: TestGateway;
  const arrivals: string[] = [];

  before(async () => {
    backend = await startBackend(async (request, response) => {
      const body = await readAll(request);
      arrivals.push(`${request.method as string} ${request.url as string} ${body}`);
      const status = /^\/old\/(\d+)$/.exec(request.url as string)?.[1];
      if (status) {
        response.writeHead(Number(status), { Location: '/new', 'Content-Length': '0' });
        response.end();
        return;
      }
      sendJson(response, 200, { method: request.method, body });
    });
    const backendFor = (status: number, resend: boolean) => ({
      host: [backend.url],
      url_pattern: `/old/${status}`,
      extra_config: resend ? { 'backend/http/client': { send_body_on_redirect: true } } : {},
    });
    gateway = await startGateway({
      version: 3,
      endpoints: [
        { endpoint: '/resend/307', method: 'POST', backend: [backendFor(307, true)] },
        { endpoint: '/resend/308', method: 'PUT', backend: [backendFor(308, true)] },
        { endpoint: '/keep/307', method: 'POST', backend: [backendFor(307, false)] },
        { endpoint: '/resend/303', method: 'POST', backend: [backendFor(303, true)] },
        {
          endpoint: '/resend/sequential',
          method: 'POST',
          extra_config: { proxy: { sequential: true } },
          backend: [{ host: [backend.url], url_pattern: '/first', method: 'GET', group: 'first' }, backendFor(307, true)],
        },
      ],
    });
  });

  after(async () => {
    await gateway?.close();
    await backend?.close();
  });

  const send = (path: string, method = 'POST') => fetch(`${gateway.url}${path}`, { method, body: 'payload', headers: { 'Content-Type': 'text/plain' } });

  it('replays the body on a 307 and a 308 when enabled, keeping the method', async () => {
    arrivals.length = 0;
    const response = await send('/resend/307');
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { method: 'POST', body: 'payload' });
    assert.deepEqual(arrivals, ['POST /old/307 payload', 'POST /new payload']);
    const put = await send('/resend/308', 'PUT');
    assert.deepEqual(await put.json(), { method: 'PUT', body: 'payload' });
  });

  it('does not follow a 307 with a body when disabled, as Go cannot rewind it', async () => {
    arrivals.length = 0;
    const response = await send('/keep/307');
    assert.equal(response.status, 500);
    assert.deepEqual(arrivals, ['POST /old/307 payload']);
  });

  it('follows a 303 with a GET and no body either way', async () => {
    const response = await send('/resend/303');
    assert.deepEqual(await response.json(), { method: 'GET', body: '' });
  });

  it('replays a body that was already buffered for several backends', async () => {
    const response = await send('/resend/sequential');
    assert.equal(response.status, 200);
    const body = (await response.json()) as Record<string, unknown>;
    assert.equal(body['body'], 'payload');
    assert.equal(body['method'], 'POST');
  });
});
