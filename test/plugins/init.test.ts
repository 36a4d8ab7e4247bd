/**
 * `portico plugin init`: each kind's project, as generated, type-checks, builds and passes its own test
 * (dependencies linked, as `npm install` of its `file:` dependency would); the http-server one also runs
 * inside a real gateway. Bad input gets a clear answer.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { CLI_PATH } from '../helpers/cli.js';
import { request } from '../helpers/http.js';
import { linkDependencies, PACKAGE_ROOT, run, TSC } from '../helpers/package-project.js';
import { startGateway } from '../helpers/servers.js';

const KINDS = ['http-server', 'http-client', 'req-resp-modifier'] as const;

async function init(args: string[], cwd: string) {
  return run(process.execPath, [CLI_PATH, 'plugin', 'init', ...args], cwd, 20_000);
}

describe('portico plugin init', () => {
  for (const kind of KINDS) {
    it(`scaffolds a ${kind} plugin that builds and passes its test as generated`, { timeout: 120_000 }, async () => {
      const root = await mkdtemp(join(tmpdir(), 'portico-init-'));
      const name = `my-${kind}`;
      const created = await init([name, '--type', kind, '--dir', join('plugins', name)], root);
      assert.equal(created.code, 0, created.output);
      const dir = join(root, 'plugins', name);
      assert.match(created.output, new RegExp(`created ${dir}`));
      assert.deepEqual((await readdir(dir)).sort(), ['.gitignore', 'README.md', 'package.json', 'src', 'test', 'tsconfig.json']);
      const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
      assert.equal(resolve(dir, (manifest.devDependencies['portico'] ?? '').replace(/^file:/, '')), resolve(PACKAGE_ROOT), 'the file: dependency is this installation');

      await linkDependencies(dir);
      const built = await run(process.execPath, [TSC, '-p', 'tsconfig.json'], dir);
      assert.equal(built.code, 0, built.output);
      const tested = await run(process.execPath, ['--test', 'dist/test/plugin.test.js'], dir);
      assert.equal(tested.code, 0, tested.output);
      assert.match(tested.output, /# pass [1-9]/);
      assert.match(tested.output, /# fail 0/);

      if (kind === 'http-server') {
        const gateway = await startGateway({
          version: 3,
          plugin: { folder: join(dir, 'dist', 'src'), pattern: 'plugin.js' },
          extra_config: { 'plugin/http-server': { name: [name], [name]: { header: 'X-From-Plugin' } } },
          endpoints: [{ endpoint: '/static', extra_config: { proxy: { static: { strategy: 'always', data: { ok: true } } } }, backend: [{ host: ['http://127.0.0.1:9'], url_pattern: '/' }] }],
        });
        try {
          const response = await request(`${gateway.url}/anything`);
          assert.equal(response.headers['x-from-plugin'], name);
        } finally {
          await gateway.close();
        }
      }
    });
  }

  it('refuses a bad name, an unknown type and a non-empty directory', async () => {
    const root = await mkdtemp(join(tmpdir(), 'portico-init-'));
    const badName = await init(['My Plugin'], root);
    assert.equal(badName.code, 2);
    assert.match(badName.output, /"My Plugin" is not a usable plugin name/);
    const badType = await init(['ok', '--type', 'http-proxy'], root);
    assert.equal(badType.code, 2);
    assert.match(badType.output, /--type expects one of http-server, http-client, req-resp-modifier, got "http-proxy"/);
    await writeFile(join(root, 'taken'), 'x');
    const taken = await init(['ok', '--dir', '.'], root);
    assert.equal(taken.code, 1);
    assert.match(taken.output, /exists and is not empty/);
    const missing = await init([], root);
    assert.equal(missing.code, 2);
    assert.match(missing.output, /missing the plugin NAME/);
  });
});
