/**
 * Cost of JWT validation: one gateway, two endpoints over the same backend, one open and one behind
 * `auth/validator` (RS256 and HS256), loaded in turn with autocannon on 127.0.0.1 for a bounded time.
 * Usage: `npm run build && node dist/bench/jwt.js [seconds=10] [connections=50]`.
 */
import autocannon from 'autocannon';
import { loadConfig } from '../src/config/load.js';
import { createGateway } from '../src/server/gateway.js';
import { createLogger } from '../src/core/logger.js';
import { writeConfig } from '../test/helpers/servers.js';
import { makeKey, signToken, startJwkServer } from '../test/security/helpers.js';
import { Writable } from 'node:stream';
import { components } from '../test/helpers/components.js';
import { startJsonBackend } from './harness.js';

const seconds = Number(process.argv[2] ?? 10);
const connections = Number(process.argv[3] ?? 50);

const body = JSON.stringify({ id: 1, name: 'portico', tags: ['a', 'b'] });
const { server: backend, url: backendUrl } = await startJsonBackend(body);

const rsa = await makeKey('RS256', 'bench-rsa');
const hmac = await makeKey('HS256', 'bench-hmac');
const jwks = await startJwkServer([rsa, hmac]);
const validator = (alg: string) => ({ alg, jwk_url: `${jwks.url}/jwks`, disable_jwk_security: true, cache: true, issuer: 'https://idp.bench', audience: ['bench'], roles: ['user'] });
const route = (path: string, extra: Record<string, unknown>) => ({ endpoint: path, backend: [{ host: [backendUrl], url_pattern: '/data' }], extra_config: extra });
const file = await writeConfig({
  version: 3,
  extra_config: { router: { disable_access_log: true }, 'telemetry/logging': { level: 'ERROR' } },
  endpoints: [route('/open', {}), route('/jwt-rs256', { 'auth/validator': validator('RS256') }), route('/jwt-hs256', { 'auth/validator': validator('HS256') })],
});
const loaded = await loadConfig(file, { components, env: {} });
if (!loaded.config) throw new Error(loaded.issues.map((issue) => issue.message).join('\n'));
const silent = new Writable({ write: (_chunk, _encoding, callback) => callback() });
const logger = createLogger({ level: 'ERROR', prefix: '[BENCH]', stdout: true, format: 'default', accessLog: false, skipPaths: [] }, silent);
const gateway = createGateway(loaded.config, { components, logger });
const address = await gateway.listen(0, '127.0.0.1');
const base = `http://127.0.0.1:${address.port}`;

const claims = { iss: 'https://idp.bench', aud: 'bench', sub: 'bench-user', roles: ['user'] };
const tokens: Record<string, string> = {
  '/jwt-rs256': await signToken(rsa, claims, { expiresIn: '1h' }),
  '/jwt-hs256': await signToken(hmac, claims, { expiresIn: '1h' }),
};

// More distinct tokens than the validator remembers, cycled: every request pays a full verification.
const distinct: string[] = [];
for (let i = 0; i < 12_000; i++) distinct.push(await signToken(rsa, { ...claims, jti: String(i) }, { expiresIn: '1h' }));
let next = 0;

interface Row {
  path: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
}
const rows: Row[] = [];
for (const path of ['/open', '/jwt-rs256', '/jwt-hs256']) {
  const token = tokens[path];
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  await autocannon({ url: `${base}${path}`, connections, duration: 2, headers }); // warm-up
  const result = await autocannon({ url: `${base}${path}`, connections, duration: seconds, headers });
  rows.push({ path, rps: Math.round(result.requests.average), p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx });
}

{
  const options = {
    url: `${base}/jwt-rs256`,
    connections,
    setupClient(client: { setHeaders(headers: Record<string, string>): void; on(event: 'response', listener: () => void): void }) {
      const rotate = (): void => client.setHeaders({ Authorization: `Bearer ${distinct[next++ % distinct.length] as string}` });
      rotate();
      client.on('response', rotate);
    },
  };
  await autocannon({ ...options, duration: 2 });
  const result = await autocannon({ ...options, duration: seconds });
  rows.push({ path: '/jwt-rs256, a new token each request', rps: Math.round(result.requests.average), p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx });
}

const open = rows[0] as Row;
console.log(`node ${process.version}, ${connections} connections, ${seconds}s per endpoint, 127.0.0.1`);
console.log('| endpoint | req/s | vs open | p50 ms | p99 ms | non-2xx |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const row of rows) {
  console.log(`| ${row.path} | ${row.rps} | ${((row.rps / open.rps) * 100).toFixed(1)}% | ${row.p50} | ${row.p99} | ${row.non2xx} |`);
}
await gateway.close(0);
await jwks.close();
backend.closeAllConnections();
backend.close();
