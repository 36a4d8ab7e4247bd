/** The console's command-line side, without a browser: bad addresses are usage errors, the API is read-only JSON. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { freePort, runCli, startCli } from '../helpers/cli.js';
import { delay, request } from '../helpers/http.js';
import { writeConfig } from '../helpers/servers.js';

describe('portico console and run --console', () => {
  it('refuses an unusable address as a usage error, before starting anything', async () => {
    const file = await writeConfig({ version: 3, endpoints: [] });
    const result = await runCli(['run', '-c', file, '-w', '1', '--console', 'localhost']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--console expects HOST:PORT or PORT/);
  });

  it('serves the model of a config offline, with no live numbers', async () => {
    const file = await writeConfig({ version: 3, name: 'offline', endpoints: [{ endpoint: '/a', backend: [{ host: ['http://127.0.0.1:1'], url_pattern: '/a' }] }] });
    const port = await freePort();
    const cli = startCli(['console', '-c', file, '--listen', String(port)]);
    try {
      const deadline = Date.now() + 15_000;
      while (!cli.stderr().includes('console (offline) on http://127.0.0.1:')) {
        assert.ok(Date.now() < deadline, cli.stderr());
        await delay(50);
      }
      const model = JSON.parse((await request(`http://127.0.0.1:${port}/api/model`)).body) as { name: string; endpoints: { path: string; line: number }[] };
      assert.equal(model.name, 'offline');
      assert.deepEqual(model.endpoints.map((endpoint) => endpoint.path), ['/a']);
      assert.ok(model.endpoints[0]?.line !== undefined && model.endpoints[0].line > 1);
      const live = JSON.parse((await request(`http://127.0.0.1:${port}/api/live`)).body) as { offline?: boolean };
      assert.equal(live.offline, true);
      const page = await request(`http://127.0.0.1:${port}/`);
      assert.match(page.headers['content-security-policy'] as string, /default-src 'self'/);
      assert.match(page.body, /assets\/app\.js/);
      assert.equal((await request(`http://127.0.0.1:${port}/nope`)).status, 404);
    } finally {
      cli.kill();
    }
  });
});
