/** Query strings and url_pattern variables: only the allowed ones reach the backend. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from '../helpers/http.js';
import { startRecordingBackend } from '../helpers/recording-backend.js';
import type { RecordingBackend } from '../helpers/recording-backend.js';
import { startGateway } from '../helpers/servers.js';
import type { TestGateway } from '../helpers/servers.js';

describe('query strings and url_pattern', () => {
  let backend: RecordingBackend;
  let gateway: TestGateway;
  before(async () => {
    backend = await startRecordingBackend();
    const be = (path: string, extra: Record<string, unknown> = {}) => [{ host: [backend.url], url_pattern: path, ...extra }];
    gateway = await startGateway({
      version: 3,
      endpoints: [
        { endpoint: '/none', backend: be('/none') },
        { endpoint: '/listed', input_query_strings: ['page', 'tag'], backend: be('/listed') },
        { endpoint: '/all', input_query_strings: ['*'], backend: be('/all') },
        { endpoint: '/own-query', input_query_strings: ['page'], backend: be('/own?fixed=1') },
        { endpoint: '/per-backend', input_query_strings: ['a', 'b'], backend: be('/per-backend', { input_query_strings: ['b'] }) },
        { endpoint: '/users/{id}/posts/{post}', backend: be('/v2/{post}/by/{id}') },
        { endpoint: '/mixed/{id}', input_query_strings: ['q'], backend: be('/m/{id}?id={id}') },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  const lastUrl = () => backend.requests.at(-1)?.url;

  it('forwards no query string by default', async () => {
    await request(`${gateway.url}/none?page=2&secret=x`);
    assert.equal(lastUrl(), '/none');
  });

  it('forwards only the listed query strings, keys sorted, repeated values kept', async () => {
    await request(`${gateway.url}/listed?tag=b&secret=x&page=2&tag=a`);
    assert.equal(lastUrl(), '/listed?page=2&tag=b&tag=a');
  });

  it('re-encodes values the way Go does', async () => {
    await request(`${gateway.url}/listed?page=a%20b%26c%3Dd&tag=%C3%A9`);
    assert.equal(lastUrl(), '/listed?page=a+b%26c%3Dd&tag=%C3%A9');
  });

  it('forwards every query string with "*"', async () => {
    await request(`${gateway.url}/all?z=1&a=2`);
    assert.equal(lastUrl(), '/all?a=2&z=1');
  });

  it("appends the client's query to the url_pattern's own", async () => {
    await request(`${gateway.url}/own-query?page=3&other=1`);
    assert.equal(lastUrl(), '/own?fixed=1&page=3');
  });

  it('applies a backend input_query_strings filter after the endpoint one', async () => {
    await request(`${gateway.url}/per-backend?a=1&b=2&c=3`);
    assert.equal(lastUrl(), '/per-backend?b=2');
  });

  it('substitutes {vars} anywhere in the url_pattern', async () => {
    await request(`${gateway.url}/users/42/posts/abc`);
    assert.equal(lastUrl(), '/v2/abc/by/42');
  });

  it('substitutes a {var} in both path and query of the url_pattern', async () => {
    await request(`${gateway.url}/mixed/7?q=x`);
    assert.equal(lastUrl(), '/m/7?id=7&q=x');
  });
});

describe('round robin over host[]', () => {
  it('spreads requests over every host in turn', async () => {
    const first = await startRecordingBackend();
    const second = await startRecordingBackend();
    const gateway = await startGateway({ version: 3, endpoints: [{ endpoint: '/rr', backend: [{ host: [first.url, second.url], url_pattern: '/rr' }] }] });
    try {
      for (let i = 0; i < 6; i++) assert.equal((await request(`${gateway.url}/rr`)).status, 200);
      assert.equal(first.requests.length, 3);
      assert.equal(second.requests.length, 3);
    } finally {
      await gateway.close();
      await first.close();
      await second.close();
    }
  });

  it('inherits the root host list', async () => {
    const backend = await startRecordingBackend();
    const gateway = await startGateway({ version: 3, host: [backend.url], endpoints: [{ endpoint: '/inherit', backend: [{ url_pattern: '/from-root' }] }] });
    try {
      assert.equal((await request(`${gateway.url}/inherit`)).status, 200);
      assert.equal(backend.requests.at(-1)?.url, '/from-root');
    } finally {
      await gateway.close();
      await backend.close();
    }
  });
});
