import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CounterMemory, lineOf, pointsOf } from './points.js';

test('line protocol: tags sorted and escaped, integers with i, floats plain', () => {
  assert.equal(lineOf('router.response-time', { name: '/a b,c', host: 'h=1' }, { max: { int: 12.7 }, 'p0.5': 3.25 }, 1700000000), 'router.response-time,host=h\\=1,name=/a\\ b\\,c max=12i,p0.5=3.25 1700000000');
});

test('krakend-influx points from a metrics snapshot; count is the increase since the last push', () => {
  const memory = new CounterMemory();
  const snapshot = {
    counters: {
      'krakend.proxy.requests.layer.pipe.name./users/:id.complete.true.error.false': 5,
      'krakend.router.response./users/:id.status.200.count': 4,
      'krakend.router.connected': 2,
      'krakend.router.connected-total': 9,
      'krakend.router.disconnected': 1,
      'krakend.router.disconnected-total': 8,
    },
    gauges: { 'krakend.router.connected-gauge': 3, 'krakend.router.disconnected-gauge': 3 },
    histograms: {
      'krakend.proxy.latency.layer.backend.name./u/{{.Id}}.complete.true.error.false': { count: 4, values: [10, 20, 30, 40] },
      'krakend.router.response./users/:id.size': { count: 0, values: [] },
    },
  };
  const first = pointsOf(snapshot, 'gw1', 100, memory);
  assert.deepEqual(first, [
    'requests,complete=true,error=false,host=gw1,layer=pipe,name=/users/:id total=5i,count=5i 100',
    'responses,host=gw1,name=/users/:id,status=200 total=4i,count=4i 100',
    'router,direction=in,host=gw1 current=2i,total=9i,gauge=3i 100',
    'router,direction=out,host=gw1 current=1i,total=8i,gauge=3i 100',
    // go-metrics percentiles over [10, 20, 30, 40]; the empty size histogram makes no point.
    'requests,complete=true,error=false,host=gw1,layer=backend,name=/u/{{.Id}} max=40i,min=10i,mean=25i,stddev=11i,variance=125i,p0.1=10,p0.25=12.5,p0.5=25,p0.75=37.5,p0.9=40,p0.95=40,p0.99=40 100',
  ]);
  snapshot.counters['krakend.proxy.requests.layer.pipe.name./users/:id.complete.true.error.false'] = 8;
  const second = pointsOf(snapshot, 'gw1', 160, memory);
  assert.equal(second[0], 'requests,complete=true,error=false,host=gw1,layer=pipe,name=/users/:id total=8i,count=3i 160');
  assert.equal(second[1], 'responses,host=gw1,name=/users/:id,status=200 total=4i,count=0i 160');
});
