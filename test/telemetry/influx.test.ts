/**
 * `telemetry/influx`: the gateway's `telemetry/metrics` measurements reach a real InfluxDB 1.x (skipped in
 * one line without `influxd`); a write API that hangs or fails never slows requests, and failed batches
 * wait in the bounded buffer; `run -w 2` pushes the workers' sum from the primary.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import { freePort, startCli } from '../helpers/cli.js';
import { delay, request } from '../helpers/http.js';
import { hasInfluxd, INFLUXD_MISSING, startInfluxd } from '../helpers/influxdb.js';
import { readAll, sendJson, startBackend, startGateway, writeConfig } from '../helpers/servers.js';

const backend = await startBackend((req, res) => sendJson(res, 200, { ok: true }));
after(() => backend.close());

function config(influx: Record<string, unknown>, port?: number): Record<string, unknown> {
  return {
    version: 3,
    ...(port === undefined ? {} : { port }),
    extra_config: { 'telemetry/metrics': { collection_time: '60s', listen_address: '127.0.0.1:0' }, 'telemetry/influx': influx },
    endpoints: [{ endpoint: '/hello', backend: [{ host: [backend.url], url_pattern: '/' }] }],
  };
}

/** An HTTP server standing in for InfluxDB's write API: `answer` decides each write's fate. */
async function writeReceiver(answer: (index: number, request: IncomingMessage, response: ServerResponse) => void): Promise<{ url: string; bodies: string[]; requests: IncomingMessage[]; close: () => void }> {
  const bodies: string[] = [];
  const requests: IncomingMessage[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/ping')) {
      res.writeHead(204).end();
      return;
    }
    void readAll(req).then((body) => {
      requests.push(req);
      bodies.push(body);
      answer(bodies.length, req, res);
    });
  });
  server.on('connection', (socket) => sockets.add(socket));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    requests,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await delay(50);
  }
}

describe('telemetry/influx', () => {
  it('pushes requests, responses, router and histogram points to a real InfluxDB', async (t) => {
    if (!hasInfluxd()) return t.skip(INFLUXD_MISSING);
    const influx = await startInfluxd();
    try {
      // krakend-influx writes to an existing database, as the user creates it.
      await influx.query('CREATE DATABASE gateway');
      const gateway = await startGateway(config({ address: influx.url, ttl: '500ms', db: 'gateway' }));
      try {
        for (let i = 0; i < 7; i++) assert.equal((await request(`${gateway.url}/hello`)).status, 200);
        const total = async (q: string): Promise<unknown> => (await influx.query(q, 'gateway')).results[0]?.series?.[0]?.values[0]?.[1];
        await until(async () => (await total(`SELECT last("total") FROM "requests" WHERE "layer"='pipe' AND "name"='/hello' AND "complete"='true' AND "error"='false'`)) === 7, 10_000, 'the pipe requests total');
        assert.equal(await total(`SELECT last("total") FROM "requests" WHERE "layer"='backend' AND "name"='/' AND "complete"='true' AND "error"='false'`), 7);
        assert.equal(await total(`SELECT last("total") FROM "responses" WHERE "name"='/hello' AND "status"='200'`), 7);
        // The count field is the increase per push: over every push it adds up to the total.
        assert.equal(await total(`SELECT sum("count") FROM "responses" WHERE "name"='/hello' AND "status"='200'`), 7);
        const p50 = (await total(`SELECT last("p0.5") FROM "router.response-time" WHERE "name"='/hello'`)) as number;
        assert.ok(p50 > 0 && p50 < 5e9, `median response time in ns: ${p50}`);
        assert.ok(((await total(`SELECT last("total") FROM "router" WHERE "direction"='in'`)) as number) >= 0);
        assert.ok(gateway.log.lines.some((line) => line.includes('[SERVICE: InfluxDB]') && line.includes('datapoints sent')));
      } finally {
        await gateway.close();
      }
    } finally {
      await influx.stop();
    }
  });

  it('an InfluxDB that never answers slows no request; writes time out and batches wait in a bounded buffer', async () => {
    const hanging = await writeReceiver(() => undefined);
    // Each write waits the whole timeout (90% of the 1 s ttl): a request held up by one would take about that long.
    const gateway = await startGateway(config({ address: hanging.url, ttl: '1s', buffer_size: 2 }));
    try {
      await request(`${gateway.url}/hello`);
      let slowest = 0;
      const until = Date.now() + 2_500;
      while (Date.now() < until) {
        const begin = performance.now();
        assert.equal((await request(`${gateway.url}/hello`)).status, 200);
        slowest = Math.max(slowest, performance.now() - begin);
      }
      assert.ok(hanging.bodies.length >= 2, `writes attempted: ${hanging.bodies.length}`);
      assert.ok(gateway.log.lines.some((line) => line.includes("Couldn't write to server: no answer within 900 ms")), gateway.log.lines.join('\n'));
      // Half the write timeout: room for a loaded machine, far from a request that waited on a write.
      assert.ok(slowest < 500, `slowest request ${slowest.toFixed(1)} ms`);
    } finally {
      await gateway.close();
      hanging.close();
    }
  });

  it('keeps failed batches (buffer_size, newest kept) and sends them after the next good write', async () => {
    const receiver = await writeReceiver((index, _req, res) => {
      res.writeHead(index <= 3 ? 500 : 204, { 'Content-Type': 'application/json' });
      res.end(index <= 3 ? '{"error":"down for the test"}' : '');
    });
    const gateway = await startGateway(config({ address: receiver.url, ttl: '150ms', buffer_size: 2 }));
    try {
      await request(`${gateway.url}/hello`);
      // Writes 1–3 fail (three batches, the buffer keeps the last two); 4 succeeds; 5 is the retry.
      await until(() => receiver.bodies.length >= 5, 10_000, 'five writes');
      const pointsPerBatch = receiver.bodies[0]?.split('\n').length ?? 0;
      assert.ok(pointsPerBatch >= 4);
      assert.equal(receiver.bodies[4]?.split('\n').length, 2 * pointsPerBatch);
      assert.deepEqual(receiver.bodies[4]?.split('\n'), [...(receiver.bodies[1] as string).split('\n'), ...(receiver.bodies[2] as string).split('\n')]);
      assert.ok(gateway.log.lines.some((line) => line.includes("Couldn't write to server: HTTP 500 {\"error\":\"down for the test\"}")));
    } finally {
      await gateway.close();
      receiver.close();
    }
  });

  it('pushes with telemetry/metrics endpoint_disabled (KrakenD still collects for InfluxDB)', async () => {
    const receiver = await writeReceiver((_index, _req, res) => res.writeHead(204).end());
    const base = config({ address: receiver.url, ttl: '150ms' });
    const gateway = await startGateway({ ...base, extra_config: { ...(base['extra_config'] as object), 'telemetry/metrics': { endpoint_disabled: true } } });
    try {
      await request(`${gateway.url}/hello`);
      await until(() => receiver.bodies.some((body) => /^responses,host=[^ ]+,name=\/hello,status=200 total=1i/m.test(body)), 10_000, 'a push with the response');
    } finally {
      await gateway.close();
      receiver.close();
    }
  });

  it('with run -w 2 the primary pushes the sum of both workers (one series per instance)', async () => {
    const receiver = await writeReceiver((_index, _req, res) => res.writeHead(204).end());
    const port = await freePort();
    const file = await writeConfig(config({ address: receiver.url, ttl: '300ms', username: 'gw', password: 'secret' }, port));
    const cli = startCli(['run', '-c', file, '-w', '2']);
    try {
      await until(async () => (await request(`http://127.0.0.1:${port}/hello`, { timeoutMs: 2_000 }).then((r) => r.status, () => 0)) === 200, 30_000, 'the gateway');
      // Fresh connections are spread over both workers (cluster round-robin).
      for (let i = 1; i < 20; i++) assert.equal((await request(`http://127.0.0.1:${port}/hello`, { headers: { connection: 'close' } })).status, 200);
      const pipeTotal = (body: string): number => Number(/^requests,complete=true,error=false,host=[^ ]+,layer=pipe,name=\/hello total=(\d+)i/m.exec(body)?.[1] ?? -1);
      await until(() => receiver.bodies.some((body) => pipeTotal(body) === 20), 10_000, `a push with total 20, got ${receiver.bodies.map(pipeTotal).join(',')}`);
      // No batch from a single worker: every push after the first request carries the summed total.
      const last = receiver.bodies.at(-1) as string;
      assert.equal(pipeTotal(last), 20);
      const write = receiver.requests.at(-1);
      assert.equal(write?.url, '/write?db=krakend&precision=s');
      assert.equal(write?.headers.authorization, `Basic ${Buffer.from('gw:secret').toString('base64')}`);
    } finally {
      cli.kill();
      await cli.exited();
      receiver.close();
    }
  });
});
