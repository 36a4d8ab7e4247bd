/** `auth/client-credentials` through the whole gateway, against a token server started by the test. */
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, describe, it } from 'node:test';
import { delay, request } from '../helpers/http.js';
import { startRecordingBackend } from '../helpers/recording-backend.js';
import { startBackend, startGateway } from '../helpers/servers.js';
import type { RunningServer } from '../helpers/servers.js';

interface TokenRequest {
  authorization: string | undefined;
  form: URLSearchParams;
}

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closers) await close();
});

/** A token server: `answer` decides each reply from the request number (1-based). */
async function startTokenServer(answer: (count: number, response: ServerResponse) => void): Promise<RunningServer & { requests: TokenRequest[] }> {
  const requests: TokenRequest[] = [];
  const server = await startBackend((incoming: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      requests.push({ authorization: incoming.headers.authorization, form: new URLSearchParams(Buffer.concat(chunks).toString()) });
      answer(requests.length, response);
    });
  });
  closers.push(() => server.close());
  return Object.assign(server, { requests });
}

function authorizationOf(recorded: { rawHeaders: string[] }): string | undefined {
  const index = recorded.rawHeaders.findIndex((name) => name.toLowerCase() === 'authorization');
  return index < 0 ? undefined : recorded.rawHeaders[index + 1];
}

function tokenJson(response: ServerResponse, body: Record<string, unknown>, status = 200): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

async function gatewayFor(tokenUrl: string, backendUrl: string, extra: Record<string, unknown> = {}) {
  const gw = await startGateway({
    version: 3,
    endpoints: [
      {
        endpoint: '/orders',
        input_headers: ['Authorization'],
        backend: [
          {
            host: [backendUrl],
            url_pattern: '/orders',
            extra_config: { 'auth/client-credentials': { client_id: 'gateway', client_secret: 'secret', token_url: tokenUrl, scopes: 'orders:read,orders:write', endpoint_params: { audience: ['orders-api'] }, ...extra } },
          },
        ],
      },
    ],
  });
  closers.push(() => gw.close());
  return gw;
}

describe('auth/client-credentials', () => {
  it('sends the token as Authorization, replacing the client\'s, and reuses it', async () => {
    const idp = await startTokenServer((count, response) => tokenJson(response, { access_token: `token-${count}`, token_type: 'bearer', expires_in: 3600 }));
    const backend = await startRecordingBackend();
    closers.push(() => backend.close());
    const gw = await gatewayFor(`${idp.url}/token`, backend.url);
    for (let i = 0; i < 3; i++) assert.equal((await request(`${gw.url}/orders`, { headers: { authorization: 'Bearer from-the-client' } })).status, 200);
    assert.deepEqual(backend.requests.map(authorizationOf), ['Bearer token-1', 'Bearer token-1', 'Bearer token-1']);
    assert.equal(idp.requests.length, 1);
    const first = idp.requests[0] as TokenRequest;
    assert.equal(first.authorization, `Basic ${Buffer.from('gateway:secret').toString('base64')}`);
    assert.equal(first.form.get('grant_type'), 'client_credentials');
    assert.equal(first.form.get('scope'), 'orders:read orders:write');
    assert.equal(first.form.get('audience'), 'orders-api');
  });

  it('fetches a new token once the old one is within 10 s of expiring', async () => {
    // expires_in 11: the token is good for one second.
    const idp = await startTokenServer((count, response) => tokenJson(response, { access_token: `short-${count}`, expires_in: 11 }));
    const backend = await startRecordingBackend();
    closers.push(() => backend.close());
    const gw = await gatewayFor(`${idp.url}/token`, backend.url);
    await request(`${gw.url}/orders`);
    await request(`${gw.url}/orders`);
    await delay(1_100);
    await request(`${gw.url}/orders`);
    assert.deepEqual(backend.requests.map(authorizationOf), ['Bearer short-1', 'Bearer short-1', 'Bearer short-2']);
    assert.equal(idp.requests.length, 2);
  });

  it('concurrent requests share one token fetch', async () => {
    const idp = await startTokenServer((_count, response) => setTimeout(() => tokenJson(response, { access_token: 'slow' }), 150));
    const backend = await startRecordingBackend();
    closers.push(() => backend.close());
    const gw = await gatewayFor(`${idp.url}/token`, backend.url);
    const answers = await Promise.all(Array.from({ length: 8 }, () => request(`${gw.url}/orders`)));
    assert.ok(answers.every((answer) => answer.status === 200));
    assert.equal(idp.requests.length, 1);
    assert.equal(backend.requests.length, 8);
  });

  it('a refused token request fails the backend with a bounded 500 and never calls it', async () => {
    const idp = await startTokenServer((_count, response) => tokenJson(response, { error: 'invalid_client' }, 401));
    const backend = await startRecordingBackend();
    closers.push(() => backend.close());
    const gw = await gatewayFor(`${idp.url}/token`, backend.url);
    const answer = await request(`${gw.url}/orders`);
    assert.equal(answer.status, 500);
    assert.equal(answer.body, '');
    assert.equal(backend.requests.length, 0);
    assert.equal(idp.requests.length, 2, 'Basic, then the credentials in the form, as x/oauth2 probes');
    assert.ok(gw.log.lines.some((line) => line.includes('PRT_ERR_CLIENT_CREDENTIALS') || line.includes('cannot fetch token')));
    assert.ok(!gw.log.lines.some((line) => line.includes('secret')), 'the secret is never logged');
  });

  it('a hanging token server is bounded by the endpoint timeout', async () => {
    const idp = await startTokenServer(() => undefined);
    const backend = await startRecordingBackend();
    closers.push(() => backend.close());
    const gw = await startGateway({
      version: 3,
      endpoints: [{ endpoint: '/slow', timeout: '300ms', backend: [{ host: [backend.url], url_pattern: '/', extra_config: { 'auth/client-credentials': { client_id: 'a', client_secret: 'b', token_url: `${idp.url}/token` } } }] }],
    });
    closers.push(() => gw.close());
    const started = Date.now();
    const answer = await request(`${gw.url}/slow`);
    assert.equal(answer.status, 500);
    assert.ok(Date.now() - started < 2_000);
    assert.equal(backend.requests.length, 0);
  });

  it('the v2-era namespace KrakenD CE still reads works the same', async () => {
    const idp = await startTokenServer((_count, response) => tokenJson(response, { access_token: 'legacy' }));
    const backend = await startRecordingBackend();
    closers.push(() => backend.close());
    const gw = await startGateway({
      version: 3,
      endpoints: [{ endpoint: '/legacy', backend: [{ host: [backend.url], url_pattern: '/', extra_config: { 'github.com/devopsfaith/krakend-oauth2-clientcredentials': { client_id: 'a', client_secret: 'b', token_url: `${idp.url}/token` } } }] }],
    });
    closers.push(() => gw.close());
    assert.equal((await request(`${gw.url}/legacy`)).status, 200);
    assert.equal(authorizationOf(backend.requests[0] as { rawHeaders: string[] }), 'Bearer legacy');
  });

  it('is_disabled turns the block off; a token_url that is not http(s) warns', async () => {
    const backend = await startRecordingBackend();
    closers.push(() => backend.close());
    const gw = await gatewayFor('ftp://nowhere', backend.url, { is_disabled: true });
    assert.equal((await request(`${gw.url}/orders`)).status, 200);
    assert.equal(backend.lastHeaders()['authorization'], undefined);
    const warned = await gatewayFor('ftp://nowhere', backend.url);
    assert.ok(warned.warnings.some((issue) => issue.code === 'PRT_WARN_CONFIG_CLIENT_CREDENTIALS' && issue.keyPath.endsWith('token_url')));
    assert.equal((await request(`${warned.url}/orders`)).status, 500);
  });
});
