/**
 * Starts a gateway in this process from a loaded config: logger, listener, signal handling and the
 * last-resort error handlers. Shared by `portico run` (each worker) and the demo.
 */
import type { AddressInfo } from 'node:net';
import type { ServiceConfig } from '../config/types.js';
import type { ComponentRegistry } from '../pipeline/registry.js';
import { createGateway } from '../server/gateway.js';
import type { Gateway } from '../server/gateway.js';
import type { HttpServerKind } from '../server/limits.js';
import { readLoggingSettings } from '../components/logging/settings.js';
import { createLogger } from '../core/logger.js';
import type { Logger } from '../core/logger.js';
import { SharedStateClient } from '../shared-state/client.js';
import { stopPretenuringOnceServing } from './heap-flags.js';
import type { StateChannel } from '../shared-state/client.js';

export interface StartOptions {
  /** The registry the config was loaded with. */
  components: ComponentRegistry;
  port?: number;
  debug?: boolean;
  /** Installs SIGTERM/SIGINT handlers that drain and exit. */
  handleSignals?: boolean;
  /** A worker of `portico run -w N`: the channel to the primary, which owns per-instance state. */
  sharedState?: StateChannel;
  /** The plain HTTP/1.1 server (see GatewayOptions.httpServer). */
  httpServer?: HttpServerKind;
}

export interface RunningGateway {
  gateway: Gateway;
  logger: Logger;
  address: AddressInfo;
  stop(): Promise<void>;
  /** Serves from `config` from now on, in this process (see Gateway.replace); returns the keys that need a restart. */
  reload(config: ServiceConfig): string[];
}

export function loggerFor(config: ServiceConfig, debug = false): Logger {
  const { router } = config;
  return createLogger({ ...readLoggingSettings(config.extraConfig, debug), accessLog: router.accessLog, skipPaths: router.loggerSkipPaths });
}

export async function startGateway(config: ServiceConfig, options: StartOptions): Promise<RunningGateway> {
  const logger = loggerFor(config, options.debug);
  const sharedState = options.sharedState && new SharedStateClient(options.sharedState, { logger });
  const gateway = createGateway(config, {
    components: options.components,
    logger,
    debug: options.debug === true,
    ...(sharedState ? { sharedState } : {}),
    ...(options.httpServer ? { httpServer: options.httpServer } : {}),
  });
  const address = await gateway.listen(options.port ?? config.port);
  stopPretenuringOnceServing();
  logger.info(`[SERVICE: Portico] Listening on ${address.address}:${address.port} (${config.endpoints.length} endpoints)`);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= gateway.close(config.server.maxShutdownWaitMs).then(() => logger.flush());
    return stopping;
  };
  if (options.handleSignals) {
    const onSignal = (signal: string): void => {
      logger.info(`[SERVICE: Portico] ${signal} received: draining in-flight requests`);
      void stop().then(() => process.exit(0));
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    process.on('unhandledRejection', (reason) => {
      logger.error(`unhandled rejection (request answered, process kept): ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
    });
    process.on('uncaughtException', (error) => {
      // State may be corrupt: stop taking traffic and let the primary start a fresh worker.
      logger.error(`uncaught exception, draining and restarting: ${error.stack ?? error.message}`);
      void stop().then(() => process.exit(1));
    });
  }
  const reload = (next: ServiceConfig): string[] => gateway.replace(next, config.server.maxShutdownWaitMs);
  return { gateway, logger, address, stop, reload };
}
