/**
 * `portico console -c FILE` (offline: the config's model, no live numbers) and `run --console ADDR`
 * (the running instance: its model, swapped on reload, and live numbers summed over workers).
 */
import type { Server } from 'node:http';
import { localMetricsSnapshot } from '../components/metrics/component.js';
import { collectFromWorkers } from '../components/metrics/relay.js';
import { loadConfig } from '../config/load.js';
import type { ConfigExtensions } from '../config/extensions.js';
import type { LoadResult } from '../config/load.js';
import type { ServiceConfig } from '../config/types.js';
import { buildConsoleModel } from '../console/model.js';
import type { ConsoleModel } from '../console/model.js';
import { parseConsoleAddress, startConsole } from '../console/server.js';

export class ConsoleUsageError extends Error {}

export function consoleAddress(value: string): { host: string; port: number } {
  const address = parseConsoleAddress(value);
  if (address === undefined) throw new ConsoleUsageError(`--console expects HOST:PORT or PORT (e.g. 127.0.0.1:9090), got "${value}"`);
  return address;
}

function announce(server: Server, offline: boolean): void {
  const address = server.address();
  if (address === null || typeof address === 'string') return;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const loopback = address.address.startsWith('127.') || address.address === '::1';
  process.stderr.write(`portico: console${offline ? ' (offline)' : ''} on http://${host}:${address.port}/${loopback ? '' : ' (not loopback: anyone who reaches it sees the config, secrets masked)'}\n`);
}

/** `portico console -c FILE [--listen ADDR]`: serves the model until stopped; each page load re-reads the file. */
export async function offlineConsole(file: string, listen: string, components: ConfigExtensions): Promise<void> {
  const { host, port } = consoleAddress(listen);
  let model = buildConsoleModel(file, await loadConfig(file, { components }));
  let loading: Promise<void> | undefined;
  const refresh = (): void => {
    loading ??= loadConfig(file, { components })
      .then((loaded) => void (model = buildConsoleModel(file, loaded)))
      .catch(() => undefined)
      .finally(() => (loading = undefined));
  };
  const server = await startConsole({
    host,
    port,
    model: () => {
      refresh();
      return model;
    },
  });
  announce(server, true);
}

/** The console of a running instance: the model follows reloads once they are applied. */
export class RunningConsole {
  private model: ConsoleModel;
  private candidate: ConsoleModel | undefined;

  private constructor(
    private readonly file: string,
    loaded: LoadResult,
    private current: ServiceConfig | undefined,
  ) {
    this.model = buildConsoleModel(file, loaded);
  }

  static async start(file: string, listen: string, loaded: LoadResult, workers: number, running?: ServiceConfig): Promise<RunningConsole> {
    const { host, port } = consoleAddress(listen);
    const handle = new RunningConsole(file, loaded, running);
    const server = await startConsole({
      host,
      port,
      model: () => handle.model,
      snapshot: () => (workers > 1 ? collectFromWorkers() : Promise.resolve(handle.current ? localMetricsSnapshot(handle.current) : undefined)),
    });
    announce(server, false);
    return handle;
  }

  /** A reload read and checked this result: shown once applied. */
  loaded(result: LoadResult): void {
    this.candidate = buildConsoleModel(this.file, result);
  }

  /** The reload was applied; `config` is what a single process now serves. */
  applied(config: ServiceConfig): void {
    if (this.candidate) this.model = this.candidate;
    this.candidate = undefined;
    this.current = config;
  }
}
