/**
 * Cost and gain of response compression: one gateway with `server/compression`, one endpoint over a
 * backend answering a 6 KiB JSON document, loaded with autocannon on 127.0.0.1 asking for identity, gzip
 * and brotli in turn (twice, interleaved). Prints the answer sizes and req/s and latencies per coding.
 * Usage: `npm run build && node dist/bench/compression.js [seconds=10] [connections=10]`.
 */
import { components } from '../test/helpers/components.js';
import { request } from 'node:http';
import { Writable } from 'node:stream';
import autocannon from 'autocannon';
import { loadConfig } from '../src/config/load.js';
import { createGateway } from '../src/server/gateway.js';
import { createLogger } from '../src/core/logger.js';
import { writeConfig } from '../test/helpers/servers.js';
import { startJsonBackend } from './harness.js';

const seconds = Number(process.argv[2] ?? 10);
const connections = Number(process.argv[3] ?? 10);

const body = JSON.stringify({ items: Array.from({ length: 100 }, (_, index) => ({ id: index, name: `item number ${index}`, tags: ['a', 'b'], price: index * 1.5 })) });
const { server: backend, url: backendUrl } = await startJsonBackend(body);

const file = await writeConfig({
  version: 3,
  extra_config: { 'server/compression': {}, router: { disable_access_log: true } },
  endpoints: [{ endpoint: '/items', backend: [{ host: [backendUrl], url_pattern: '/items' }] }],
});
const loaded = await loadConfig(file, { components, env: {} });
if (!loaded.config) throw new Error('invalid bench config');
const silent = new Writable({ write: (_chunk, _encoding, callback) => callback() });
const logger = createLogger({ level: 'ERROR', prefix: '', stdout: true, format: 'default', accessLog: false, skipPaths: [] }, silent);
const gateway = createGateway(loaded.config, { components, logger });
const address = await gateway.listen(0, '127.0.0.1');
const url = `http://127.0.0.1:${address.port}/items`;

function answerSize(coding: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { headers: coding ? { 'accept-encoding': coding } : {} }, (response) => {
      let size = 0;
      response.on('data', (chunk: Buffer) => (size += chunk.length));
      response.on('end', () => resolve(size));
    })
      .on('error', reject)
      .end();
  });
}

console.log(`answer bytes: identity ${await answerSize('')}, gzip ${await answerSize('gzip')}, br ${await answerSize('br')}`);
for (const round of [1, 2]) {
  for (const coding of ['', 'gzip', 'br']) {
    const result = await autocannon({ url, connections, duration: seconds, headers: coding ? { 'accept-encoding': coding } : {} });
    console.log(`round ${round} ${coding || 'identity'}: ${Math.round(result.requests.average)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, errors ${result.errors + result.non2xx}`);
  }
}
await gateway.close(0);
backend.close();
