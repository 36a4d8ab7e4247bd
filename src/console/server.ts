/**
 * The console's own HTTP listener: read-only (GET and HEAD only), on loopback unless told otherwise, never
 * the gateway's public listener. It serves the bundled page (built into dist/console by
 * scripts/build-console.ts), the config model (`/api/model`) and live numbers (`/api/live`).
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MetricsSnapshot } from '../components/metrics/registry.js';
import { LiveSampler } from './live.js';
import type { LiveView } from './live.js';
import type { ConsoleModel } from './model.js';

export interface ConsoleOptions {
  host: string;
  port: number;
  /** The model of the config being served (it changes on reload). */
  model: () => ConsoleModel;
  /** The instance's metrics, summed over workers; absent offline (`portico console`). */
  snapshot?: () => Promise<MetricsSnapshot | undefined>;
}

/** dist/src/console → dist/console, where the build puts the page. */
const ASSETS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'console');

const FILES: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/assets/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/assets/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** A live view is taken at most this often, whatever the number of open pages. */
const SAMPLE_EVERY_MS = 900;

export function startConsole(options: ConsoleOptions): Promise<Server> {
  const sampler = new LiveSampler();
  let latest: LiveView | undefined;
  let sampling: Promise<LiveView | undefined> | undefined;
  const live = async (): Promise<LiveView | undefined> => {
    if (!options.snapshot) return undefined;
    if (latest && Date.now() - latest.at < SAMPLE_EVERY_MS) return latest;
    sampling ??= options
      .snapshot()
      .then((snapshot) => (snapshot ? (latest = sampler.sample(snapshot, Date.now())) : undefined))
      .finally(() => (sampling = undefined));
    return sampling;
  };
  const assets = new Map<string, Buffer>();
  const asset = async (file: string): Promise<Buffer> => {
    let body = assets.get(file);
    if (body === undefined) assets.set(file, (body = await readFile(join(ASSETS, file))));
    return body;
  };

  const send = (request: IncomingMessage, response: ServerResponse, status: number, type: string, body: Buffer | string, cache = 'no-store'): void => {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': bytes.length, 'cache-control': cache });
    response.end(request.method === 'HEAD' ? undefined : bytes);
  };

  const server = createServer((request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD');
      send(request, response, 405, 'text/plain; charset=utf-8', 'the console is read-only\n');
      return;
    }
    const path = (request.url ?? '/').split('?')[0] as string;
    const handle = async (): Promise<void> => {
      if (path === '/api/model') return send(request, response, 200, 'application/json', JSON.stringify(options.model()));
      if (path === '/api/live') {
        const view = await live();
        return send(request, response, 200, 'application/json', JSON.stringify(view ?? { at: Date.now(), offline: true, routes: {}, backends: {} }));
      }
      const file = FILES[path];
      if (file === undefined) return send(request, response, 404, 'text/plain; charset=utf-8', 'not found\n');
      return send(request, response, 200, file.type, await asset(file.file), 'no-cache');
    };
    handle().catch((error: unknown) => {
      if (!response.headersSent) send(request, response, 500, 'text/plain; charset=utf-8', `console error: ${(error as Error).message}\n`);
      else response.destroy();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** `127.0.0.1:9090`, `[::1]:9090` or a bare port (loopback); undefined when unusable. */
export function parseConsoleAddress(text: string): { host: string; port: number } | undefined {
  const bare = /^\d{1,5}$/.test(text) ? { host: '127.0.0.1', port: Number(text) } : undefined;
  const match = bare ? undefined : /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const address = bare ?? (match ? { host: (match[1] ?? match[2]) as string, port: Number(match[3]) } : undefined);
  if (address === undefined || address.port > 65535) return undefined;
  return address;
}
