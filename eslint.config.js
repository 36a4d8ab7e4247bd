// Type-aware lint for the rules that catch real gateway bugs: a floating promise is a crash or a leak.
// And the layer rule: each directory of src/ imports only the directories below it.
import { dirname, relative, resolve, sep } from 'node:path';
import tseslint from 'typescript-eslint';

/**
 * What each directory of src/ may import besides itself. Config feeds the pipeline, which composes the
 * router and proxy layers over the transport; components plug into the pipeline; server, runtime and cli
 * compose the program. `core` is the vocabulary every layer shares (errors, cancellation, logger).
 */
const BASE = ['util', 'core', 'version.ts'];
const DATA = [...BASE, 'config'];
const PROXY = [...DATA, 'encoding', 'render', 'transport', 'proxy'];
const PIPELINE = [...PROXY, 'router', 'shared-state', 'pipeline'];
export const LAYERS = {
  'version.ts': [],
  util: [],
  core: ['util'],
  config: BASE,
  encoding: BASE,
  render: [...BASE, 'encoding'],
  transport: DATA,
  'shared-state': DATA,
  audit: DATA,
  proxy: PROXY,
  router: [...PROXY, 'router'],
  pipeline: PIPELINE,
  // OpenAPI import and export: config documents in, config documents out.
  openapi: [...PIPELINE, 'openapi'],
  // Brokers and async agents: connections and the agents' pipes, below the components that use them.
  messaging: [...PROXY, 'messaging'],
  // TypeScript plugins: components made from user modules, on the same API as the built-in ones.
  plugins: [...PIPELINE, 'server', 'plugins'],
  components: [...PIPELINE, 'messaging', 'components', 'plugins'],
  server: [...PIPELINE, 'messaging', 'server'],
  runtime: [...PIPELINE, 'messaging', 'components', 'server', 'runtime'],
  // The console reads a loaded config, the pipeline's layer order, the metrics and the audit.
  console: [...PIPELINE, 'components', 'audit', 'console'],
  cli: [...PIPELINE, 'messaging', 'openapi', 'components', 'plugins', 'server', 'runtime', 'audit', 'console', 'cli'],
  // The package's public entry: the types a component or plugin is written against.
  'index.ts': [...PIPELINE, 'plugins'],
};

const SRC = resolve(import.meta.dirname, 'src');

/** The directory of src/ a path is in (`version.ts` for that file), or undefined outside src/. */
function layerOf(path) {
  const inside = relative(SRC, path);
  if (inside.startsWith('..') || inside === '') return undefined;
  return inside.split(sep)[0].replace(/\.js$/, '.ts');
}

const layersRule = {
  meta: { type: 'problem', schema: [], messages: { wrong: '{{from}} may not import {{to}}: layers point one way ({{from}} may import {{allowed}}; see LAYERS in eslint.config.js)', unplaced: 'src/{{from}} has no place in LAYERS (eslint.config.js)' } },
  create(context) {
    const file = context.filename;
    const from = layerOf(file);
    if (from === undefined || /\.test\.ts$/.test(file)) return {};
    const allowed = LAYERS[from];
    const check = (node) => {
      const spec = node?.value;
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const to = layerOf(resolve(dirname(file), spec));
      if (to === undefined || to === from) return;
      if (allowed === undefined) context.report({ node, messageId: 'unplaced', data: { from } });
      else if (!allowed.includes(to)) context.report({ node, messageId: 'wrong', data: { from: `src/${from}`, to: `src/${to}`, allowed: allowed.join(', ') || 'nothing' } });
    };
    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
    };
  },
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '**/*.generated.js'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { '@typescript-eslint': tseslint.plugin, portico: { rules: { layers: layersRule } } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's describe/it/test return promises the runner itself awaits.
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/require-await': 'off',
      'portico/layers': 'error',
    },
  },
);
