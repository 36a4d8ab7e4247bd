/**
 * Small demo backends for `npm start`, on 127.0.0.1 with node:http. The ports are fixed because
 * `examples/demo/krakend.json` names them in its `host` lists:
 *
 * - 9801, 9802: two replicas of a users service (the gateway balances between them round-robin)
 * - 9803: a posts service (listing, search that reports what it received)
 * - 9804: a "lab" service: a slow route, plain-text files with their own headers, chosen statuses
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

export const DEMO_BACKEND_PORTS = { usersA: 9801, usersB: 9802, posts: 9803, lab: 9804 } as const;

export interface DemoBackends {
  /** `name → http://127.0.0.1:port`, for printing. */
  urls: Record<string, string>;
  close(): Promise<void>;
}

interface User {
  id: number;
  name: string;
  username: string;
  email: string;
  address: { street: string; city: string; zip: string };
}

const USERS: readonly User[] = [
  { id: 1, name: 'Ada Lovelace', username: 'ada', email: 'ada@example.com', address: { street: '12 St James Square', city: 'London', zip: 'SW1Y 4JH' } },
  { id: 2, name: 'Alan Turing', username: 'alan', email: 'alan@example.com', address: { street: 'Hollymeade', city: 'Wilmslow', zip: 'SK9 1AB' } },
  { id: 3, name: 'Grace Hopper', username: 'grace', email: 'grace@example.com', address: { street: '1 Navy Yard', city: 'Arlington', zip: '22202' } },
];

const POSTS = [
  { id: 1, userId: 1, title: 'Notes on the Analytical Engine' },
  { id: 2, userId: 1, title: 'On Bernoulli numbers' },
  { id: 3, userId: 2, title: 'Computing machinery and intelligence' },
  { id: 4, userId: 3, title: 'The first compiler' },
  { id: 5, userId: 3, title: 'A bug in relay 70' },
] as const;

const FILES: Readonly<Record<string, string>> = {
  'hello.txt': 'Hello from the lab backend. This body, its status and its headers passed through untouched.\n',
  'robots.txt': 'User-agent: *\nDisallow:\n',
};

const MAX_DELAY_MS = 10_000;

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

function usersService(replica: string) {
  return function handleUsers(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://users');
    if (url.pathname === '/users') {
      sendJson(response, 200, USERS);
      return;
    }
    const match = /^\/users\/([^/]+)$/.exec(url.pathname);
    const user = match ? USERS.find((candidate) => String(candidate.id) === match[1]) : undefined;
    if (!user) {
      sendJson(response, 404, { error: 'no such user' });
      return;
    }
    // `served_by` shows the round-robin over the two replicas.
    sendJson(response, 200, { ...user, served_by: replica });
  };
}

function handlePosts(request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://posts');
  if (url.pathname === '/posts') {
    const userId = url.searchParams.get('userId');
    sendJson(response, 200, POSTS.filter((post) => userId === null || String(post.userId) === userId));
    return;
  }
  if (url.pathname === '/posts/search') {
    const q = (url.searchParams.get('q') ?? '').toLowerCase();
    const limit = Number(url.searchParams.get('limit') ?? '10') || 10;
    // Echo what arrived, so the effect of input_query_strings / input_headers is visible.
    sendJson(response, 200, {
      received: { query: Object.fromEntries(url.searchParams), headers: request.headers },
      results: POSTS.filter((post) => post.title.toLowerCase().includes(q)).slice(0, limit),
    });
    return;
  }
  sendJson(response, 404, { error: 'not found' });
}

function handleLab(request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://lab');
  if (url.pathname === '/slow') {
    const asked = Number(url.searchParams.get('delay') ?? '1500');
    const delayMs = Number.isFinite(asked) ? Math.min(Math.max(asked, 0), MAX_DELAY_MS) : 1500;
    const timer = setTimeout(() => sendJson(response, 200, { waited_ms: delayMs, finished_at: new Date().toISOString() }), delayMs);
    // The gateway cancels calls it no longer needs: stop waiting when it hangs up.
    response.once('close', () => clearTimeout(timer));
    return;
  }
  const file = /^\/files\/([^/]+)$/.exec(url.pathname)?.[1];
  if (file !== undefined) {
    const content = FILES[file];
    if (content === undefined) {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Demo-Backend': 'lab' });
      response.end(`no file named ${file}\n`);
      return;
    }
    response.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Demo-Backend': 'lab', 'Cache-Control': 'max-age=30' });
    response.end(content);
    return;
  }
  const status = /^\/status\/(\d{3})$/.exec(url.pathname)?.[1];
  if (status !== undefined) {
    const code = Number(status);
    if (code >= 200 && code <= 599) {
      sendJson(response, code, code < 400 ? { status: code } : { error: `the lab backend answered ${code} on purpose`, status: code });
      return;
    }
  }
  sendJson(response, 404, { error: 'not found' });
}

async function listen(handler: (request: IncomingMessage, response: ServerResponse) => void, port: number): Promise<Server> {
  const server = createServer(handler);
  server.listen(port, '127.0.0.1');
  try {
    await once(server, 'listening');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === 'EADDRINUSE' ? `demo backend port ${port} on 127.0.0.1 is already in use` : `demo backend on port ${port}: ${(error as Error).message}`, { cause: error });
  }
  return server;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Starts every demo backend; if one cannot listen, the ones already started are closed again. */
export async function startDemoBackends(): Promise<DemoBackends> {
  const plan: [string, (request: IncomingMessage, response: ServerResponse) => void, number][] = [
    ['users (replica a)', usersService('users-a'), DEMO_BACKEND_PORTS.usersA],
    ['users (replica b)', usersService('users-b'), DEMO_BACKEND_PORTS.usersB],
    ['posts', handlePosts, DEMO_BACKEND_PORTS.posts],
    ['lab (slow, files, statuses)', handleLab, DEMO_BACKEND_PORTS.lab],
  ];
  const servers: Server[] = [];
  const urls: Record<string, string> = {};
  try {
    for (const [name, handler, port] of plan) {
      servers.push(await listen(handler, port));
      urls[name] = `http://127.0.0.1:${port}`;
    }
  } catch (error) {
    await Promise.all(servers.map(closeServer));
    throw error;
  }
  return { urls, close: async () => void (await Promise.all(servers.map(closeServer))) };
}
