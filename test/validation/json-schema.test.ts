/** `validation/json-schema`: request bodies checked before any backend is called. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { openSocket, rawExchange, rawStatus, request, waitFor } from '../helpers/http.js';
import { startRecordingBackend } from '../helpers/recording-backend.js';
import type { RecordingBackend } from '../helpers/recording-backend.js';
import { startGateway, writeConfig } from '../helpers/servers.js';
import type { TestGateway } from '../helpers/servers.js';
import { components } from '../helpers/components.js';

const ADDRESS_SCHEMA = {
  type: 'object',
  required: ['number', 'street_name'],
  properties: {
    number: { type: 'number' },
    street_name: { type: 'string' },
    street_type: { enum: ['Street', 'Avenue', 'Boulevard'] },
  },
};

function endpoint(path: string, backends: Record<string, unknown>[], schema: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { endpoint: path, method: 'POST', backend: backends, extra_config: { 'validation/json-schema': schema }, ...extra };
}

describe('validation/json-schema', () => {
  let backend: RecordingBackend;
  let gateway: TestGateway;
  let quiet: TestGateway;
  before(async () => {
    backend = await startRecordingBackend();
    const be = (path: string, group?: string, method?: string) => ({ host: [backend.url], url_pattern: path, ...(group ? { group } : {}), ...(method ? { method } : {}) });
    const endpoints = [
      endpoint('/address', [be('/address')], ADDRESS_SCHEMA, { input_headers: ['Content-Type', 'Content-Length'] }),
      endpoint('/address-chunked', [be('/address-chunked')], ADDRESS_SCHEMA),
      // Several backends buffer the body before this component runs (sequential: the one safe non-GET merge).
      endpoint('/merged', [be('/one', 'one', 'GET'), be('/two', 'two', 'POST')], ADDRESS_SCHEMA, { extra_config: { 'validation/json-schema': ADDRESS_SCHEMA, proxy: { sequential: true } } }),
      endpoint('/number', [be('/number')], { type: 'number' }),
      endpoint('/draft-07', [be('/draft-07')], { $schema: 'http://json-schema.org/draft-07/schema#', type: 'array', items: [{ type: 'string' }, { type: 'integer' }], additionalItems: false }),
      endpoint('/draft-2020', [be('/draft-2020')], { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'array', prefixItems: [{ type: 'string' }, { type: 'integer' }], items: false }),
      endpoint('/same-id-a', [be('/a')], { $id: 'https://example.com/shared.json', type: 'string' }),
      endpoint('/same-id-b', [be('/b')], { $id: 'https://example.com/shared.json', type: 'integer' }),
      endpoint('/slow', [be('/slow')], { type: 'object' }, { timeout: '300ms' }),
    ];
    gateway = await startGateway({ version: 3, extra_config: { router: { return_error_msg: true } }, endpoints });
    quiet = await startGateway({ version: 3, endpoints: [endpoint('/address', [be('/quiet')], ADDRESS_SCHEMA)] });
  });
  after(async () => {
    await gateway.close();
    await quiet.close();
    await backend.close();
  });

  it('passes a valid body on, whole and with its length', async () => {
    const body = JSON.stringify({ number: 7, street_name: 'Main', street_type: 'Avenue' });
    const before = backend.requests.length;
    const response = await request(`${gateway.url}/address`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal(response.status, 200);
    assert.equal(backend.requests.length, before + 1);
    assert.equal(backend.requests.at(-1)?.body, body);
    assert.deepEqual(backend.lastHeaders()['content-length'], [String(Buffer.byteLength(body))]);
  });

  it('refuses a body the schema rejects with 400, before any backend is called, and says why with return_error_msg', async () => {
    const before = backend.requests.length;
    const response = await request(`${gateway.url}/address`, { method: 'POST', body: JSON.stringify({ number: 'seven', street_name: 'Main' }) });
    assert.equal(response.status, 400);
    // krakend-jsonschema (santhosh-tekuri/jsonschema v6) words it so.
    assert.equal(response.body, "- at '/number': got string, want number");
    assert.equal(response.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(response.headers['x-krakend-completed'], 'false');
    assert.equal(backend.requests.length, before);
  });

  it('reports a missing required property', async () => {
    const response = await request(`${gateway.url}/address`, { method: 'POST', body: JSON.stringify({ number: 1 }) });
    assert.equal(response.status, 400);
    assert.equal(response.body, "- at '': missing property 'street_name'");
  });

  it('answers an empty body with 400, as KrakenD does', async () => {
    const response = await request(`${gateway.url}/address`, { method: 'POST' });
    assert.equal(response.status, 400);
    assert.equal(response.body, 'could not validate an empty body');
  });

  it('answers a body that is not JSON with 400', async () => {
    const response = await request(`${gateway.url}/address`, { method: 'POST', body: '{"number": 1,' });
    assert.equal(response.status, 400);
    assert.match(response.body, /^the body is not valid JSON: /);
  });

  it('validates a body streamed in chunks, then sends the buffered body to the backend', async () => {
    const body = JSON.stringify({ number: 3, street_name: 'Chunked Road' });
    const chunk = (text: string): string => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;
    const result = await rawExchange(
      gateway.port,
      ['POST /address-chunked HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n', chunk(body.slice(0, 10)), `${chunk(body.slice(10))}0\r\n\r\n`],
      { gapMs: 30, untilResponse: true },
    );
    assert.equal(rawStatus(result.text), 200);
    assert.equal(backend.requests.at(-1)?.url, '/address-chunked');
    assert.equal(backend.requests.at(-1)?.body, body);
  });

  it('checks the buffered body of an endpoint with several backends, and passes it on', async () => {
    const body = JSON.stringify({ number: 1, street_name: 'Twin' });
    const response = await request(`${gateway.url}/merged`, { method: 'POST', body });
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.body), { one: { ok: true }, two: { ok: true } });
    const [first, second] = backend.requests.slice(-2);
    assert.equal(first?.method, 'GET');
    assert.equal(second?.method, 'POST');
    assert.equal(second?.body, body);
    const refused = await request(`${gateway.url}/merged`, { method: 'POST', body: '{}' });
    assert.equal(refused.status, 400);
  });

  it('checks documents that are not objects (KrakenD spec jsonschema_1)', async () => {
    assert.equal((await request(`${gateway.url}/number`, { method: 'POST', body: '{"foo": 42}' })).status, 400);
    assert.equal((await request(`${gateway.url}/number`, { method: 'POST', body: '42.5' })).status, 200);
  });

  it('reads the draft from $schema: draft-07 tuples and 2020-12 prefixItems', async () => {
    assert.equal((await request(`${gateway.url}/draft-07`, { method: 'POST', body: '["a", 1]' })).status, 200);
    assert.equal((await request(`${gateway.url}/draft-07`, { method: 'POST', body: '["a", 1, 2]' })).status, 400);
    assert.equal((await request(`${gateway.url}/draft-2020`, { method: 'POST', body: '["a", 1]' })).status, 200);
    assert.equal((await request(`${gateway.url}/draft-2020`, { method: 'POST', body: '["a", "b"]' })).status, 400);
  });

  it('keeps schemas of different endpoints apart even when they share an $id', async () => {
    assert.equal((await request(`${gateway.url}/same-id-a`, { method: 'POST', body: '"text"' })).status, 200);
    assert.equal((await request(`${gateway.url}/same-id-b`, { method: 'POST', body: '"text"' })).status, 400);
    assert.equal((await request(`${gateway.url}/same-id-b`, { method: 'POST', body: '12' })).status, 200);
  });

  it('answers within the endpoint timeout when the client stalls mid-body', async () => {
    const socket = await openSocket(gateway.port);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.write('POST /slow HTTP/1.1\r\nHost: gw\r\nContent-Length: 100\r\n\r\n{"partial":');
    assert.ok(await waitFor(() => chunks.length > 0, 3_000), 'the gateway did not answer');
    assert.match(Buffer.concat(chunks).toString(), /^HTTP\/1\.1 500 /);
    socket.destroy();
  });

  it('keeps the reason out of the answer without return_error_msg', async () => {
    const response = await request(`${quiet.url}/address`, { method: 'POST', body: '{}' });
    assert.equal(response.status, 400);
    assert.equal(response.body, '');
  });
});

describe('validation/json-schema config checks', () => {
  const configWith = (schema: Record<string, unknown>) => ({
    version: 3,
    endpoints: [{ endpoint: '/x', method: 'POST', backend: [{ host: ['http://127.0.0.1:1'], url_pattern: '/' }], extra_config: { 'validation/json-schema': schema } }],
  });

  it('refuses a schema that does not compile, at its path', async () => {
    const result = await loadConfig(await writeConfig(configWith({ type: 'object', properties: { a: { type: 'no-such-type' } } })), { components, env: {} });
    assert.equal(result.config, undefined);
    const issue = result.issues.find((item) => item.code === 'PRT_ERR_CONFIG_JSON_SCHEMA');
    assert.ok(issue, JSON.stringify(result.issues));
    assert.equal(issue.keyPath, 'endpoints[0].extra_config["validation/json-schema"]');
  });

  it('refuses a draft it does not support', async () => {
    const result = await loadConfig(await writeConfig(configWith({ $schema: 'http://json-schema.org/draft-04/schema#', type: 'object' })), { components, env: {} });
    assert.equal(result.config, undefined);
    assert.ok(result.issues.some((item) => item.code === 'PRT_ERR_CONFIG_JSON_SCHEMA' && item.keyPath.endsWith('["$schema"]')));
  });

  it('accepts draft-06 and 2019-09 schemas', async () => {
    for (const draft of ['http://json-schema.org/draft-06/schema#', 'https://json-schema.org/draft/2019-09/schema']) {
      const result = await loadConfig(await writeConfig(configWith({ $schema: draft, type: 'object' })), { components, env: {} });
      assert.ok(result.config, `${draft}: ${JSON.stringify(result.issues)}`);
    }
  });
});
