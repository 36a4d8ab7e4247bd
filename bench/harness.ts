/**
 * Pieces the feature benches share: a keep-alive JSON backend, and a gateway or backend in a child
 * process of the bench's own file (`node bench.js ROLE …`), so load and server never share a CPU.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { components } from '../test/helpers/components.js';

/** A loopback backend answering every request with `body` as JSON. */
export async function startJsonBackend(body: string): Promise<{ server: Server; url: string }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    response.end(body);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** In a child: a gateway on `configFile`, its port sent to the parent. */
export async function runGatewayChild(configFile: string): Promise<void> {
  const { loadConfigOrThrow } = await import('../src/config/load.js');
  const { createGateway } = await import('../src/server/gateway.js');
  const { createLogger } = await import('../src/core/logger.js');
  const { config } = await loadConfigOrThrow(configFile, { components });
  const logger = createLogger({ level: 'ERROR', prefix: '[BENCH]', stdout: false, format: 'default', accessLog: false, skipPaths: [] });
  const gateway = createGateway(config, { components, logger });
  const address = await gateway.listen(0, '127.0.0.1');
  process.send?.({ port: address.port });
}

/** Forks `script` in `role`; resolves once the child reports the port it listens on. */
export function startChild(script: string, role: string, ...args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(script, [role, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (message: { port: number }) => resolve({ child, port: message.port }));
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
  });
}
