/**
 * `npm start`: starts the demo backends, then a gateway in this process on `examples/demo/krakend.json`
 * (or the file given as the first argument), and prints URLs to try. Ctrl-C drains and exits 0.
 *
 * The gateway is the same one `portico run -c FILE -w 1` starts: `loadConfig` + `startGateway`.
 * `PORTICO_PORT=9000 npm start` (or `KRAKEND_PORT`) moves the gateway off 8080. The console is on
 * 127.0.0.1:9090 (`PORTICO_CONSOLE=ADDR` moves it, `PORTICO_CONSOLE=off` turns it off).
 */
import { fileURLToPath } from 'node:url';
import { formatIssue } from '../../src/config/issues.js';
import { loadConfig } from '../../src/config/load.js';
import { startGateway } from '../../src/runtime/start.js';
import type { RunningGateway } from '../../src/runtime/start.js';
import { startDemoBackends } from './backends.js';
import { localMetricsSnapshot } from '../../src/components/metrics/component.js';
import { withConsoleMetrics } from '../../src/console/instrument.js';
import { buildConsoleModel } from '../../src/console/model.js';
import { parseConsoleAddress, startConsole } from '../../src/console/server.js';
import type { DemoBackends } from './backends.js';
import { components } from '../../test/helpers/components.js';

/** From `dist/examples/demo/` back to the source tree, where the JSON file lives. */
const DEFAULT_CONFIG = fileURLToPath(new URL('../../../examples/demo/krakend.json', import.meta.url));

const TRY: readonly [string, string][] = [
  ['/users/1', 'plain proxy with a {param}; repeat it and watch "served_by" alternate (round-robin)'],
  ['/users/1/profile', 'two backends merged, shaped with allow/mapping/group; Cache-Control from cache_ttl'],
  ['/posts/search?q=the&limit=2&secret=x', 'only q and limit reach the backend (try -H "X-Request-Id: 42")'],
  ['/files/hello.txt', 'no-op passthrough: backend status, headers and body untouched (try /files/nope)'],
  ['/dashboard', 'slow backend cut at 85% of the 1s timeout: partial answer, X-Krakend-Completed: false'],
  ['/dashboard?delay=100', 'the same, fast enough: complete answer'],
  ['/status/418', 'backend/http return_error_code: the backend status and body reach the client'],
  ['/__health', "the gateway's own health endpoint"],
  ['/__echo/anything?x=1', 'echo endpoint (echo_endpoint: true)'],
  ['/nowhere', 'custom 404 body from router.error_body'],
];

function write(text: string): void {
  process.stdout.write(`${text}\n`);
}

async function main(): Promise<void> {
  const file = process.argv[2] ?? DEFAULT_CONFIG;
  const result = await loadConfig(file, { components });
  for (const issue of result.issues) process.stderr.write(`${formatIssue(issue)}\n`);
  if (!result.config) {
    process.stderr.write(`${file}: the configuration has errors; not starting\n`);
    process.exitCode = 1;
    return;
  }

  const consoleAt = process.env['PORTICO_CONSOLE'] ?? '127.0.0.1:9090';
  const serving = consoleAt === 'off' ? result.config : withConsoleMetrics(result.config);
  let backends: DemoBackends | undefined;
  let gateway: RunningGateway | undefined;
  try {
    backends = await startDemoBackends();
    gateway = await startGateway(serving, { components });
  } catch (error) {
    await backends?.close();
    const err = error as NodeJS.ErrnoException;
    process.stderr.write(`demo: ${err.code === 'EADDRINUSE' ? `${err.message} (set PORTICO_PORT to use another gateway port)` : err.message}\n`);
    process.exitCode = 1;
    return;
  }

  const host = gateway.address.address === '::' || gateway.address.address === '0.0.0.0' ? '127.0.0.1' : gateway.address.address;
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${gateway.address.port}`;
  write('');
  write(`Portico demo gateway on ${base} (config: ${file})`);
  write(`Demo backends: ${Object.entries(backends.urls).map(([name, url]) => `${name} ${url}`).join(', ')}`);
  if (consoleAt !== 'off') {
    const address = parseConsoleAddress(consoleAt);
    try {
      if (address === undefined) throw new Error(`PORTICO_CONSOLE expects HOST:PORT, PORT or off, got "${consoleAt}"`);
      const loaded = result;
      await startConsole({ ...address, model: () => buildConsoleModel(file, loaded), snapshot: () => Promise.resolve(localMetricsSnapshot(serving)) });
      write(`Console: http://${address.host}:${address.port}/ (endpoints, pipelines, findings, live traffic)`);
    } catch (error) {
      // The demo still serves without its console (a port in use, say).
      write(`Console not started: ${(error as Error).message}`);
    }
  }
  write('');
  write('Try:');
  for (const [path, what] of TRY) write(`  curl -i ${base}${path}\n      ${what}`);
  write('');
  write('Ctrl-C stops the gateway and the backends.');

  const running = gateway;
  const started = backends;
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      // A second Ctrl-C: do not wait for the drain.
      process.exit(130);
    }
    stopping = true;
    write(`\n${signal}: draining in-flight requests (up to ${result.config?.server.maxShutdownWaitMs ?? 0} ms), then stopping`);
    void running
      .stop()
      .then(() => started.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`demo: shutdown failed: ${String(error)}\n`);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`demo: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
