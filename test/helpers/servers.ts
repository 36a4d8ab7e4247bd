/**
 * Real servers on 127.0.0.1 for tests: backends with a handler, and gateways built from a config
 * object exactly as `portico run` builds them. Everything binds port 0 and closes when the test ends.
 */
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/load.js';
import type { ConfigIssue } from '../../src/config/issues.js';
import { createGateway } from '../../src/server/gateway.js';
import type { Gateway } from '../../src/server/gateway.js';
import type { HttpServerKind } from '../../src/server/limits.js';
import { createLogger } from '../../src/core/logger.js';
import { components } from './components.js';

export interface RunningServer {
  server: Server;
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  close(): Promise<void>;
}

export async function startBackend(handler: RequestListener): Promise<RunningServer> {
  const server = createServer(handler);
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Collects log lines in memory so tests can assert on them and keep the output clean. */
export class MemoryLog extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    this.lines.push(...chunk.toString().split('\n').filter(Boolean));
    callback();
  }
}

export interface TestGateway extends Omit<RunningServer, 'server'> {
  server: Gateway['server'];
  gateway: Gateway;
  log: MemoryLog;
  warnings: ConfigIssue[];
}

/** Writes `config` to a temp file and starts a gateway on it (as `portico run` would, one process). */
export async function startGateway(config: Record<string, unknown>, options: { debug?: boolean; env?: NodeJS.ProcessEnv; httpServer?: HttpServerKind } = {}): Promise<TestGateway> {
  const file = await writeConfig(config);
  const result = await loadConfig(file, { components, env: options.env ?? {} });
  if (!result.config) throw new Error(`invalid test config:\n${result.issues.map((issue) => `${issue.keyPath}: ${issue.message}`).join('\n')}`);
  const log = new MemoryLog();
  const logger = createLogger({ level: 'DEBUG', prefix: '[TEST]', stdout: true, format: 'default', accessLog: true, skipPaths: [] }, log);
  const gateway = createGateway(result.config, { components, logger, debug: options.debug === true, ...(options.httpServer ? { httpServer: options.httpServer } : {}) });
  const address = await gateway.listen(0, '127.0.0.1');
  return {
    gateway,
    server: gateway.server,
    port: address.port,
    url: `http://127.0.0.1:${address.port}`,
    log,
    warnings: result.issues.filter((issue) => issue.severity === 'warning'),
    close: () => gateway.close(0),
  };
}

export async function writeConfig(config: Record<string, unknown> | string, name = 'krakend.json'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-test-'));
  const file = join(dir, name);
  await writeFile(file, typeof config === 'string' ? config : JSON.stringify(config, null, 2));
  return file;
}

/** Reads a request body fully, as bytes (for test backends and collectors). */
export async function readAllBytes(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Reads a request body fully, as UTF-8 text (for test backends). */
export async function readAll(request: IncomingMessage): Promise<string> {
  return (await readAllBytes(request)).toString('utf8');
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  response.end(text);
}
