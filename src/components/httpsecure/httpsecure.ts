/**
 * `security/http`: host allow-listing, HTTPS redirects and the browser security headers, with the
 * semantics of the unrolled/secure middleware KrakenD uses. Runs before routing, so every answer
 * (404s included) carries the headers. Every key is off by default, as in KrakenD.
 *
 * @example
 * ```json
 * "security/http": {
 *   "allowed_hosts": ["api.example.com"],
 *   "ssl_redirect": true,
 *   "ssl_proxy_headers": { "X-Forwarded-Proto": "https" },
 *   "sts_seconds": 31536000,
 *   "sts_include_subdomains": true,
 *   "frame_deny": true,
 *   "content_type_nosniff": true,
 *   "browser_xss_filter": true,
 *   "content_security_policy": "default-src 'self'",
 *   "referrer_policy": "same-origin"
 * }
 * ```
 */
import type { IncomingMessage } from 'node:http';
import type { ComponentDefinition } from '../registry.js';
import type { ServiceMiddleware } from '../../pipeline/types.js';
import { BOOLEAN_SCHEMA, STRINGS_SCHEMA, ignoredWhenInvalid, objectSchema, readBoolean, readInteger, readString, readStrings } from '../block-reader.js';
import type { Block } from '../block-reader.js';
import { compileGoPattern } from '../../util/go-regexp.js';

export const HTTP_SECURITY_NAMESPACE = 'security/http';

export function createHttpSecurityMiddleware(block: Block): ServiceMiddleware | undefined {
  if (readBoolean(block, 'is_development')) return undefined;
  const isGoodHost = compileHostCheck(block);
  const hostHeaders = readStrings(block, 'host_proxy_headers').map((name) => name.toLowerCase());
  const sslProxyHeaders = Object.entries(readRecord(block, 'ssl_proxy_headers')).map(([name, value]) => [name.toLowerCase(), value] as const);
  const sslRedirect = readBoolean(block, 'ssl_redirect');
  const redirectStatus = readBoolean(block, 'ssl_temporary_redirect') ? 307 : 301;
  const sslHost = readString(block, 'ssl_host');
  const stsSeconds = readInteger(block, 'sts_seconds', 0);
  const forceSts = readBoolean(block, 'force_sts_header');
  let sts = stsSeconds !== 0 ? `max-age=${stsSeconds}` : '';
  if (sts && readBoolean(block, 'sts_include_subdomains')) sts += '; includeSubDomains';
  if (sts && readBoolean(block, 'sts_preload')) sts += '; preload';

  // Headers that never depend on the request are joined once, here.
  const fixed: [string, string][] = [];
  const frameOptions = readString(block, 'custom_frame_options_value') || (readBoolean(block, 'frame_deny') ? 'DENY' : '');
  if (frameOptions) fixed.push(['X-Frame-Options', frameOptions]);
  if (readBoolean(block, 'content_type_nosniff')) fixed.push(['X-Content-Type-Options', 'nosniff']);
  const xss = readString(block, 'custom_browser_xss_value') || (readBoolean(block, 'browser_xss_filter') ? '1; mode=block' : '');
  if (xss) fixed.push(['X-XSS-Protection', xss]);
  const csp = readString(block, 'content_security_policy');
  if (csp) fixed.push(['Content-Security-Policy', csp]);
  const referrer = readString(block, 'referrer_policy');
  if (referrer) fixed.push(['Referrer-Policy', referrer]);

  const isSsl = (request: IncomingMessage): boolean => {
    if ((request.socket as { encrypted?: boolean }).encrypted === true) return true;
    for (const [name, value] of sslProxyHeaders) if (request.headers[name] === value) return true;
    return false;
  };

  return (next) =>
    function secureRequest(request, response) {
      const host = hostOf(request, hostHeaders);
      if (isGoodHost && !isGoodHost(host)) {
        // unrolled/secure's default bad-host handler.
        response.writeHead(500, ['Content-Type', 'text/plain; charset=utf-8', 'X-Content-Type-Options', 'nosniff', 'Content-Length', '9']);
        response.end('Bad Host\n');
        return;
      }
      const ssl = isSsl(request);
      if (sslRedirect && !ssl) {
        const location = `https://${sslHost || host}${request.url ?? '/'}`;
        const body = request.method === 'GET' ? `<a href="${escapeHtml(location)}">${redirectStatus === 301 ? 'Moved Permanently' : 'Temporary Redirect'}</a>.\n\n` : '';
        const headers = ['Location', location];
        if (request.method === 'GET' || request.method === 'HEAD') headers.push('Content-Type', 'text/html; charset=utf-8');
        headers.push('Content-Length', String(Buffer.byteLength(body)));
        response.writeHead(redirectStatus, headers);
        response.end(body);
        return;
      }
      if (sts && (ssl || forceSts)) response.setHeader('Strict-Transport-Security', sts);
      for (const [name, value] of fixed) response.setHeader(name, value);
      next(request, response);
    };
}

function compileHostCheck(block: Block): ((host: string) => boolean) | undefined {
  const hosts = readStrings(block, 'allowed_hosts');
  if (hosts.length === 0) return undefined;
  if (readBoolean(block, 'allowed_hosts_are_regex')) {
    // unrolled/secure anchors each pattern: `api\.example\.com` must not accept `api.example.com.evil.net`.
    const patterns = hosts.map((host) => compileGoPattern(host, true));
    return (host) => patterns.some((pattern) => pattern.test(host));
  }
  const allowed = new Set(hosts.map((host) => host.toLowerCase()));
  return (host) => allowed.has(host.toLowerCase());
}

function hostOf(request: IncomingMessage, proxyHeaders: string[]): string {
  for (const name of proxyHeaders) {
    const value = request.headers[name];
    if (typeof value === 'string' && value !== '') return value;
  }
  return request.headers.host ?? (request.headers[':authority'] as string | undefined) ?? '';
}

function readRecord(block: Block, key: string): Record<string, string> {
  const value = block[key];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/**
 * krakend-httpsecure's getters skip a value of the wrong type (`"sts_seconds": "31536000"` sends no HSTS)
 * and KrakenD starts. The response-header keys follow it with a warning; a wrong-typed host check or HTTPS
 * redirect key stays an error, since skipping it would serve hosts or plain HTTP the config meant to refuse.
 */
function headerKey(schema: Record<string, unknown>, effect: string): Record<string, unknown> {
  return ignoredWhenInvalid(schema, ['type'], effect);
}

export const httpSecureComponent: ComponentDefinition = {
  namespace: HTTP_SECURITY_NAMESPACE,
  schemas: {
    service: objectSchema({
      allowed_hosts: STRINGS_SCHEMA,
      allowed_hosts_are_regex: BOOLEAN_SCHEMA,
      host_proxy_headers: STRINGS_SCHEMA,
      ssl_redirect: BOOLEAN_SCHEMA,
      ssl_temporary_redirect: BOOLEAN_SCHEMA,
      ssl_host: { type: 'string' },
      ssl_proxy_headers: { type: 'object', additionalProperties: { type: 'string' } },
      sts_seconds: headerKey({ type: 'integer', minimum: 0 }, 'no Strict-Transport-Security header is sent (write the number without quotes)'),
      sts_include_subdomains: headerKey(BOOLEAN_SCHEMA, 'the Strict-Transport-Security header has no includeSubDomains'),
      sts_preload: headerKey(BOOLEAN_SCHEMA, 'the Strict-Transport-Security header has no preload'),
      force_sts_header: headerKey(BOOLEAN_SCHEMA, 'Strict-Transport-Security is sent on HTTPS requests only'),
      frame_deny: headerKey(BOOLEAN_SCHEMA, 'no X-Frame-Options: DENY header is sent'),
      custom_frame_options_value: headerKey({ type: 'string' }, 'no custom X-Frame-Options header is sent'),
      content_type_nosniff: headerKey(BOOLEAN_SCHEMA, 'no X-Content-Type-Options header is sent'),
      browser_xss_filter: headerKey(BOOLEAN_SCHEMA, 'no X-XSS-Protection header is sent'),
      custom_browser_xss_value: headerKey({ type: 'string' }, 'no custom X-XSS-Protection header is sent'),
      content_security_policy: headerKey({ type: 'string' }, 'no Content-Security-Policy header is sent'),
      referrer_policy: headerKey({ type: 'string' }, 'no Referrer-Policy header is sent'),
      hpkp_public_key: { type: 'string' },
      is_development: headerKey(BOOLEAN_SCHEMA, 'the checks stay on'),
    }),
  },
  validate(block, _scope, at, issues) {
    if (readString(block, 'hpkp_public_key')) {
      issues.warning({ code: 'PRT_WARN_CONFIG_UNSUPPORTED', at: [...at, 'hpkp_public_key'], message: 'HTTP Public Key Pinning is obsolete (browsers dropped it); the key is ignored' });
    }
    if (readBoolean(block, 'allowed_hosts_are_regex')) {
      readStrings(block, 'allowed_hosts').forEach((pattern, index) => {
        try {
          compileGoPattern(pattern, true);
        } catch (error) {
          issues.error({ code: 'PRT_ERR_CONFIG_REGEX', at: [...at, 'allowed_hosts', index], message: `the pattern does not compile: ${(error as Error).message}`, found: pattern });
        }
      });
    }
  },
  service: (block) => createHttpSecurityMiddleware(block),
};
