/** Peer: fast-gateway (restana + fast-proxy-lite). */
import gateway from 'fast-gateway';

const [port, origin] = [Number(process.argv[2]), process.argv[3] as string];
const server = gateway({
  routes: [
    { prefix: '/s1', pathRegex: '', target: origin, urlRewrite: () => '/1kb.json' },
    { prefix: '/s3', pathRegex: '', target: origin, urlRewrite: () => '/100kb.json' },
  ],
});
await server.start(port, '127.0.0.1');
