/**
 * On an endpoint restricted to some users, a refused user name costs the same bcrypt comparison as a
 * wrong password of an allowed user: the answer time must not tell which users exist or may call it.
 * The hashes use cost 12 so one comparison takes far longer (hundreds of ms) than a shortcut (about 1 ms);
 * the check compares the two kinds of refusal with each other, not with a fixed duration.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import { startGateway } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';
import { send, startEchoBackend } from '../security/helpers.js';

const basic = (user: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

describe('auth/basic refusal timing on restricted endpoints', () => {
  let backend: RunningServer;
  let gateway: TestGateway;
  before(async () => {
    backend = await startEchoBackend();
    const hash = bcrypt.hashSync('secret', 12);
    gateway = await startGateway({
      version: 3,
      endpoints: [{ endpoint: '/ops', backend: [{ host: [backend.url], url_pattern: '/echo' }], extra_config: { 'auth/basic': { users: ['admin'] } } }],
      extra_config: { 'auth/basic': { users: { admin: hash, guest: hash } } },
    });
  });
  after(async () => {
    await Promise.all([gateway?.close(), backend?.close()]);
  });

  async function medianRefusalMs(user: string): Promise<number> {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const answer = await send(`${gateway.url}/ops`, { headers: basic(user, `wrong-${i}`) });
      times.push(performance.now() - started);
      assert.equal(answer.status, 401);
    }
    return times.sort((a, b) => a - b)[1] as number;
  }

  it('refuses other users only after the same bcrypt work as a wrong password', async () => {
    const allowed = await medianRefusalMs('admin');
    for (const user of ['guest', 'nobody']) {
      const refused = await medianRefusalMs(user);
      assert.ok(refused * 4 > allowed, `${user}: refused in ${refused.toFixed(1)} ms, a wrong admin password in ${allowed.toFixed(1)} ms`);
    }
    // The restriction still holds for the right password.
    assert.equal((await send(`${gateway.url}/ops`, { headers: basic('guest', 'secret') })).status, 401);
    assert.equal((await send(`${gateway.url}/ops`, { headers: basic('admin', 'secret') })).status, 200);
  });
});
