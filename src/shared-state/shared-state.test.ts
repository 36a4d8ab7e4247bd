/**
 * The primary's state (host) and the workers' clients, wired by a fake cluster channel that serializes
 * as JSON, like node:cluster's channel, and delivers on a later turn. Time is a ManualClock for buckets and
 * breakers; client timeouts use short real timers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../components/clock.js';
import { entryCodec } from '../components/http-cache/http-cache.js';
import type { Entry } from '../components/http-cache/http-cache.js';
import { createSharedStore } from '../components/http-cache/store.js';
import { CLIENT_LIMITED, ENDPOINT_LIMITED } from '../components/ratelimit/router-limiter.js';
import { createSharedBucket, createSharedRouterLimiter } from '../components/ratelimit/shared-limiters.js';
import { SharedStateClient } from './client.js';
import type { StateChannel } from './client.js';
import { SharedStateHost } from '../runtime/shared-state-host.js';
import { OP, STATE_TAG, stateCalls, UNAVAILABLE } from './protocol.js';
import type { Declaration } from './protocol.js';

interface Worker {
  client: SharedStateClient;
  /** Messages the worker sent (each one batch). */
  sent: unknown[];
  /** Stops answering, as a primary stuck in a long task would. */
  mute(): void;
  unmute(): void;
  /** The IPC channel closes (the primary is gone). */
  disconnect(): void;
}

function connect(host: SharedStateHost, id: number, timeoutMs = 1_000): Worker {
  let listener: (message: unknown) => void = () => undefined;
  let onClose: () => void = () => undefined;
  let muted = false;
  const held: (() => void)[] = [];
  const sent: unknown[] = [];
  const channel: StateChannel = {
    send(message) {
      sent.push(message);
      const copy = JSON.parse(JSON.stringify(message)) as unknown;
      setImmediate(() => {
        const answers = host.receive(id, stateCalls(copy) ?? []);
        if (answers.length === 0) return;
        const deliver = (): void => listener(JSON.parse(JSON.stringify({ [STATE_TAG]: answers })) as unknown);
        if (muted) held.push(deliver);
        else deliver();
      });
    },
    onMessage: (l) => (listener = l),
    onClose: (l) => (onClose = l),
  };
  return {
    client: new SharedStateClient(channel, { timeoutMs }),
    sent,
    mute: () => (muted = true),
    unmute() {
      muted = false;
      for (const deliver of held.splice(0)) deliver();
    },
    disconnect: () => onClose(),
  };
}

const hour = 3_600_000;

function response(body: Buffer): Entry {
  return {
    kind: 'response',
    statusCode: 200,
    headers: ['Content-Type', 'application/octet-stream'],
    body,
    url: 'http://backend/x',
    responseTime: 1,
    initialAgeMs: 0,
    lifetimeMs: 60_000,
    mustRevalidate: false,
    etag: undefined,
    lastModified: 'Wed, 02 Dec 2026 07:00:00 GMT',
    vary: [],
    size: 200 + body.length,
  };
}

/** Reports sent without an answer have reached the host (flush turn, then delivery turn). */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));

/** The client's timeout timer is unref'd (a worker's server keeps it alive): here a test must. */
function keepAlive(): () => void {
  const timer = setInterval(() => undefined, 1_000);
  return () => clearInterval(timer);
}
const router = (capacity: number, client?: number): Extract<Declaration, { kind: 'router' }> => ({
  kind: 'router',
  endpoint: { ratePerMs: 1 / hour, capacity },
  client: client === undefined ? undefined : { ratePerMs: 1 / hour, capacity: client },
  numShards: 4,
  maxClients: 100,
  cleanupMs: 60_000,
});

test('an endpoint limit holds across workers: capacity requests in all, then 503', async () => {
  const host = new SharedStateHost({ clock: new ManualClock() });
  const [a, b] = [connect(host, 1), connect(host, 2)];
  const id = 'qos/ratelimit/router GET /x';
  const checkA = createSharedRouterLimiter(a.client, id, router(3));
  const checkB = createSharedRouterLimiter(b.client, id, router(3));
  const verdicts = [await checkA(undefined), await checkB(undefined), await checkA(undefined), await checkB(undefined), await checkA(undefined)];
  assert.deepEqual(verdicts, [0, 0, 0, ENDPOINT_LIMITED, ENDPOINT_LIMITED]);
  assert.equal(host.declared, 1, 'both workers declared the same state once');
  host.close();
});

test('client buckets hold across workers, per client; an empty key is refused without asking', async () => {
  const host = new SharedStateHost({ clock: new ManualClock() });
  const [a, b] = [connect(host, 1), connect(host, 2)];
  const id = 'qos/ratelimit/router GET /c';
  const checkA = createSharedRouterLimiter(a.client, id, router(100, 1));
  const checkB = createSharedRouterLimiter(b.client, id, router(100, 1));
  assert.equal(await checkA('10.0.0.1'), 0);
  assert.equal(await checkB('10.0.0.1'), CLIENT_LIMITED, 'the other worker sees the same client bucket');
  assert.equal(await checkB('10.0.0.2'), 0, 'another client has its own bucket');
  const before = b.sent.length;
  assert.equal(checkB(''), CLIENT_LIMITED);
  assert.equal(b.sent.length, before, 'nothing was sent for an empty key');
  host.close();
});

test('questions of one turn travel as one message, each gets its own answer; reports leave at once', async () => {
  const host = new SharedStateHost({ clock: new ManualClock() });
  const a = connect(host, 1);
  const take = createSharedBucket(a.client, 'qos/ratelimit/proxy ["b"]', { ratePerMs: 1 / hour, capacity: 5 });
  await new Promise((resolve) => setImmediate(resolve)); // the declaration leaves first
  const sentBefore = a.sent.length;
  const results = await Promise.all(Array.from({ length: 8 }, () => take()));
  assert.deepEqual(results, [true, true, true, true, true, false, false, false]);
  assert.equal(a.sent.length - sentBefore, 1, 'eight calls, one message');
  a.client.tell(OP.cacheDelete, 'qos/http-cache ["none"]', 'GET /x');
  assert.equal(a.sent.length - sentBefore, 2, 'a report leaves at once, not on the next turn');
  host.close();
});

test('a breaker opens after max_errors across workers, and a dead worker does not hold its half-open probe', async () => {
  const clock = new ManualClock();
  const changes: string[] = [];
  const host = new SharedStateHost({ clock, log: (message) => changes.push(message) });
  const [a, b] = [connect(host, 1), connect(host, 2)];
  const name = 'qos/circuit-breaker ["b"]';
  const declaration: Declaration = { kind: 'breaker', intervalMs: 60_000, timeoutMs: 10_000, maxErrors: 1, changeLog: 'cb' };
  const id = a.client.declare(name, declaration);
  assert.equal(b.client.declare(name, declaration), id, 'the same settings, the same id in every worker');
  const fail = async (worker: Worker): Promise<unknown> => {
    const admitted = await worker.client.ask(OP.breakerEnter, id);
    if (typeof admitted === 'number') worker.client.tell(OP.breakerLeave, id, admitted, false);
    return admitted;
  };
  assert.equal(typeof (await fail(a)), 'number');
  assert.equal(typeof (await fail(b)), 'number', 'max_errors: 1 tolerates one error');
  assert.equal(await b.client.ask(OP.breakerEnter, id), 'open', 'the second error, from another worker, opened it');
  assert.deepEqual(changes, ["cb went from 'closed' to 'open'"]);

  clock.advance(10_000);
  const probe = await a.client.ask(OP.breakerEnter, id);
  assert.equal(typeof probe, 'number', 'half-open: one probe');
  assert.equal(await b.client.ask(OP.breakerEnter, id), 'half-open', 'the probe is running');
  host.workerGone(1); // worker 1 died during its probe
  const next = await b.client.ask(OP.breakerEnter, id);
  assert.equal(typeof next, 'number', 'the dead probe was released');
  b.client.tell(OP.breakerLeave, id, next, true);
  await settle();
  assert.equal(typeof (await b.client.ask(OP.breakerEnter, id)), 'number', 'closed again');
  host.close();
});

test('an HTTP cache entry stored by one worker is served to another; the bounds hold in the primary', async () => {
  const host = new SharedStateHost({ clock: new ManualClock() });
  const [a, b] = [connect(host, 1), connect(host, 2)];
  const id = 'qos/http-cache ["b"]';
  const storeA = createSharedStore(a.client, id, 2, 0, entryCodec);
  const storeB = createSharedStore(b.client, id, 2, 0, entryCodec);
  const body = Buffer.from([0, 255, 10, 13, 34, 92, 200]); // bytes JSON could not carry as text
  storeA.set('GET /one', response(body));
  const got = await storeB.get('GET /one');
  assert.ok(got?.kind === 'response' && Buffer.isBuffer(got.body), 'bytes arrive as a Buffer');
  assert.deepEqual(got.body, body);
  assert.equal(got.etag, undefined, 'absent validators stay undefined');
  assert.equal(got.lastModified, 'Wed, 02 Dec 2026 07:00:00 GMT');
  assert.deepEqual(got.headers, ['Content-Type', 'application/octet-stream']);
  storeA.set('GET /two', response(Buffer.from('2')));
  storeA.set('GET /three', response(Buffer.from('3')));
  assert.equal(await storeB.get('GET /one'), undefined, 'max_items 2: the least recently used went');
  storeB.delete('GET /two');
  assert.equal(await storeA.get('GET /two'), undefined);
  host.close();
});

test('a primary that does not answer in time: limits refuse, cache lookups miss, within the timeout', async () => {
  const host = new SharedStateHost({ clock: new ManualClock() });
  const a = connect(host, 1, 60);
  const check = createSharedRouterLimiter(a.client, 'qos/ratelimit/router GET /slow', router(10));
  const store = createSharedStore(a.client, 'qos/http-cache ["slow"]', 10, 0, entryCodec);
  const take = createSharedBucket(a.client, 'qos/ratelimit/proxy ["slow"]', { ratePerMs: 1, capacity: 10 });
  a.mute();
  const release = keepAlive();
  const started = performance.now();
  assert.equal(await check(undefined), ENDPOINT_LIMITED);
  assert.equal(await store.get('GET /x'), undefined);
  await assert.rejects(take(), { code: 'PRT_ERR_STATE_UNAVAILABLE' });
  const waited = performance.now() - started;
  assert.ok(waited >= 55 && waited < 1_000, `bounded wait (${Math.round(waited)} ms)`);
  release();
  host.close();
});

test('a breaker admission that comes back after the worker gave up is handed back', async () => {
  const clock = new ManualClock();
  const host = new SharedStateHost({ clock });
  const [a, b] = [connect(host, 1, 40), connect(host, 2)];
  const name = 'qos/circuit-breaker ["late"]';
  const declaration: Declaration = { kind: 'breaker', intervalMs: 0, timeoutMs: 1_000, maxErrors: 0, changeLog: undefined };
  const id = a.client.declare(name, declaration);
  assert.equal(b.client.declare(name, declaration), id, 'the same settings, the same id in every worker');
  // Open it, then let the timeout pass: half-open, one probe allowed.
  const first = await b.client.ask(OP.breakerEnter, id);
  b.client.tell(OP.breakerLeave, id, first, false);
  await settle();
  clock.advance(1_000);
  a.mute();
  const release = keepAlive();
  await assert.rejects(a.client.ask(OP.breakerEnter, id), { code: 'PRT_ERR_STATE_UNAVAILABLE' });
  release();
  assert.equal(await b.client.ask(OP.breakerEnter, id), 'half-open', 'the primary admitted worker 1 as the probe');
  a.unmute(); // the late admission arrives; worker 1 reports it as "said nothing"
  await settle();
  assert.equal(typeof (await b.client.ask(OP.breakerEnter, id)), 'number', 'the probe slot is free again');
  host.close();
});

test('once the channel closes, pending and new calls fail at once', async () => {
  const host = new SharedStateHost({ clock: new ManualClock() });
  const a = connect(host, 1);
  const take = createSharedBucket(a.client, 'qos/ratelimit/proxy ["gone"]', { ratePerMs: 1, capacity: 1 });
  a.mute();
  const pending = take();
  a.disconnect();
  await assert.rejects(pending, { code: 'PRT_ERR_STATE_UNAVAILABLE' });
  await assert.rejects(take(), { code: 'PRT_ERR_STATE_UNAVAILABLE' });
  host.close();
});

test('the host answers malformed or unknown calls as unavailable and keeps going', () => {
  const host = new SharedStateHost({ clock: new ManualClock() });
  host.receive(1, [[0, OP.declare, 'b', { kind: 'bucket', bucket: { ratePerMs: 1, capacity: 1 } }]]);
  const answers = host.receive(1, ['junk', [1, OP.bucketTake, 'missing'], [2, 99, 'b'], [3, OP.routerCheck, 'b'], [4, OP.bucketTake, 'b'], [0, OP.bucketTake, 'b']]);
  assert.deepEqual(answers, [
    [1, UNAVAILABLE],
    [2, UNAVAILABLE],
    [3, UNAVAILABLE],
    [4, true],
  ]);
  host.close();
});

test('across a reload: unchanged settings keep their bucket, changed ones start fresh, prune drops what no live worker declared', async () => {
  const host = new SharedStateHost({ clock: new ManualClock() });
  const name = 'qos/ratelimit/proxy ["reload"]';
  const old = connect(host, 1);
  const takeOld = createSharedBucket(old.client, name, { ratePerMs: 1 / hour, capacity: 2 });
  assert.deepEqual(await Promise.all([takeOld(), takeOld()]), [true, true]);
  // The next generation: same settings, same bucket (already empty).
  const same = connect(host, 2);
  const takeSame = createSharedBucket(same.client, name, { ratePerMs: 1 / hour, capacity: 2 });
  assert.equal(await takeSame(), false, 'an unchanged limit keeps its count');
  // Another generation with another capacity: a bucket of its own, full.
  const changed = connect(host, 3);
  const takeChanged = createSharedBucket(changed.client, name, { ratePerMs: 1 / hour, capacity: 3 });
  assert.deepEqual(await Promise.all([takeChanged(), takeChanged(), takeChanged(), takeChanged()]), [true, true, true, false]);
  assert.equal(host.declared, 2);
  // Workers 1 and 2 retired: only worker 3's state is left.
  host.workerGone(1);
  host.workerGone(2);
  assert.equal(host.prune(new Set([3])), 1);
  assert.equal(host.declared, 1);
  assert.equal(await takeChanged(), false, 'the live state is untouched');
  host.close();
});
