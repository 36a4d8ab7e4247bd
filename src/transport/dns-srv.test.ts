import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compactWeights, createSrvBalancer, srvInstances, SrvSubscriber } from './dns-srv.js';

describe('SRV weights and priorities', () => {
  it('scales weights summing over 100 and divides by their greatest common divisor', () => {
    assert.deepEqual(compactWeights([10, 30]), [1, 3]);
    assert.deepEqual(compactWeights([200, 200, 600]), [1, 1, 3]);
    assert.deepEqual(compactWeights([1, 2, 3]), [1, 2, 3]);
    assert.deepEqual(compactWeights([7]), [1]);
  });

  it('shares evenly when every weight is 0 (lura would keep no host)', () => {
    assert.deepEqual(compactWeights([0, 0]), [1, 1]);
  });

  it('keeps only the lowest priority, heavier first, and honours sd_scheme', () => {
    const instances = srvInstances(
      [
        { name: 'b.internal.', port: 81, priority: 1, weight: 10 },
        { name: 'a.internal', port: 80, priority: 1, weight: 30 },
        { name: 'c.internal', port: 82, priority: 2, weight: 90 },
        { name: '::1', port: 83, priority: 1, weight: 0 },
      ],
      'https',
    );
    assert.deepEqual(instances, ['https://a.internal:80', 'https://a.internal:80', 'https://a.internal:80', 'https://b.internal:81']);
    assert.deepEqual(srvInstances([{ name: '::1', port: 9, priority: 0, weight: 1 }], 'http'), ['http://[::1]:9']);
  });

  it('rotates over the list and waits for the first lookup when the list is empty', async () => {
    let release: (() => void) | undefined;
    const subscriber = new SrvSubscriber({
      name: 'x',
      scheme: 'http',
      ttlMs: 60_000,
      lookup: () => new Promise((resolve) => (release = () => resolve([{ name: 'h', port: 1, priority: 0, weight: 1 }, { name: 'h', port: 2, priority: 0, weight: 1 }]))),
    });
    try {
      const balancer = createSrvBalancer(subscriber);
      assert.equal(balancer.pick(), undefined, 'nothing before the first answer');
      const ready = balancer.whenReady?.();
      release?.();
      await ready;
      const picks = [balancer.pick(), balancer.pick(), balancer.pick(), balancer.pick()];
      assert.deepEqual([...new Set(picks)].sort(), ['http://h:1', 'http://h:2']);
      assert.notEqual(picks[0], picks[1]);
    } finally {
      subscriber.close();
    }
  });
});
