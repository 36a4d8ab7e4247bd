#!/usr/bin/env node
/**
 * `portico run | check | audit | console | version | schema`. The only module that calls process.exit.
 */
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { configSchema, loadConfig } from '../config/load.js';
import { formatIssue } from '../config/issues.js';
import type { ConfigIssue } from '../config/issues.js';
import { createReloader, loadRunConfig, refusedLine, SNAPSHOT_TAG, watchConfigFiles } from '../runtime/reload.js';
import type { ConfigSnapshot } from '../runtime/reload.js';
import type { ServiceConfig } from '../config/types.js';
import type { Logger } from '../core/logger.js';
import { loggerFor, startGateway } from '../runtime/start.js';
import type { HttpServerKind } from '../server/limits.js';
import { processChannel } from '../shared-state/client.js';
import { PORTICO_VERSION } from '../version.js';
import { runPrimary } from './primary.js';
import { blockOf } from '../pipeline/registry.js';
import { METRICS_NAMESPACE, readMetricsSettings } from '../components/metrics/settings.js';
import { INFLUX_NAMESPACE } from '../components/influx/settings.js';
import { otelRootBlock } from '../components/opentelemetry/opencensus.js';
import { readOtelSettings } from '../components/opentelemetry/settings.js';
import { UsageError, auditCommand } from './audit.js';
import { CHECK_FORMATS, checkJson, checkSarif } from './check-report.js';
import type { CheckFormat } from './check-report.js';
import { ConfigIssues } from '../config/issues.js';
import { testRoutes } from '../runtime/test-routes.js';
import { createBuiltinRegistry } from '../components/builtin.js';

/** Every component this program knows: the one registry config checks and gateway builds use. */
const components = createBuiltinRegistry();
import { CONSOLE_WORKER_ENV, withConsoleMetrics } from '../console/instrument.js';
import { ConsoleUsageError, RunningConsole, consoleAddress, offlineConsole } from './console.js';
import { PLUGIN_USAGE, PluginInitError, pluginCommand } from './plugin-init.js';
import { openapiCommand } from './openapi.js';

const USAGE: Record<string, string> = {
  main: `Usage: portico <command> [options]

Commands:
  run      start the gateway
  check    validate a config file without starting
  audit    report security and design recommendations for a config (KrakenD's audit rules)
  console  browse a config's endpoints, pipelines and findings in a web page
  schema   print the JSON Schema of the supported configuration
  plugin   "plugin init NAME" scaffolds a TypeScript plugin project
  openapi  import an OpenAPI 3 document as a config, or export a config as OpenAPI
  version  print the version

Run "portico <command> --help" for a command's options.`,
  run: `Usage: portico run -c FILE [-p PORT] [-d] [-w N] [--watch] [--console ADDR] [--allow-missing-plugin NAME]...

  -c, --config FILE   the configuration file (JSON, YAML or TOML by extension; a template with FC_ENABLE=1)
  -p, --port PORT     listen on this port instead of the config's "port"
  -d, --debug         enable /__debug/ and debug logging
  -w, --workers N     worker processes (default: one per core; 1 runs in this process)
      --watch         reload when the config file changes (SIGHUP always reloads)
      --console ADDR  serve the read-only console on ADDR (e.g. 127.0.0.1:9090; never the public
                      listener): endpoints, pipelines, findings and live traffic (docs/console.md)
  --allow-missing-plugin NAME
                      start although the config names a plugin NAME that is not loaded (a Go plugin,
                      say) (repeatable; also PORTICO_ALLOW_MISSING_PLUGINS=a,b; see docs/plugins.md)
  -h, --help          show this help

On SIGHUP (or a change, with --watch) the config is loaded and checked again; a valid one replaces the
running one without dropping a request, an invalid one is logged and the running one keeps serving.`,
  check: `Usage: portico check -c FILE [--lint] [-d] [-t] [--format text|json|sarif] [--allow-missing-plugin NAME]...

  -c, --config FILE       the configuration file
  -l, --lint              also treat unknown keys and namespaces as errors
  -d, --debug             print the rendered configuration (flexible configuration, FC_ENABLE=1) first
  -t, --test-gin-routes   also build every endpoint's handlers and request each endpoint's path
      --format FORMAT     text (default, on stderr), json or sarif (SARIF 2.1.0), on stdout
  --allow-missing-plugin NAME
                          check as "run --allow-missing-plugin NAME" would start (repeatable)
  -h, --help              show this help

With FC_ENABLE=1 the file is a Go template: FC_SETTINGS, FC_PARTIALS, FC_TEMPLATES and FC_OUT work as
in KrakenD (see docs/flexible-configuration.md); it is rendered first, then checked.
Exits 0 when the config is valid, 1 otherwise, printing every problem as file:line:column.`,
  audit: `Usage: portico audit -c FILE [-s SEVERITIES] [-i IDS] [-I FILE] [-f TEMPLATE | --format json|sarif]

  -c, --config FILE        the configuration file
  -s, --severity LIST      severities to report (default CRITICAL,HIGH,MEDIUM,LOW)
  -i, --ignore IDS         rule ids to skip, comma-separated (e.g. 1.2.1,3.1.1)
  -I, --ignore-file FILE   a file of rule ids to skip, one per line
  -f, --format TEMPLATE    a Go template for the report (as krakend audit's), on stderr;
                           "json" or "sarif" (SARIF 2.1.0) prints the report on stdout instead
  -h, --help               show this help

Exits 1 when any recommendation is reported or the file cannot be parsed, 0 otherwise.
Rules: docs/audit.md.`,
  console: `Usage: portico console -c FILE [--listen ADDR]

  -c, --config FILE   the configuration file
      --listen ADDR   where to serve the page (default 127.0.0.1:9090)
  -h, --help          show this help

Serves a read-only page of the config: endpoints, pipelines, the endpoint → backend graph, and the
check and audit findings with their lines. Secrets are masked. Each page load re-reads the file.`,
  schema: 'Usage: portico schema\n\nPrints the JSON Schema of every key Portico supports.',
  version: 'Usage: portico version',
};

const OPTIONS: Record<string, ParseArgsConfig['options']> = {
  run: {
    config: { type: 'string', short: 'c' },
    port: { type: 'string', short: 'p' },
    debug: { type: 'boolean', short: 'd' },
    workers: { type: 'string', short: 'w' },
    watch: { type: 'boolean' },
    console: { type: 'string' },
    'allow-missing-plugin': { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h' },
  },
  console: {
    config: { type: 'string', short: 'c' },
    listen: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  check: {
    config: { type: 'string', short: 'c' },
    lint: { type: 'boolean', short: 'l' },
    debug: { type: 'boolean', short: 'd' },
    'test-gin-routes': { type: 'boolean', short: 't' },
    format: { type: 'string' },
    'allow-missing-plugin': { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h' },
  },
  audit: {
    config: { type: 'string', short: 'c' },
    severity: { type: 'string', short: 's' },
    ignore: { type: 'string', short: 'i' },
    'ignore-file': { type: 'string', short: 'I' },
    format: { type: 'string', short: 'f' },
    help: { type: 'boolean', short: 'h' },
  },
  schema: { help: { type: 'boolean', short: 'h' } },
  version: { help: { type: 'boolean', short: 'h' } },
};

function fail(message: string, usage: string): never {
  process.stderr.write(`portico: ${message}\n\n${usage}\n`);
  process.exit(2);
}

function printIssues(issues: ConfigIssue[]): void {
  for (const issue of issues) process.stderr.write(`${formatIssue(issue)}\n`);
}

async function main(argv: string[]): Promise<void> {
  if (cluster.isWorker) {
    await runWorker();
    return;
  }
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE['main']}\n`);
    process.exit(command === undefined ? 2 : 0);
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${PORTICO_VERSION}\n`);
    return;
  }
  if (command === 'plugin') return initPlugin(rest);
  if (command === 'openapi') process.exit(await openapiCommand(rest, components));
  const options = OPTIONS[command];
  const usage = USAGE[command];
  if (options === undefined || usage === undefined) fail(`unknown command "${command}"`, USAGE['main'] as string);
  let values: Record<string, string | boolean | undefined>;
  try {
    const parsed = parseArgs({ args: rest, options, strict: true, allowPositionals: false });
    values = parsed.values as Record<string, string | boolean | undefined>;
  } catch (error) {
    fail((error as Error).message.split('\n')[0] as string, usage);
  }
  if (values['help']) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  switch (command) {
    case 'version':
      process.stdout.write(`Portico ${PORTICO_VERSION} (KrakenD v3 configuration format)\n`);
      return;
    case 'schema':
      process.stdout.write(`${JSON.stringify(configSchema(components), null, 2)}\n`);
      return;
    case 'check':
      await check(values, usage);
      return;
    case 'audit':
      try {
        process.exit(await auditCommand(values, components));
      } catch (error) {
        if (error instanceof UsageError) fail(error.message, usage);
        throw error;
      }
    case 'run':
      await run(values, usage);
      return;
    case 'console': {
      const file = values['config'];
      if (typeof file !== 'string') fail('missing --config FILE', usage);
      await withConsoleUsage(usage, () => offlineConsole(file, typeof values['listen'] === 'string' ? values['listen'] : '127.0.0.1:9090', components));
      return;
    }
  }
}

async function initPlugin(args: string[]): Promise<void> {
  try {
    const result = await pluginCommand(args);
    if (result === 'help') {
      process.stdout.write(`${PLUGIN_USAGE}\n`);
      return;
    }
    process.stdout.write(`created ${result.dir}: ${result.files.join(', ')}\nnext: cd ${result.dir} && npm install && npm test\n`);
  } catch (error) {
    if (!(error instanceof PluginInitError)) throw error;
    if (error.exitCode === 2) fail(error.message, PLUGIN_USAGE);
    process.stderr.write(`portico: ${error.message}\n`);
    process.exit(1);
  }
}

async function check(values: Record<string, string | boolean | undefined>, usage: string): Promise<void> {
  const file = values['config'];
  if (typeof file !== 'string') fail('missing --config FILE', usage);
  const format = (values['format'] ?? 'text') as CheckFormat;
  if (!CHECK_FORMATS.includes(format)) fail(`--format expects one of ${CHECK_FORMATS.join(', ')}, got "${String(format)}"`, usage);
  const result = await loadConfig(file, { components, lint: values['lint'] === true, allowMissingPlugins: allowedPluginsOf(values) });
  failIfUnreadable(result.issues, usage);
  if (values['debug'] === true && result.rendered) {
    // A json/sarif report owns stdout; the rendering then goes to stderr.
    const out = format === 'text' ? process.stdout : process.stderr;
    out.write(`${result.rendered.text}${result.rendered.text.endsWith('\n') ? '' : '\n'}`);
  }
  const issues = [...result.issues];
  if (values['test-gin-routes'] === true && result.config) {
    const routeIssues = new ConfigIssues(file);
    routeIssues.document = result.document;
    await testRoutes(result.config, routeIssues, components);
    issues.push(...routeIssues.list);
  }
  const errors = issues.filter((issue) => issue.severity === 'error').length;
  const valid = errors === 0 && result.config !== undefined;
  if (format !== 'text') {
    const report = format === 'json' ? checkJson(file, issues, result.config?.endpoints.length) : checkSarif(issues);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    process.exit(valid ? 0 : 1);
  }
  printIssues(issues);
  if (!valid || !result.config) {
    process.stderr.write(`${file}: ${errors} error(s), ${issues.length - errors} warning(s)\n`);
    process.exit(1);
  }
  process.stdout.write(`${file}: OK (${result.config.endpoints.length} endpoints)\n`);
}

async function run(values: Record<string, string | boolean | undefined>, usage: string): Promise<void> {
  const file = values['config'];
  if (typeof file !== 'string') fail('missing --config FILE', usage);
  const port = parseNumber(values['port'], 'port', usage);
  const workers = parseNumber(values['workers'], 'workers', usage) ?? availableParallelism();
  const allowMissingPlugins = allowedPluginsOf(values);
  const result = await loadRunConfig(file, undefined, { components, allowMissingPlugins });
  failIfUnreadable(result.issues, usage);
  printIssues(result.issues);
  if (!result.config) {
    process.stderr.write(`${file}: the configuration has errors; not starting\n`);
    process.exit(1);
  }
  const debug = values['debug'] === true;
  const watch = values['watch'] === true;
  const consoleAt = typeof values['console'] === 'string' ? values['console'] : undefined;
  if (consoleAt !== undefined) await withConsoleUsage(usage, () => Promise.resolve(consoleAddress(consoleAt)));
  if (workers <= 1) {
    // One process: the new config is compiled here and swapped in (see Gateway.replace).
    const serving = consoleAt !== undefined ? withConsoleMetrics(result.config) : result.config;
    const running = await startGateway(serving, { components, ...(port !== undefined ? { port } : {}), debug, handleSignals: true, httpServer: httpServerFromEnv() });
    const consoleView = consoleAt !== undefined ? await RunningConsole.start(file, consoleAt, result, 1, serving) : undefined;
    serveReloads(file, result.files, allowMissingPlugins, watch, () => running.logger, (loaded) => {
      const config = consoleView ? withConsoleMetrics(loaded) : loaded;
      const needRestart = running.reload(config);
      consoleView?.applied(config);
      if (needRestart.length > 0) running.logger.warn(`[SERVICE: Portico][Reload] ${needRestart.join(', ')} changed: kept as they were until a restart (one process keeps its listener; with -w 2 or more, new workers apply them)`);
      return Promise.resolve(true);
    }, consoleView);
    return;
  }
  // The primary's own lines keep the start-up logging settings; each new worker applies the new ones.
  const logger = loggerFor(result.config, debug);
  // Each worker adds the console's metrics block to the config it loads (console/instrument.ts).
  if (consoleAt !== undefined) process.env[CONSOLE_WORKER_ENV] = '1';
  const metricsBlock = blockOf(result.config.extraConfig, METRICS_NAMESPACE);
  const influxBlock = blockOf(result.config.extraConfig, INFLUX_NAMESPACE);
  const otelBlock = otelRootBlock(result.config);
  const primary = runPrimary({
    workers,
    snapshot: result.snapshot as ConfigSnapshot,
    port,
    debug,
    graceMs: result.config.server.maxShutdownWaitMs,
    logger,
    allowMissingPlugins,
    // The stats listener is the primary's: it keeps its start-up settings across reloads.
    ...(metricsBlock ? { metrics: readMetricsSettings(metricsBlock) } : {}),
    ...(influxBlock ? { influx: influxBlock } : {}),
    ...(otelBlock ? { openTelemetry: readOtelSettings(otelBlock, result.config.name) } : {}),
  });
  const consoleView = consoleAt !== undefined ? await RunningConsole.start(file, consoleAt, result, workers) : undefined;
  serveReloads(
    file,
    result.files,
    allowMissingPlugins,
    watch,
    () => logger,
    async (config, snapshot) => {
      const rolled = await primary.rollOut(snapshot, config.server.maxShutdownWaitMs);
      if (rolled) consoleView?.applied(config);
      return rolled;
    },
    consoleView,
  );
}

/** A bad console address is a usage mistake, like any bad flag. */
async function withConsoleUsage<T>(usage: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof ConsoleUsageError) fail(error.message, usage);
    throw error;
  }
}

/** SIGHUP, and with --watch a change to any file the config was read from, reload the config. */
function serveReloads(
  file: string,
  files: string[],
  allowMissingPlugins: readonly string[],
  watch: boolean,
  logger: () => Logger,
  apply: (config: ServiceConfig, snapshot: ConfigSnapshot) => Promise<boolean>,
  console?: RunningConsole,
): void {
  const watcher = watch ? watchConfigFiles((changed) => void reloader.reload(`${changed} changed`)) : undefined;
  const reloader = createReloader({
    file,
    logger,
    load: async (path) => {
      const result = await loadRunConfig(path, undefined, { components, allowMissingPlugins });
      console?.loaded(result);
      return result;
    },
    apply: async (config, snapshot) => {
      try {
        return await apply(config, snapshot);
      } catch (error) {
        logger().error(refusedLine(`${file}: ${(error as Error).message}`));
        return false;
      }
    },
    ...(watcher ? { onFiles: (read: string[]) => watcher.watch(read) } : {}),
  });
  watcher?.watch(files);
  process.on('SIGHUP', () => void reloader.reload('SIGHUP received'));
}

function allowedPluginsOf(values: Record<string, unknown>): string[] {
  const names = values['allow-missing-plugin'];
  return Array.isArray(names) ? names.filter((name): name is string => typeof name === 'string' && name !== '') : [];
}

/** A missing or unreadable file is a usage mistake: one line and the usage, like an unknown flag. */
function failIfUnreadable(issues: ConfigIssue[], usage: string): void {
  const unreadable = issues.find((issue) => issue.code === 'PRT_ERR_CONFIG_READ');
  if (unreadable) fail(unreadable.message, usage);
}

function parseNumber(value: string | boolean | undefined, name: string, usage: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(number) || number < 0 || number > 65535) fail(`--${name} expects a whole number, got "${String(value)}"`, usage);
  return number;
}

/** A worker: loads the same file (stateless, identical copies) and serves. */
async function runWorker(): Promise<void> {
  // The primary reloads; a SIGHUP sent to the whole process group must not end a worker.
  process.on('SIGHUP', () => undefined);
  const snapshot = await snapshotFromPrimary();
  const allowMissingPlugins = (process.env['PORTICO_WORKER_ALLOW_MISSING_PLUGINS'] ?? '').split(',').filter(Boolean);
  const result = await loadRunConfig(snapshot.file, snapshot, { components, allowMissingPlugins });
  if (!result.config) {
    // The primary checked this text: only a bug or a changed environment gets here. Say why and stop.
    printIssues(result.issues.filter((issue) => issue.severity === 'error'));
    process.exit(1);
  }
  const port = process.env['PORTICO_WORKER_PORT'];
  await startGateway(process.env[CONSOLE_WORKER_ENV] === '1' ? withConsoleMetrics(result.config) : result.config, {
    components,
    ...(port ? { port: Number(port) } : {}),
    debug: process.env['PORTICO_WORKER_DEBUG'] === '1',
    handleSignals: true,
    sharedState: processChannel(),
    httpServer: httpServerFromEnv(),
  });
}

/** `PORTICO_HTTP_SERVER=node` listens with node:http instead of Portico's own HTTP/1.1 server. */
function httpServerFromEnv(): HttpServerKind {
  return process.env['PORTICO_HTTP_SERVER'] === 'node' ? 'node' : 'portico';
}

/** The config text this worker's generation was checked with, from the primary (bounded wait). */
function snapshotFromPrimary(): Promise<ConfigSnapshot> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      process.stderr.write('portico: worker: no config from the primary process within 10 s\n');
      process.exit(1);
    }, 10_000);
    const onMessage = (message: unknown): void => {
      const snapshot = (message as Record<string, unknown> | null)?.[SNAPSHOT_TAG] as ConfigSnapshot | undefined;
      if (typeof snapshot?.text !== 'string' || typeof snapshot.file !== 'string') return;
      clearTimeout(timer);
      process.off('message', onMessage);
      resolve(snapshot);
    };
    process.on('message', onMessage);
    process.send?.({ [SNAPSHOT_TAG]: 'ask' });
  });
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const err = error as NodeJS.ErrnoException;
  if (err.code === 'EADDRINUSE' || err.code === 'EACCES') {
    process.stderr.write(`portico: cannot listen: ${err.message}\n`);
  } else {
    process.stderr.write(`portico: ${err.stack ?? String(error)}\n`);
  }
  process.exit(1);
});
