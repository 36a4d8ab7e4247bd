/** The X-Forwarded-For a backend sees is the real peer unless the peer is a trusted proxy. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from '../helpers/http.js';
import { startRecordingBackend } from '../helpers/recording-backend.js';
import type { RecordingBackend } from '../helpers/recording-backend.js';
import { startGateway } from '../helpers/servers.js';

describe('X-Forwarded-For', () => {
  let backend: RecordingBackend;
  before(async () => {
    backend = await startRecordingBackend();
  });
  after(() => backend.close());

  const endpoints = () => [{ endpoint: '/ip', input_headers: ['*'], backend: [{ host: [backend.url], url_pattern: '/ip' }] }];

  async function forwardedFor(router: Record<string, unknown> | undefined, headers: Record<string, string>): Promise<string[] | undefined> {
    const gateway = await startGateway({ version: 3, endpoints: endpoints(), ...(router ? { extra_config: { router } } : {}) });
    try {
      const response = await request(`${gateway.url}/ip`, { headers });
      assert.equal(response.status, 200);
      return backend.lastHeaders()['x-forwarded-for'];
    } finally {
      await gateway.close();
    }
  }

  it('is the peer address, replacing a client-sent value, by default', async () => {
    assert.deepEqual(await forwardedFor(undefined, { 'x-forwarded-for': '203.0.113.9' }), ['127.0.0.1']);
    assert.deepEqual(await forwardedFor(undefined, {}), ['127.0.0.1']);
  });

  it('ignores X-Real-IP and other spoofable headers by default', async () => {
    assert.deepEqual(await forwardedFor(undefined, { 'x-real-ip': '203.0.113.9', 'x-forwarded-for': '198.51.100.1, 203.0.113.9' }), ['127.0.0.1']);
  });

  it('trusts the client value only from a trusted proxy with forwarded_by_client_ip', async () => {
    const trusted = { forwarded_by_client_ip: true, trusted_proxies: ['127.0.0.1/32'] };
    assert.deepEqual(await forwardedFor(trusted, { 'x-forwarded-for': '203.0.113.9' }), ['203.0.113.9']);
  });

  it('walks the chain from the right, skipping trusted hops', async () => {
    const trusted = { forwarded_by_client_ip: true, trusted_proxies: ['127.0.0.1', '10.0.0.0/8'] };
    assert.deepEqual(await forwardedFor(trusted, { 'x-forwarded-for': '198.51.100.7, 203.0.113.9, 10.1.2.3' }), ['203.0.113.9']);
  });

  it('keeps the peer address when the peer is not a trusted proxy', async () => {
    const untrusted = { forwarded_by_client_ip: true, trusted_proxies: ['10.0.0.0/8'] };
    assert.deepEqual(await forwardedFor(untrusted, { 'x-forwarded-for': '203.0.113.9' }), ['127.0.0.1']);
  });

  it('keeps the peer address when the header is not an IP', async () => {
    const trusted = { forwarded_by_client_ip: true, trusted_proxies: ['127.0.0.1'] };
    assert.deepEqual(await forwardedFor(trusted, { 'x-forwarded-for': 'not-an-ip' }), ['127.0.0.1']);
  });

  it('reads remote_ip_headers when configured', async () => {
    const custom = { forwarded_by_client_ip: true, trusted_proxies: ['127.0.0.1'], remote_ip_headers: ['X-Client-IP'] };
    assert.deepEqual(await forwardedFor(custom, { 'x-client-ip': '192.0.2.44', 'x-forwarded-for': '203.0.113.9' }), ['192.0.2.44']);
  });
});
