/**
 * `backend/lambda` against a local server speaking Lambda's Invoke API
 * (`POST /2015-03-31/functions/{name}/invocations`), reached through `endpoint`, with dummy credentials.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { request } from '../helpers/http.js';
import { startRecordingBackend } from '../helpers/recording-backend.js';
import type { RecordingBackend } from '../helpers/recording-backend.js';
import { startGateway } from '../helpers/servers.js';

before(() => {
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'AKIDTEST',
    AWS_SECRET_ACCESS_KEY: 'secret-for-tests',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
    AWS_CONFIG_FILE: '/nonexistent/config',
  });
});

/** What the fake Lambda service does per function name. */
function answerAsLambda(response: ServerResponse, name: string, payload: string, attempt: number): void {
  const json = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
    response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    response.end(JSON.stringify(body));
  };
  switch (name) {
    case 'echo':
      return json(200, { received: JSON.parse(payload) as unknown, internal: 'hidden' }, { 'X-Amz-Executed-Version': '7' });
    case 'crash':
      return json(200, { errorMessage: 'boom', errorType: 'Error' }, { 'X-Amz-Function-Error': 'Unhandled', 'X-Amz-Executed-Version': '$LATEST' });
    case 'list':
      return json(200, [1, 2, 3]);
    case 'flaky':
      return attempt === 1 ? json(500, { message: 'try again' }, { 'x-amzn-ErrorType': 'ServiceException' }) : json(200, { ok: true });
    default:
      return json(404, { Type: 'User', message: `Function not found: ${name}` }, { 'x-amzn-ErrorType': 'ResourceNotFoundException' });
  }
}

async function fakeLambda(): Promise<RecordingBackend> {
  const calls = new Map<string, number>();
  return startRecordingBackend((incoming, response, recorded) => {
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(recorded.url);
    const name = decodeURIComponent(match?.[1] ?? '');
    calls.set(name, (calls.get(name) ?? 0) + 1);
    assert.equal(incoming.method, 'POST');
    assert.match(String(incoming.headers['authorization']), /Credential=AKIDTEST\//, 'requests are signed with the credentials from the environment');
    answerAsLambda(response, name, recorded.body, calls.get(name) as number);
  });
}

function lambdaBackend(lambda: RecordingBackend, block: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { host: ['http://ignored'], url_pattern: '/ignored', ...extra, extra_config: { 'backend/lambda': { region: 'eu-west-1', endpoint: lambda.url, ...block } } };
}

test('GET: the function comes from the endpoint param, the payload is the params with lower-cased names; the answer is shaped data', async (t) => {
  const lambda = await fakeLambda();
  t.after(() => lambda.close());
  const gateway = await startGateway({
    version: 3,
    endpoints: [{ endpoint: '/call/{function}/{Id}', backend: [lambdaBackend(lambda, { function_param_name: 'Function' }, { deny: ['internal'] })] }],
  });
  t.after(() => gateway.close());
  const answer = await request(`${gateway.url}/call/echo/42`);
  assert.equal(answer.status, 200);
  assert.deepEqual(JSON.parse(answer.body), { received: { function: 'echo', id: '42' } });
  assert.equal(answer.headers['x-amz-executed-version'], '7');
  assert.equal(lambda.requests[0]?.url, '/2015-03-31/functions/echo/invocations');
  assert.equal(lambda.requests[0]?.body, '{"function":"echo","id":"42"}\n');
});

test('POST: function_name, and the request body is the payload as it came', async (t) => {
  const lambda = await fakeLambda();
  t.after(() => lambda.close());
  const gateway = await startGateway({ version: 3, endpoints: [{ endpoint: '/orders', method: 'POST', backend: [lambdaBackend(lambda, { function_name: 'echo' })] }] });
  t.after(() => gateway.close());
  const answer = await request(`${gateway.url}/orders`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"qty":3}' });
  assert.equal(answer.status, 200);
  assert.deepEqual(JSON.parse(answer.body), { received: { qty: 3 }, internal: 'hidden' });
  assert.equal(lambda.requests[0]?.body, '{"qty":3}');
});

test('errors: a function error passes as data (as in KrakenD); an unknown function or a non-object answer is a 500', async (t) => {
  const lambda = await fakeLambda();
  t.after(() => lambda.close());
  const gateway = await startGateway({
    version: 3,
    endpoints: [
      { endpoint: '/crash', backend: [lambdaBackend(lambda, { function_name: 'crash' })] },
      { endpoint: '/missing', backend: [lambdaBackend(lambda, { function_name: 'nope', max_retries: 0 })] },
      { endpoint: '/list', backend: [lambdaBackend(lambda, { function_name: 'list' })] },
    ],
  });
  t.after(() => gateway.close());
  const crash = await request(`${gateway.url}/crash`);
  assert.equal(crash.status, 200);
  assert.deepEqual(JSON.parse(crash.body), { errorMessage: 'boom', errorType: 'Error' });
  const missing = await request(`${gateway.url}/missing`);
  assert.equal(missing.status, 500);
  assert.equal(lambda.requests.filter((r) => r.url.includes('/nope/')).length, 1, 'a client error is not retried');
  assert.equal((await request(`${gateway.url}/list`)).status, 500);
});

test('max_retries: a throttled or failed invocation is retried that many times', async (t) => {
  const lambda = await fakeLambda();
  t.after(() => lambda.close());
  const gateway = await startGateway({
    version: 3,
    endpoints: [{ endpoint: '/flaky', backend: [lambdaBackend(lambda, { function_name: 'flaky', max_retries: 1 })] }],
  });
  t.after(() => gateway.close());
  const answer = await request(`${gateway.url}/flaky`);
  assert.equal(answer.status, 200);
  assert.deepEqual(JSON.parse(answer.body), { ok: true });
  assert.equal(lambda.requests.length, 2);
});
