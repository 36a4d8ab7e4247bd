/**
 * `portico plugin init NAME [--type KIND] [--dir DIR]`: writes a typed TypeScript plugin project (package.json,
 * tsconfig, the plugin, a node:test test, a README) that builds and passes its test as generated.
 * The project depends on this Portico installation (`file:`), so it needs nothing from the network
 * beyond TypeScript and Node's types.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { PluginKind } from '../plugins/api.js';

export const PLUGIN_USAGE = `Usage: portico plugin init NAME [--type http-server|http-client|req-resp-modifier] [--dir DIR]

  NAME              the plugin's name, as the config lists it under "name" (lowercase, digits, - _ .)
  -t, --type KIND   the KrakenD plugin key it serves (default http-server)
  -d, --dir DIR     where to create the project (default ./NAME; must be empty or absent)
  -h, --help        show this help

Then: cd DIR && npm install && npm test. See docs/plugins.md.`;

const KINDS: readonly PluginKind[] = ['http-server', 'http-client', 'req-resp-modifier'];
const NAME = /^[a-z0-9][a-z0-9._-]{0,100}$/;

/** This installation's package root (from dist/src/cli/). */
const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export class PluginInitError extends Error {
  constructor(
    message: string,
    /** 2: a usage error; 1: the project could not be written. */
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}

export interface InitResult {
  dir: string;
  files: string[];
}

/** `args` are what follows `portico plugin`. */
export async function pluginCommand(args: string[]): Promise<InitResult | 'help'> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') return 'help';
  if (sub !== 'init') throw new PluginInitError(`unknown plugin command "${sub}"`, 2);
  let parsed: ReturnType<typeof parseInit>;
  try {
    parsed = parseInit(rest);
  } catch (error) {
    throw new PluginInitError((error as Error).message.split('\n')[0] as string, 2);
  }
  if (parsed.values.help) return 'help';
  const [name, extra] = parsed.positionals;
  if (name === undefined) throw new PluginInitError('missing the plugin NAME', 2);
  if (extra !== undefined) throw new PluginInitError(`unexpected argument "${extra}"`, 2);
  if (!NAME.test(name)) throw new PluginInitError(`"${name}" is not a usable plugin name: lowercase letters, digits, "-", "_" and "." only`, 2);
  const kind = (parsed.values.type ?? 'http-server') as PluginKind;
  if (!KINDS.includes(kind)) throw new PluginInitError(`--type expects one of ${KINDS.join(', ')}, got "${kind}"`, 2);
  const dir = resolve(parsed.values.dir ?? name);
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new PluginInitError(`${dir} exists and is not empty; choose another --dir`, 1);
  const files = scaffold(name, kind, dir);
  for (const [file, text] of Object.entries(files)) {
    await mkdir(join(dir, file, '..'), { recursive: true });
    await writeFile(join(dir, file), text);
  }
  return { dir, files: Object.keys(files) };
}

function parseInit(args: string[]) {
  return parseArgs({
    args,
    options: { type: { type: 'string', short: 't' }, dir: { type: 'string', short: 'd' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: true,
  });
}

function porticoVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

const FACTORY: Record<PluginKind, string> = {
  'http-server': 'httpServer',
  'http-client': 'httpClient',
  'req-resp-modifier': 'reqRespModifier',
};

/** The project's files, by path. */
export function scaffold(name: string, kind: PluginKind, dir: string): Record<string, string> {
  const packageJson = {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    description: `A Portico ${kind} plugin`,
    main: 'dist/src/plugin.js',
    scripts: { build: 'tsc -p tsconfig.json', test: 'npm run build && node --test dist/test/plugin.test.js' },
    devDependencies: {
      // This Portico installation: its types, definePlugin and pluginTestContext.
      portico: `file:${relative(dir, PACKAGE_ROOT) || '.'}`.replace(/\\/g, '/'),
      '@types/node': '^20.19.0',
      typescript: '~5.9.3',
    },
    engines: { node: '>=20.18.1' },
    porticoVersion: porticoVersion(),
  };
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      lib: ['ES2023'],
      types: ['node'],
      strict: true,
      outDir: 'dist',
      rootDir: '.',
      skipLibCheck: true,
      sourceMap: true,
    },
    include: ['src', 'test'],
  };
  return {
    'package.json': `${JSON.stringify(packageJson, null, 2)}\n`,
    'tsconfig.json': `${JSON.stringify(tsconfig, null, 2)}\n`,
    '.gitignore': 'node_modules/\ndist/\n',
    'src/plugin.ts': PLUGIN_SOURCE[kind](name),
    'test/plugin.test.ts': TEST_SOURCE[kind](name),
    'README.md': readme(name, kind),
  };
}

const PLUGIN_SOURCE: Record<PluginKind, (name: string) => string> = {
  'http-server': (name) => `/**
 * ${name}: a Portico \`plugin/http-server\` plugin. It wraps the gateway's request listener, so it sees
 * every request before routing. Its block: extra_config["plugin/http-server"]["${name}"].
 */
import { definePlugin } from 'portico';

export default definePlugin({
  name: '${name}',
  httpServer(config, context) {
    // Runs once at start-up: read and check the block here, never per request.
    const header = typeof config['header'] === 'string' ? config['header'] : 'X-Served-By';
    context.logger.info(\`[PLUGIN: ${name}] adding \${header} to every answer\`);

    return (next) => (request, response) => {
      response.setHeader(header, '${name}');
      next(request, response);
    };
  },
});
`,
  'http-client': (name) => `/**
 * ${name}: a Portico \`plugin/http-client\` plugin. It makes the backend call in place of Portico's HTTP
 * client, for the backends that name it. Its block: extra_config["plugin/http-client"]["${name}"].
 */
import type { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { definePlugin } from 'portico';

async function bodyBytes(body: Buffer | Readable | null): Promise<Buffer> {
  if (body === null) return Buffer.alloc(0);
  return Buffer.isBuffer(body) ? body : buffer(body);
}

export default definePlugin({
  name: '${name}',
  httpClient(config) {
    // Runs once at start-up: read and check the block here, never per request.
    const extraHeaders = config['headers'] !== null && typeof config['headers'] === 'object' ? (config['headers'] as Record<string, string>) : {};

    return async (request) => {
      const headers = new Headers();
      for (const [name, values] of Object.entries(request.headers)) for (const value of values) headers.append(name, value);
      for (const [name, value] of Object.entries(extraHeaders)) headers.set(name, String(value));
      const body = await bodyBytes(request.body);
      const answer = await fetch(request.url, { method: request.method, headers, signal: request.signal, redirect: 'manual', ...(body.length > 0 ? { body } : {}) });
      const responseHeaders: Record<string, string> = {};
      answer.headers.forEach((value, name) => {
        // fetch has decoded the body: its framing and encoding headers no longer apply.
        if (name !== 'content-encoding' && name !== 'content-length' && name !== 'transfer-encoding') responseHeaders[name] = value;
      });
      return { status: answer.status, headers: responseHeaders, body: new Uint8Array(await answer.arrayBuffer()) };
    };
  },
});
`,
  'req-resp-modifier': (name) => `/**
 * ${name}: a Portico \`plugin/req-resp-modifier\` plugin. Its request modifier runs before the call (at an
 * endpoint: before the backends; at a backend: before that backend), its response modifier on the answer.
 * Its block: extra_config["plugin/req-resp-modifier"]["${name}"].
 */
import { definePlugin, HttpError } from 'portico';

export default definePlugin({
  name: '${name}',
  reqRespModifier(config) {
    // Runs once at start-up: read and check the block here, never per request.
    const blocked = Array.isArray(config['blocked_agents']) ? config['blocked_agents'].filter((agent): agent is string => typeof agent === 'string') : [];

    return {
      request(request) {
        const agent = request.headers['User-Agent']?.[0] ?? '';
        // A thrown error with a statusCode is the client's answer; any other throw is a 500.
        if (blocked.some((word) => agent.includes(word))) throw new HttpError(403, 'this client is not allowed');
        request.headers['X-Checked-By'] = ['${name}'];
      },
      response(response) {
        response.data['checked_by'] = '${name}';
      },
    };
  },
});
`,
};

const TEST_SOURCE: Record<PluginKind, (name: string) => string> = {
  'http-server': (name) => `import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { pluginTestContext } from 'portico';
import plugin from '../src/plugin.js';

test('${name} adds its header around the next listener', async () => {
  const middleware = plugin.httpServer({ header: 'X-Test' }, pluginTestContext());
  const server = createServer(middleware((_request, response) => response.end('inner')));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const response = await fetch(\`http://127.0.0.1:\${(server.address() as AddressInfo).port}/\`);
    assert.equal(response.headers.get('x-test'), '${name}');
    assert.equal(await response.text(), 'inner');
  } finally {
    server.close();
  }
});
`,
  'http-client': (name) => `import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { pluginTestContext } from 'portico';
import plugin from '../src/plugin.js';

test('${name} calls the backend with the configured headers and returns its answer', async () => {
  const backend = createServer((request, response) => {
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify({ path: request.url, key: request.headers['x-api-key'] ?? null }));
  });
  backend.listen(0, '127.0.0.1');
  await once(backend, 'listening');
  try {
    const call = plugin.httpClient({ headers: { 'X-Api-Key': 'k1' } }, pluginTestContext());
    const url = \`http://127.0.0.1:\${(backend.address() as AddressInfo).port}/items?id=1\`;
    const answer = await call({ method: 'GET', url, headers: {}, body: null, signal: AbortSignal.timeout(5_000) });
    assert.equal(answer.status, 200);
    assert.deepEqual(JSON.parse(Buffer.from(answer.body as Uint8Array).toString()), { path: '/items?id=1', key: 'k1' });
  } finally {
    backend.close();
  }
});
`,
  'req-resp-modifier': (name) => `import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pluginTestContext } from 'portico';
import type { ProxyRequest, ProxyResponse } from 'portico';
import plugin from '../src/plugin.js';

const request = (agent: string): ProxyRequest => ({ method: 'GET', params: {}, query: null, headers: { 'User-Agent': [agent] }, body: null, bodyLength: undefined, path: '/' });

test('${name} marks allowed requests and refuses blocked agents with 403', async () => {
  const modifiers = plugin.reqRespModifier({ blocked_agents: ['BadBot'] }, pluginTestContext());
  const allowed = request('curl/8');
  await modifiers.request?.(allowed);
  assert.deepEqual(allowed.headers['X-Checked-By'], ['${name}']);
  await assert.rejects(async () => modifiers.request?.(request('BadBot/1.0')), { statusCode: 403 });
});

test('${name} marks the response data', async () => {
  const modifiers = plugin.reqRespModifier({}, pluginTestContext());
  const response: ProxyResponse = { data: { id: 1 }, isComplete: true, metadata: { statusCode: 200, headers: {} }, body: null };
  await modifiers.response?.(response);
  assert.deepEqual(response.data, { id: 1, checked_by: '${name}' });
});
`,
};

function readme(name: string, kind: PluginKind): string {
  const block = kind === 'http-client' ? `"plugin/http-client": { "name": "${name}", "${name}": {} }` : `"plugin/${kind}": { "name": ["${name}"], "${name}": {} }`;
  const where = kind === 'http-server' ? 'the root `extra_config`' : kind === 'http-client' ? "a backend's `extra_config`" : "an endpoint's or a backend's `extra_config`";
  return `# ${name}

A Portico \`${kind}\` plugin (factory \`${FACTORY[kind]}\` in \`src/plugin.ts\`).

\`\`\`sh
npm install
npm test          # builds to dist/ and runs test/plugin.test.ts
\`\`\`

Load it from your gateway config: the root \`plugin\` block names the folder of the compiled module, and
${where} names the plugin, with its own block under its name:

\`\`\`json
"plugin": { "folder": "./${name}/dist/src/", "pattern": "plugin.js" },
...
${block}
\`\`\`

See Portico's docs/plugins.md for the API.
`;
}
