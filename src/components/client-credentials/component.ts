/**
 * `auth/client-credentials` (KrakenD CE, krakend-oauth2-clientcredentials): the backend is called with an
 * OAuth 2.0 token obtained with the client credentials grant (see `token-source.ts`,
 * `docs/components/auth-client-credentials.md`).
 *
 * ```json
 * "extra_config": {
 *   "auth/client-credentials": {
 *     "client_id": "gateway", "client_secret": "s3cret", "token_url": "https://idp.example.com/oauth2/token",
 *     "scopes": "orders:read,orders:write", "endpoint_params": { "audience": ["orders"] }
 *   }
 * }
 * ```
 */
import { isIP } from 'node:net';
import { BOOLEAN_SCHEMA, objectSchema, readBoolean, readObject, readString } from '../block-reader.js';
import type { Block } from '../block-reader.js';
import { monotonicClock } from '../clock.js';
import type { ComponentDefinition } from '../registry.js';
import { createClientCredentialsMiddleware } from './middleware.js';
import { TokenSource, overwrittenParam } from './token-source.js';

export const CLIENT_CREDENTIALS_NAMESPACE = 'auth/client-credentials';
/** The v2-era name KrakenD CE 2.13 still reads (krakend-ce `cmd/krakend-ce/main.go` aliases). */
/** x/oauth2 has no bound (KrakenD's token requests use Go's default client); Portico's fetch has one. */
const TOKEN_FETCH_TIMEOUT_MS = 10_000;

function scopesOf(block: Block): string[] | undefined {
  return typeof block['scopes'] === 'string' ? block['scopes'].split(',') : undefined;
}

function endpointParamsOf(block: Block): Record<string, string[]> {
  const params: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(readObject(block, 'endpoint_params'))) {
    if (Array.isArray(values)) params[name] = values.filter((value): value is string => typeof value === 'string');
  }
  return params;
}

function isLoopback(hostname: string): boolean {
  const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

export const clientCredentialsComponent: ComponentDefinition = {
  namespace: CLIENT_CREDENTIALS_NAMESPACE,
  schemas: {
    backend: objectSchema({
      client_id: { type: 'string', description: 'The client ID the gateway authenticates with.' },
      client_secret: { type: 'string', description: 'The client secret.' },
      token_url: { type: 'string', description: 'The token endpoint of the authorization server.' },
      scopes: { type: 'string', description: 'Comma-separated scopes, sent space-separated in `scope`.' },
      endpoint_params: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } }, description: 'Extra form parameters of the token request.' },
      is_disabled: { ...BOOLEAN_SCHEMA, description: 'Turns the block off.' },
    }),
  },
  validate(block, _scope, at, issues) {
    if (readBoolean(block, 'is_disabled')) return;
    const tokenUrl = readString(block, 'token_url');
    let url: URL | undefined;
    try {
      url = new URL(tokenUrl);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      issues.warning({ code: 'PRT_WARN_CONFIG_CLIENT_CREDENTIALS', at: [...at, 'token_url'], message: 'token_url is not an http(s) URL: every call to this backend will fail, as in KrakenD', found: tokenUrl });
    } else if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
      issues.warning({ code: 'PRT_WARN_CONFIG_CLIENT_CREDENTIALS', at: [...at, 'token_url'], message: 'token_url is plain http: the client secret and the tokens travel unencrypted', found: tokenUrl });
    }
    const overwritten = overwrittenParam(scopesOf(block), endpointParamsOf(block));
    if (overwritten !== undefined) {
      issues.warning({ code: 'PRT_WARN_CONFIG_CLIENT_CREDENTIALS', at: [...at, 'endpoint_params', overwritten], message: `endpoint_params cannot overwrite "${overwritten}" (golang.org/x/oauth2 refuses it): every call to this backend will fail, as in KrakenD` });
    }
  },
  client(block) {
    if (readBoolean(block, 'is_disabled')) return undefined;
    const source = new TokenSource({
      clientId: readString(block, 'client_id'),
      clientSecret: readString(block, 'client_secret'),
      tokenUrl: readString(block, 'token_url'),
      scopes: scopesOf(block),
      endpointParams: endpointParamsOf(block),
      fetchTimeoutMs: TOKEN_FETCH_TIMEOUT_MS,
      clock: monotonicClock,
    });
    return createClientCredentialsMiddleware(source);
  },
};

