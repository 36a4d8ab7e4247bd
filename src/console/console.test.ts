import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Histogram } from '../components/metrics/histogram.js';
import { mergeSnapshots } from '../components/metrics/registry.js';
import { LiveSampler } from './live.js';
import { MASK, maskQuery, maskSecrets, maskUrl } from './mask.js';
import { parseConsoleAddress } from './server.js';

describe('console secret masking', () => {
  it('masks values under secret-looking keys, keeping the shape of lists of objects', () => {
    const masked = maskSecrets({ keys: [{ key: 'abc', roles: ['admin'] }], client_secret: 's', password: 'p', hmac_secret: 'x', max_rate: 10, enabled: true, name: 'visible' });
    assert.deepEqual(masked, { keys: [{ key: MASK, roles: [MASK] }], client_secret: MASK, password: MASK, hmac_secret: MASK, max_rate: 10, enabled: true, name: 'visible' });
  });

  it('masks a URL password and credential query values, keeping placeholders as written', () => {
    assert.equal(maskUrl('amqp://guest:pw@rabbit:5672/'), `amqp://guest:${MASK}@rabbit:5672/`);
    assert.equal(maskUrl('https://h/x?token=abc&q=1'), `https://h/x?token=${MASK}&q=1`);
    assert.equal(maskUrl('https://h/{id}'), 'https://h/{id}');
    assert.equal(maskQuery('/b?api_key={key}&q={q}'), `/b?api_key=${MASK}&q={q}`);
    assert.equal(maskUrl('/plain/path'), '/plain/path');
  });
});

describe('console live figures', () => {
  const snapshot = (ok: number, failed: number, latencies: number[]) => ({
    counters: {
      'krakend.router.response./a.status.200.count': ok,
      'krakend.router.response./a.status.503.count': failed,
      'krakend.proxy.requests.layer.backend.name./x?token=t.complete.true.error.false': ok,
      'krakend.proxy.requests.layer.backend.name./x?token=t.complete.false.error.true': failed,
    },
    gauges: {},
    histograms: { 'krakend.router.response./a.time': { count: latencies.length, values: latencies } },
  });

  it('rates and error shares come from the counters’ change since the last sample', () => {
    const sampler = new LiveSampler();
    sampler.sample(snapshot(10, 0, []), 0);
    const view = sampler.sample(snapshot(28, 2, [1e6, 2e6, 3e6, 4e6]), 2_000);
    const route = view.routes['/a'];
    assert.equal(route?.rate, 10);
    assert.equal(route?.errorRate, 0.1);
    assert.equal(route?.total, 30);
    assert.equal(route?.p50, 2);
    assert.equal(route?.p99, 4);
    // Keyed as the model names backends: the credential in the pattern is masked.
    assert.equal(view.backends[`/x?token=${MASK}`]?.errors, 2);
  });

  it('keeps latency percentiles across the end of a collection window, pooled over workers', () => {
    const worker = (current: number[], last: number[]) => ({ counters: {}, gauges: {}, histograms: { 'krakend.router.response./a.time': { count: current.length, values: current, lastWindow: last } } });
    // One worker's window just ended (its reservoir is empty), the other's is still open.
    const merged = mergeSnapshots([worker([], [1e6, 3e6]), worker([2e6], [])]);
    const sampler = new LiveSampler();
    const view = sampler.sample({ ...merged, counters: { 'krakend.router.response./a.status.200.count': 3 } }, 0);
    assert.equal(view.routes['/a']?.p50, 2);
    assert.equal(view.routes['/a']?.p99, 3);
  });
});

describe('histogram windows', () => {
  it('clears the reservoir at a window’s end and keeps that window for the console only', () => {
    const histogram = new Histogram();
    histogram.update(5);
    histogram.clear();
    histogram.update(7);
    assert.deepEqual(histogram.values, [7]);
    assert.deepEqual(histogram.lastWindow, [5]);
    histogram.clear();
    assert.deepEqual(histogram.lastWindow, [7]);
    assert.equal(histogram.count, 0);
  });
});

describe('console address', () => {
  it('takes HOST:PORT, [IPv6]:PORT or a bare port (loopback), and nothing else', () => {
    assert.deepEqual(parseConsoleAddress('9090'), { host: '127.0.0.1', port: 9090 });
    assert.deepEqual(parseConsoleAddress('[::1]:9090'), { host: '::1', port: 9090 });
    assert.deepEqual(parseConsoleAddress('0.0.0.0:1'), { host: '0.0.0.0', port: 1 });
    assert.equal(parseConsoleAddress('localhost'), undefined);
    assert.equal(parseConsoleAddress('1:99999'), undefined);
  });
});
