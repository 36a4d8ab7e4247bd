/** Payloads and configs for the bench, written to a temp dir. */
import { generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** S2's two ~1 KB JSON bodies, keys out of order (so Portico's Go-style key sorting does real work). */
export function mergePayloads(): { first: string; second: string } {
  const items = Array.from({ length: 14 }, (_, i) => ({ name: `item-${i}`, value: i * 3.5, tags: ['alpha', 'beta'] }));
  const list = Array.from({ length: 30 }, (_, i) => ({ key: `value-${i}`, n: i }));
  return { first: JSON.stringify({ id: 1, items, meta: { page: 1, total: 14 } }), second: JSON.stringify({ user: { id: 7, name: 'Ada Lovelace' }, list }) };
}

export function writePayloads(dir: string): void {
  const { first, second } = mergePayloads();
  writeFileSync(join(dir, '1kb.json'), first);
  writeFileSync(join(dir, 'b.json'), second);
  writeFileSync(join(dir, '100kb.json'), JSON.stringify({ data: Array.from({ length: 1000 }, (_, i) => `${i}`.padEnd(96, 'x')) }));
  writeFileSync(join(dir, 'chain.json'), JSON.stringify({ next: 'b.json', id: 42 }));
}

/** nginx's main file for the bench: one worker, in the foreground, every path under `dir`. */
function writeNginxMain(dir: string, name: string, http: string, modules = ''): string {
  const file = join(dir, `nginx-${name}.conf`);
  writeFileSync(
    file,
    `${modules}worker_processes 1;
daemon off;
pid ${join(dir, `nginx-${name}.pid`)};
error_log ${join(dir, `nginx-${name}.error.log`)} error;
events { worker_connections 8192; }
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 300s;
  client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  ${http}
}
`,
  );
  return file;
}

/** A keep-alive pool to the bench's backend, as nginx is tuned in production. */
const upstream = (port: number): string => `upstream backend { server 127.0.0.1:${port}; keepalive 256; keepalive_requests 10000000; keepalive_timeout 300s; }
  tcp_nodelay on;`;

export function writeNginxConfig(dir: string, name: string, options: { listen: number; root?: string; upstream?: number }): string {
  const server = options.upstream
    ? // Tuned as a production reference: a keep-alive upstream pool, and proxy buffers sized so a 100 KB
      // answer stays in memory (nginx's defaults spill it to a temp file, which doubles its S3 cost).
      `${upstream(options.upstream)}
  proxy_buffering on; proxy_buffer_size 16k; proxy_buffers 16 16k; proxy_busy_buffers_size 32k; proxy_max_temp_file_size 0;
  server { listen 127.0.0.1:${options.listen};
    location /s1 { proxy_pass http://backend/1kb.json; proxy_http_version 1.1; proxy_set_header Connection ""; }
    location /s3 { proxy_pass http://backend/100kb.json; proxy_http_version 1.1; proxy_set_header Connection ""; } }`
    : `server { listen 127.0.0.1:${options.listen}; root ${options.root ?? dir}; default_type application/json; }`;
  return writeNginxMain(dir, name, server);
}

/** Where Debian's njs module lives (package libnginx-mod-http-js). */
export const NJS_MODULE = '/usr/lib/nginx/modules/ngx_http_js_module.so';

/**
 * nginx + njs doing S2's work, the reference for a merge: two subrequests to the keep-alive pool, both
 * bodies parsed, an allow-list on the first, the objects merged and serialised, as Portico's /s2 does.
 */
export function writeNginxNjsConfig(dir: string, options: { listen: number; upstream: number }): string {
  const script = join(dir, 'merge.js');
  writeFileSync(
    script,
    // Callbacks, not promises: njs 0.7's Promise.all over two subrequests stalls under concurrency.
    `function s2(r) {
  const bodies = [];
  let pending = 2;
  const done = (index) => (reply) => {
    bodies[index] = reply.responseText;
    if (--pending > 0) return;
    const first = JSON.parse(bodies[0]);
    const merged = { id: first.id, items: first.items };
    const second = JSON.parse(bodies[1]);
    for (const key in second) merged[key] = second[key];
    r.headersOut['Content-Type'] = 'application/json; charset=utf-8';
    r.return(200, JSON.stringify(merged));
  };
  r.subrequest('/_a', done(0));
  r.subrequest('/_b', done(1));
}
export default { s2 };
`,
  );
  const proxy = 'proxy_http_version 1.1; proxy_set_header Connection ""; subrequest_output_buffer_size 64k;';
  return writeNginxMain(
    dir,
    'njs',
    `js_path ${dir};
  js_import bench from merge.js;
  ${upstream(options.upstream)}
  server { listen 127.0.0.1:${options.listen};
    location /s2 { js_content bench.s2; }
    location /_a { internal; proxy_pass http://backend/1kb.json; ${proxy} }
    location /_b { internal; proxy_pass http://backend/b.json; ${proxy} } }`,
    `load_module ${NJS_MODULE};\n`,
  );
}

export interface BenchToken {
  jwksFile: string;
  token: string;
}

/** An RS256 key set on disk and a token signed with it, for the JWT-protected scenario. */
export function writeJwtFixtures(dir: string): BenchToken {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'bench', alg: 'RS256', use: 'sig' };
  const jwksFile = join(dir, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [jwk] }));
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const head = `${encode({ alg: 'RS256', kid: 'bench', typ: 'JWT' })}.${encode({ iss: 'https://idp.bench', aud: 'bench', sub: 'user-1', roles: ['user'], exp: Math.floor(Date.now() / 1000) + 3600 })}`;
  return { jwksFile, token: `${head}.${sign('sha256', Buffer.from(head), privateKey).toString('base64url')}` };
}

export type OtelParts = 'metrics' | 'traces' | 'both';

/**
 * The Portico config with `telemetry/opentelemetry` on, to measure what telemetry costs per response:
 * metrics on a Prometheus endpoint, every trace (sample rate 1) sent to an OTLP/HTTP sink, or both.
 */
export function writePorticoOtelConfig(dir: string, base: string, metricsPort: number, otlpPort: number, parts: OtelParts = 'both', sampleRate = 1): string {
  const file = join(dir, `portico-otel-${parts}${sampleRate < 1 ? `-${sampleRate}` : ''}.json`);
  const config = JSON.parse(readFileSync(base, 'utf8')) as { extra_config: Record<string, unknown> };
  const prometheus = [{ name: 'bench', port: metricsPort, listen_ip: '127.0.0.1' }];
  const otlp = [{ name: 'sink', host: '127.0.0.1', port: otlpPort, use_http: true, disable_metrics: true }];
  config.extra_config['telemetry/opentelemetry'] = {
    service_name: 'bench',
    trace_sample_rate: sampleRate,
    exporters: { ...(parts === 'traces' ? {} : { prometheus }), ...(parts === 'metrics' ? {} : { otlp }) },
  };
  writeFileSync(file, JSON.stringify(config));
  return file;
}

export function writePorticoConfig(dir: string, backend: string, jwksFile?: string): string {
  const file = join(dir, 'portico.json');
  const validator = jwksFile ? { alg: 'RS256', jwk_local_path: jwksFile, disable_jwk_security: true, issuer: 'https://idp.bench', audience: ['bench'], roles_key: 'roles', roles: ['user'] } : undefined;
  writeFileSync(
    file,
    JSON.stringify({
      version: 3,
      port: 8080,
      extra_config: { router: { disable_access_log: true }, 'telemetry/logging': { level: 'ERROR' } },
      endpoints: [
        { endpoint: '/s1', output_encoding: 'no-op', backend: [{ host: [backend], url_pattern: '/1kb.json' }] },
        {
          endpoint: '/s2',
          backend: [
            { host: [backend], url_pattern: '/1kb.json', allow: ['id', 'items'] },
            { host: [backend], url_pattern: '/b.json' },
          ],
        },
        { endpoint: '/s3', output_encoding: 'no-op', backend: [{ host: [backend], url_pattern: '/100kb.json' }] },
        { endpoint: '/s5', backend: [{ host: [backend], url_pattern: '/1kb.json', allow: ['id', 'items'] }] },
        ...(validator
          ? [{ endpoint: '/s5-jwt', backend: [{ host: [backend], url_pattern: '/1kb.json', allow: ['id', 'items'] }], extra_config: { 'auth/validator': validator } }]
          : []),
        {
          endpoint: '/s4',
          extra_config: { proxy: { sequential: true } },
          backend: [
            { host: [backend], url_pattern: '/chain.json', group: 'first' },
            { host: [backend], url_pattern: '/{resp0_next}', group: 'second' },
          ],
        },
      ],
    }),
  );
  return file;
}
