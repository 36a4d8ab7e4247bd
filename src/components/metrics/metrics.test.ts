import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Histogram, goFloat, summarize } from './histogram.js';
import { MetricsRegistry, mergeSnapshots, renderStats } from './registry.js';
import { readMetricsSettings, splitHostPort } from './settings.js';
import { ginRouteName, luraBackendName } from './component.js';

test('floats are written as Go expvar writes them', () => {
  assert.equal(goFloat(0), '0');
  assert.equal(goFloat(21), '21');
  assert.equal(goFloat(852221), '852221');
  assert.equal(goFloat(6876365), '6.876365e+06');
  assert.equal(goFloat(5738192.666666667), '5.738192666666667e+06');
  assert.equal(goFloat(-1), '-1');
  assert.equal(goFloat(0.0001), '0.0001');
  assert.equal(goFloat(0.00001), '1e-05');
  assert.equal(goFloat(1.5e21), '1.5e+21');
});

test('percentiles interpolate at p·(n+1) of the sorted sample, as go-metrics does', () => {
  const summary = summarize({ count: 4, values: [40, 10, 30, 20] });
  assert.equal(summary.min, 10);
  assert.equal(summary.max, 40);
  assert.equal(summary.mean, 25);
  assert.equal(summary.stdDev, Math.sqrt(125));
  // 0.5·5 = 2.5 → 20 + 0.5·(30−20); 0.75·5 = 3.75 → 30 + 0.75·10; 0.95·5 ≥ 4 → the largest.
  assert.deepEqual(summary.percentiles, [25, 37.5, 40, 40, 40]);
  assert.deepEqual(summarize({ count: 0, values: [] }).percentiles, [0, 0, 0, 0, 0]);
});

test('a histogram keeps at most 1028 samples but counts every update', () => {
  const histogram = new Histogram();
  for (let i = 0; i < 5000; i++) histogram.update(i);
  assert.equal(histogram.count, 5000);
  assert.equal(histogram.values.length, 1028);
  histogram.clear();
  assert.equal(histogram.count, 0);
  assert.equal(histogram.values.length, 0);
});

test('worker snapshots add up: counters, gauges, histogram counts and pooled samples', () => {
  const one = new MetricsRegistry();
  const two = new MetricsRegistry();
  one.counter('krakend.a').value = 3;
  two.counter('krakend.a').value = 4;
  two.counter('krakend.b').value = 1;
  one.gauge('krakend.g').value = 2;
  one.histogram('krakend.h').update(10);
  two.histogram('krakend.h').update(30);
  const merged = mergeSnapshots([one.snapshot(), two.snapshot()]);
  assert.deepEqual(merged.counters, { 'krakend.a': 7, 'krakend.b': 1 });
  assert.deepEqual(merged.gauges, { 'krakend.g': 2 });
  assert.deepEqual(merged.histograms['krakend.h'], { count: 2, values: [10, 30], lastWindow: [] });
});

test('the stats body is a flat object, keys in byte order, one per line', () => {
  const registry = new MetricsRegistry();
  registry.counter('krakend.router.response./a.status.200.count').value = 2;
  registry.histogram('krakend.router.response./a.time').update(7_000_000);
  const body = renderStats(registry.snapshot(), ['portico']);
  const lines = body.split('\n');
  assert.equal(lines[0], '{');
  assert.equal(lines[1], '"cmdline": ["portico"],');
  assert.ok(body.includes('"krakend.router.response./a.time.mean": 7e+06,'));
  assert.ok(body.endsWith('\n}\n'));
  const keys = Object.keys(JSON.parse(body) as object);
  assert.deepEqual(keys, [...keys].sort());
  assert.equal(keys.length, 1 + 1 + 10);
});

test('settings: KrakenD defaults, and an address without host binds the loopback', () => {
  const defaults = readMetricsSettings({});
  assert.equal(defaults.collectionMs, 60_000);
  assert.equal(defaults.listenAddress, ':8090');
  assert.deepEqual([defaults.host, defaults.port, defaults.hostDefaulted], ['127.0.0.1', 8090, true]);
  const explicit = readMetricsSettings({ listen_address: '0.0.0.0:9100', collection_time: '2s', proxy_disabled: true });
  assert.deepEqual([explicit.host, explicit.port, explicit.hostDefaulted, explicit.collectionMs, explicit.proxyDisabled], ['0.0.0.0', 9100, false, 2_000, true]);
  assert.equal(readMetricsSettings({ collection_time: 'soon' }).collectionDefaulted, true);
  assert.equal(readMetricsSettings({ collection_time: '0s' }).collectionMs, 60_000);
  assert.deepEqual(splitHostPort('[::1]:8090'), { host: '::1', port: 8090 });
  assert.equal(splitHostPort('8090'), undefined);
  assert.equal(splitHostPort('host:99999'), undefined);
});

test('names: endpoints as gin routes them, backends as lura rewrites url_pattern', () => {
  assert.equal(ginRouteName('/b/{id}/x/{other_id}'), '/b/:id/x/:other_id');
  assert.equal(luraBackendName('/fail/{id}?q={resp0_x}'), '/fail/{{.Id}}?q={{.Resp0_x}}');
  assert.equal(luraBackendName('/plain'), '/plain');
});
