/**
 * `auth/revoker` under `portico run -w 2`: the admin listener's port is shared by the workers, so an
 * addition reaches one of them; the primary relays it, and every worker refuses the token, including
 * one that starts after the addition.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { childPids, freePort, startCli } from '../helpers/cli.js';
import type { RunningCli } from '../helpers/cli.js';
import { delay, request } from '../helpers/http.js';
import { writeConfig } from '../helpers/servers.js';
import type { RunningServer } from '../helpers/servers.js';
import { makeKey, signToken, startEchoBackend, startJwkServer } from './helpers.js';
import type { JwkServer } from './helpers.js';

/** Waits until `count` workers have logged that they listen (each logs it once, when it starts serving). */
async function waitForListeners(cli: RunningCli, count: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  const listening = () => (cli.stdout() + cli.stderr()).split('[SERVICE: Portico] Listening on').length - 1;
  while (listening() < count) {
    assert.ok(Date.now() < deadline, `${count} workers did not start: ${cli.stderr()}`);
    await delay(50);
  }
}

describe('auth/revoker with two workers', { skip: process.platform !== 'linux' && 'cluster round-robin is Linux-specific' }, () => {
  const running: RunningCli[] = [];
  const servers: (RunningServer | JwkServer)[] = [];
  after(async () => {
    for (const cli of running) cli.kill();
    for (const server of servers) await server.close();
  });

  it('a revocation added on one worker is refused by all of them', async () => {
    const key = await makeKey('RS256', 'rsa-workers');
    const jwks = await startJwkServer([key]);
    const backend = await startEchoBackend();
    servers.push(jwks, backend);
    const [port, adminPort] = [await freePort(), await freePort()];
    const file = await writeConfig({
      version: 3,
      extra_config: { 'auth/revoker': { N: 1000, P: 0.0001, hash_name: 'optimal', TTL: 60, port: adminPort, token_keys: ['jti'] } },
      endpoints: [{ endpoint: '/private', backend: [{ host: [backend.url], url_pattern: '/echo' }], extra_config: { 'auth/validator': { alg: 'RS256', jwk_url: `${jwks.url}/jwks`, disable_jwk_security: true } } }],
    });
    const cli = startCli(['run', '-c', file, '-w', '2', '-p', String(port)]);
    running.push(cli);
    const token = await signToken(key, { sub: 'erin', jti: 'shared-1' });
    const call = async (): Promise<number> => {
      try {
        return (await request(`http://127.0.0.1:${port}/private`, { headers: { authorization: `Bearer ${token}` }, timeoutMs: 4_000 })).status;
      } catch {
        return 0;
      }
    };
    await waitForListeners(cli, 2);
    assert.equal(await call(), 200);
    const added = await request(`http://127.0.0.1:${adminPort}/add`, { method: 'POST', body: JSON.stringify({ elems: ['jti-shared-1'] }) });
    assert.equal(added.status, 200);
    // The relay crosses two processes through the primary: allow it a bounded moment on a loaded machine.
    const relayDeadline = Date.now() + 5_000;
    let statuses: number[] = [];
    do {
      await delay(200);
      statuses = [];
      for (let i = 0; i < 12; i++) statuses.push(await call());
    } while (statuses.some((status) => status !== 401) && Date.now() < relayDeadline);
    assert.deepEqual(statuses, new Array<number>(12).fill(401), `every worker refuses the revoked token: ${statuses.join(',')}`);

    // A worker that replaces a dead one learns the revocation from the primary before it serves.
    const workers = childPids(cli.child.pid as number);
    assert.equal(workers.length, 2, `two workers: ${workers.join(',')}`);
    process.kill(workers[0] as number, 'SIGKILL');
    await waitForListeners(cli, 3);
    const afterRestart: number[] = [];
    for (let i = 0; i < 12; i++) afterRestart.push(await call());
    assert.deepEqual(afterRestart, new Array<number>(12).fill(401), `every worker, the new one too, refuses the revoked token: ${afterRestart.join(',')}`);
  });
});
