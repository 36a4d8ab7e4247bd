/** Peer: Fastify with @fastify/http-proxy, the usual way to proxy on Fastify. */
import Fastify from 'fastify';
import proxy from '@fastify/http-proxy';

const [port, origin] = [Number(process.argv[2]), process.argv[3] as string];
const app = Fastify({ logger: false });
await app.register(proxy, { upstream: origin, prefix: '/s1', rewritePrefix: '/1kb.json' });
await app.register(proxy, { upstream: origin, prefix: '/s3', rewritePrefix: '/100kb.json' });
await app.listen({ port, host: '127.0.0.1' });
