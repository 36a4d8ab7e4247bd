/**
 * Baseline peer: a bare node:http server with an undici Pool, no features. S1/S3 stream the backend
 * body through; S2 fetches two JSON documents, merges them and serialises the result.
 */
import { createServer } from 'node:http';
import { Pool } from 'undici';

const [port, origin] = [Number(process.argv[2]), process.argv[3] as string];
const pool = new Pool(origin, { connections: 256, pipelining: 1 });

async function json(path: string): Promise<Record<string, unknown>> {
  const { body } = await pool.request({ method: 'GET', path });
  return (await body.json()) as Record<string, unknown>;
}

createServer((request, response) => {
  const path = request.url ?? '/';
  if (path === '/s2') {
    Promise.all([json('/1kb.json'), json('/b.json')]).then(
      ([a, b]) => {
        const text = JSON.stringify({ ...a, ...b });
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        response.end(text);
      },
      () => {
        response.statusCode = 500;
        response.end();
      },
    );
    return;
  }
  const target = path === '/s3' ? '/100kb.json' : '/1kb.json';
  pool.request({ method: 'GET', path: target }).then(
    ({ statusCode, headers, body }) => {
      response.writeHead(statusCode, { 'content-type': String(headers['content-type'] ?? 'application/json') });
      body.pipe(response);
    },
    () => {
      response.statusCode = 502;
      response.end();
    },
  );
}).listen(port, '127.0.0.1');
