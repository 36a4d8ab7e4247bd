/**
 * The package entry as a user meets it: `import ... from 'portico'` from a project outside this
 * repository resolves through package.json `exports`, type-checks a plugin and a component against the
 * published declarations, and loads at run time.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { PACKAGE_ROOT, run, tempProject, TSC } from '../helpers/package-project.js';

const TSCONFIG = JSON.stringify({
  compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, types: ['node'], outDir: 'out', skipLibCheck: true },
  include: ['*.ts'],
});

const GOOD = `
import { definePlugin, HttpError } from 'portico';
import type { ComponentDefinition, ProxyRequest, ServiceMiddleware } from 'portico';

export default definePlugin({
  name: 'tenant',
  httpServer: (config, context) => {
    const header = typeof config['header'] === 'string' ? config['header'] : 'X-Tenant';
    context.logger.info('built');
    const middleware: ServiceMiddleware = (next) => (request, response) => {
      response.setHeader(header, 'acme');
      next(request, response);
    };
    return middleware;
  },
  reqRespModifier: () => ({
    request(request: ProxyRequest) {
      if (request.headers['X-Block'] !== undefined) throw new HttpError(403, 'blocked');
      request.headers['X-Seen'] = ['1'];
    },
  }),
  httpClient: () => async (request) => ({ status: 200, body: request.url }),
});

export const component: ComponentDefinition = {
  namespace: 'example/noop',
  schemas: { endpoint: { type: 'object' } },
  proxy: () => (next) => (request, cancel) => next(request, cancel),
};
`;

// The factory's inferred parameter types catch a wrong return: a number is no ServiceMiddleware.
const BAD = `
import { definePlugin } from 'portico';
export default definePlugin({ name: 'broken', httpServer: (config) => config['x'] === 1 ? 1 : 2 });
`;

test('the package entry resolves by name, type-checks a plugin, and rejects a wrong one', { timeout: 120_000 }, async () => {
  const manifest = JSON.parse(await readFile(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { main: string; types: string; exports: Record<string, Record<string, string>> };
  for (const file of [manifest.main, manifest.types, manifest.exports['.']?.['import'], manifest.exports['.']?.['types']]) {
    assert.ok(file, 'package.json names the entry');
    await readFile(join(PACKAGE_ROOT, file)); // exists
  }

  const dir = await tempProject();
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'user-plugin', type: 'module', private: true }));
  await writeFile(join(dir, 'tsconfig.json'), TSCONFIG);
  await writeFile(join(dir, 'plugin.ts'), GOOD);
  const good = await run(process.execPath, [TSC, '-p', '.'], dir);
  assert.equal(good.code, 0, good.output);

  const loaded = await run(process.execPath, ['--input-type=module', '-e', "const m = await import('./out/plugin.js'); const p = m.default; console.log(p.name, typeof p.httpServer, m.component.namespace)"], dir);
  assert.equal(loaded.code, 0, loaded.output);
  assert.equal(loaded.output.trim(), 'tenant function example/noop');

  await writeFile(join(dir, 'plugin.ts'), BAD);
  const bad = await run(process.execPath, [TSC, '-p', '.'], dir);
  assert.notEqual(bad.code, 0);
  assert.match(bad.output, /plugin\.ts\(3,\d+\): error TS\d+/);
});
