import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getServers, setServers } from 'node:dns';
import { sendJson, startBackend, startGateway } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';
import { startDnsServer } from '../helpers/dns-server.js';
import type { TestDnsServer } from '../helpers/dns-server.js';

const NAME = '_api._tcp.portico.test';

describe('sd: "dns" against a real DNS server on 127.0.0.1', () => {
  let dns: TestDnsServer;
  let servers: Record<'A' | 'B' | 'C', RunningServer>;
  let gateway: TestGateway;
  const originalServers = getServers();

  async function which(path = '/api'): Promise<string> {
    const response = await fetch(`${gateway.url}${path}`);
    assert.equal(response.status, 200);
    return ((await response.json()) as { server: string }).server;
  }

  before(async () => {
    dns = await startDnsServer();
    const start = (label: string) => startBackend((_request, response) => sendJson(response, 200, { server: label }));
    servers = { A: await start('A'), B: await start('B'), C: await start('C') };
    dns.records.set(NAME, [
      { target: '127.0.0.1', port: servers.A.port, priority: 10, weight: 1 },
      { target: '127.0.0.1', port: servers.B.port, priority: 10, weight: 3 },
      // A higher priority value is only a fallback: never used while priority 10 answers.
      { target: '127.0.0.1', port: servers.C.port, priority: 20, weight: 100 },
    ]);
    // The gateway's resolver starts from the process's name servers, as it would from /etc/resolv.conf.
    setServers([dns.address]);
    gateway = await startGateway({
      version: 3,
      dns_cache_ttl: '300ms',
      endpoints: [
        { endpoint: '/api', backend: [{ host: [NAME], sd: 'dns', sd_scheme: 'http', url_pattern: '/' }] },
        { endpoint: '/nowhere', backend: [{ host: ['_none._tcp.portico.test'], sd: 'dns', url_pattern: '/' }] },
      ],
    });
  });

  after(async () => {
    setServers(originalServers);
    await gateway?.close();
    for (const server of Object.values(servers ?? {})) await server.close();
    await dns?.close();
  });

  it('spreads calls over the lowest priority by weight', async () => {
    const counts: Record<string, number> = {};
    for (let i = 0; i < 8; i++) {
      const server = await which();
      counts[server] = (counts[server] ?? 0) + 1;
    }
    assert.deepEqual(counts, { A: 2, B: 6 }, 'weights 1:3 over two rounds of four; priority 20 unused');
    assert.ok(dns.queries.includes(NAME));
  });

  it('picks up new records after dns_cache_ttl, refreshing in the background', async () => {
    const before = dns.queries.length;
    dns.records.set(NAME, [{ target: '127.0.0.1', port: servers.C.port, priority: 5, weight: 10 }]);
    let seen = '';
    for (let i = 0; i < 100 && seen !== 'C'; i++) {
      seen = await which(); // every call is answered while the list changes underneath
      if (seen !== 'C') await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(seen, 'C');
    assert.ok(dns.queries.length > before, 'the name was looked up again');
  });

  it('keeps the last good list while the DNS server fails', async () => {
    dns.failing = true;
    const before = dns.queries.length;
    try {
      for (let i = 0; i < 100 && dns.queries.length < before + 2; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.ok(dns.queries.length >= before + 2, 'refreshes kept trying');
      assert.equal(await which(), 'C');
      assert.equal(await which(), 'C');
    } finally {
      dns.failing = false;
    }
  });

  it('answers 500 when the name has no records', async () => {
    const response = await fetch(`${gateway.url}/nowhere`);
    assert.equal(response.status, 500);
    assert.equal(response.headers.get('x-krakend-completed'), 'false');
    assert.ok(gateway.log.lines.some((line) => line.includes('no hosts available')));
  });
});
