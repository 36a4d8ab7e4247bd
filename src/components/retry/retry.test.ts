import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cancellation } from '../../core/cancellation.js';
import { GatewayError } from '../../core/errors.js';
import type { BackendCall, CallOptions } from '../../transport/backend-call.js';
import { HttpClientError } from '../../transport/errors.js';
import { createRetry } from './retry.js';

const options: CallOptions = { stream: false, decompress: true, maxBodyBytes: 1 << 20, resendBodyOnRedirect: false };

function scripted(outcomes: (number | Error)[]) {
  const methods: string[] = [];
  const call: BackendCall = async (origin, request) => {
    methods.push(request.method);
    const outcome = outcomes[Math.min(methods.length - 1, outcomes.length - 1)] as number | Error;
    if (outcome instanceof Error) throw outcome;
    return { statusCode: outcome, headers: [], body: Buffer.alloc(0), stream: null, url: origin + request.target };
  };
  return { call, methods };
}

function retrying(call: BackendCall, maxRetries = 2, delays: number[] = []) {
  return createRetry({
    maxRetries,
    initialBackoffMs: 10,
    maxBackoffMs: 25,
    retryOn: new Set([503]),
    random: () => 0.999,
    onRetry: (_attempt, _cause, delayMs) => delays.push(delayMs),
  })(call);
}

const send = (call: BackendCall, method = 'GET', cancel = new Cancellation(), body: Buffer | null = null) => call('http://b', { method, target: '/', headerLines: '', body }, options, cancel);

test('a retryable status is retried until an answer that is not', async () => {
  const backend = scripted([503, 503, 200]);
  const reply = await send(retrying(backend.call));
  assert.equal(reply.statusCode, 200);
  assert.equal(backend.methods.length, 3);
});

test('after max_retries the last answer is handed on as it is', async () => {
  const backend = scripted([503]);
  const reply = await send(retrying(backend.call, 2));
  assert.equal(reply.statusCode, 503);
  assert.equal(backend.methods.length, 3);
});

test('statuses outside retry_on are not retried', async () => {
  const backend = scripted([500, 200]);
  assert.equal((await send(retrying(backend.call))).statusCode, 500);
  assert.equal(backend.methods.length, 1);
});

test('transport failures before an answer are retried; others are not', async () => {
  const reset = scripted([new HttpClientError('PRT_ERR_BACKEND_RESET', 'reset'), 200]);
  assert.equal((await send(retrying(reset.call))).statusCode, 200);
  assert.equal(reset.methods.length, 2);
  const tooLarge = scripted([new HttpClientError('PRT_ERR_BACKEND_TOO_LARGE', 'too large'), 200]);
  await assert.rejects(send(retrying(tooLarge.call)), { code: 'PRT_ERR_BACKEND_TOO_LARGE' });
  assert.equal(tooLarge.methods.length, 1);
});

test('back-off grows exponentially up to max_backoff (full jitter near its ceiling here)', async () => {
  const delays: number[] = [];
  const backend = scripted([503]);
  await send(retrying(backend.call, 4, delays));
  assert.deepEqual(delays, [9, 19, 24, 24]);
});

test('non-idempotent methods and streamed bodies get one attempt', async () => {
  const post = scripted([503, 200]);
  assert.equal((await send(retrying(post.call), 'POST', new Cancellation(), Buffer.from('x'))).statusCode, 503);
  assert.equal(post.methods.length, 1);
  const put = scripted([503, 200]);
  assert.equal((await send(retrying(put.call), 'PUT', new Cancellation(), Buffer.from('x'))).statusCode, 200, 'a buffered PUT can be replayed');
  assert.equal(put.methods.length, 2);
});

test('the cancellation stops the waiting between attempts', async () => {
  const backend = scripted([503]);
  const call = createRetry({ maxRetries: 5, initialBackoffMs: 60_000, maxBackoffMs: 60_000, retryOn: new Set([503]), random: () => 0.5 })(backend.call);
  const cancel = new Cancellation();
  const pending = send(call, 'GET', cancel);
  setTimeout(() => cancel.abort(new GatewayError('PRT_ERR_TIMEOUT', 'endpoint timed out')), 20);
  await assert.rejects(pending, { code: 'PRT_ERR_TIMEOUT' });
  assert.equal(backend.methods.length, 1);
});
