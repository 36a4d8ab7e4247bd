/**
 * OAuth 2.0 client credentials (RFC 6749 §4.4) as golang.org/x/oauth2/clientcredentials does it for
 * krakend-oauth2-clientcredentials: the token is fetched on first use, reused until 10 s before it
 * expires (forever without `expires_in`), then fetched again on the next call. Concurrent calls share one
 * fetch. Client authentication is probed as x/oauth2's auto-detection does: HTTP Basic first, then the
 * credentials in the form, and the style that worked is kept.
 *
 * Unlike x/oauth2's, a fetch is bounded (`fetchTimeoutMs`) and a waiting call gives up when its own
 * request is cancelled, without cancelling the fetch others wait for.
 */
import type { Clock } from '../clock.js';
import { encodeQuery, parseQuery, queryEscape } from '../martian/go-url.js';

export interface ClientCredentialsSettings {
  clientId: string;
  clientSecret: string;
  tokenUrl: string;
  /** `scopes` split on commas, as KrakenD does; `undefined` when the key is absent. */
  scopes: string[] | undefined;
  endpointParams: Record<string, string[]>;
  fetchTimeoutMs: number;
  clock: Clock;
  /** Replaceable in tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

export interface Token {
  /** `Authorization` header value: `Bearer …` (or the server's `token_type`). */
  authorization: string;
  /** Clock time after which the token is refreshed; `Infinity` without `expires_in`. */
  refreshAt: number;
}

/** A token request that failed; its message names the token URL's origin, never the credentials. */
export class TokenError extends Error {}

/** x/oauth2's `expiryDelta`: a token is refreshed this long before it expires. */
const EXPIRY_DELTA_MS = 10_000;
const MAX_TOKEN_RESPONSE_BYTES = 1 << 20;

type AuthStyle = 'header' | 'params';

export class TokenSource {
  private token: Token | undefined;
  private pending: Promise<Token> | undefined;
  private style: AuthStyle | undefined;
  private readonly form: Map<string, string[]>;
  private readonly fetch: typeof fetch;

  constructor(private readonly settings: ClientCredentialsSettings) {
    this.fetch = settings.fetch ?? globalThis.fetch;
    this.form = tokenRequestForm(settings);
  }

  /** A valid token: the cached one, the fetch under way, or a new fetch. */
  current(): Token | Promise<Token> {
    const token = this.token;
    if (token !== undefined && this.settings.clock.now() < token.refreshAt) return token;
    this.pending ??= this.fetchToken().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async fetchToken(): Promise<Token> {
    const overwritten = overwrittenParam(this.settings.scopes, this.settings.endpointParams);
    if (overwritten !== undefined) throw new TokenError(`oauth2: cannot overwrite parameter "${overwritten}"`);
    let token: Token;
    if (this.style !== undefined) token = await this.request(this.style);
    else {
      try {
        token = await this.request('header');
        this.style = 'header';
      } catch {
        token = await this.request('params');
        this.style = 'params';
      }
    }
    this.token = token;
    return token;
  }

  private async request(style: AuthStyle): Promise<Token> {
    const { clientId, clientSecret, tokenUrl } = this.settings;
    const form = new Map(this.form);
    const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' };
    if (style === 'header') headers['Authorization'] = `Basic ${Buffer.from(`${queryEscape(clientId)}:${queryEscape(clientSecret)}`).toString('base64')}`;
    else {
      form.set('client_id', [clientId]);
      if (clientSecret !== '') form.set('client_secret', [clientSecret]);
    }
    const where = safeOrigin(tokenUrl);
    let response: Response;
    let body: string;
    try {
      response = await this.fetch(tokenUrl, { method: 'POST', headers, body: encodeQuery(form), signal: AbortSignal.timeout(this.settings.fetchTimeoutMs), redirect: 'follow' });
      body = await readBounded(response);
    } catch (error) {
      const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${this.settings.fetchTimeoutMs} ms` : (error as Error).message;
      throw new TokenError(`oauth2: cannot fetch token from ${where}: ${reason}`);
    }
    if (response.status < 200 || response.status > 299) throw new TokenError(`oauth2: cannot fetch token from ${where}: ${response.status}${oauthErrorCode(body)}`);
    return parseTokenResponse(body, response.headers.get('content-type') ?? '', this.settings.clock.now(), where);
  }
}

function tokenRequestForm(settings: ClientCredentialsSettings): Map<string, string[]> {
  const form = new Map<string, string[]>([['grant_type', ['client_credentials']]]);
  if (settings.scopes !== undefined && settings.scopes.length > 0) form.set('scope', [settings.scopes.join(' ')]);
  for (const [name, values] of Object.entries(settings.endpointParams)) form.set(name, values);
  return form;
}

/** x/oauth2 refuses `endpoint_params` that would overwrite a parameter it sets (except `grant_type`). */
export function overwrittenParam(scopes: string[] | undefined, endpointParams: Record<string, string[]>): string | undefined {
  if (scopes !== undefined && scopes.length > 0 && 'scope' in endpointParams) return 'scope';
  return undefined;
}

async function readBounded(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > MAX_TOKEN_RESPONSE_BYTES) {
      await reader.cancel();
      break;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).subarray(0, MAX_TOKEN_RESPONSE_BYTES).toString('utf8');
}

/** The `error` code of an OAuth error answer (RFC 6749 §5.2), never its description, for the log. */
function oauthErrorCode(body: string): string {
  try {
    const parsed = JSON.parse(body) as unknown;
    const code = parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>)['error'] : undefined;
    return typeof code === 'string' && /^[\x20-\x7e]{1,64}$/.test(code) ? ` (${code})` : '';
  } catch {
    return '';
  }
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'an invalid token_url';
  }
}

/** Token type as x/oauth2's `Token.Type` writes it. */
function tokenType(type: string): string {
  const lower = type.toLowerCase();
  if (lower === 'bearer' || type === '') return 'Bearer';
  if (lower === 'mac') return 'MAC';
  if (lower === 'basic') return 'Basic';
  return type;
}

const HEADER_SAFE = /^[\x20-\x7e\t]*$/;

/** Reads a token answer: form-encoded for `application/x-www-form-urlencoded` and `text/plain`, JSON otherwise. */
export function parseTokenResponse(body: string, contentType: string, now: number, where = 'the token server'): Token {
  const mediaType = (contentType.split(';')[0] as string).trim().toLowerCase();
  let accessToken: unknown;
  let type: unknown;
  let expiresIn: unknown;
  if (mediaType === 'application/x-www-form-urlencoded' || mediaType === 'text/plain') {
    const values = parseQuery(body);
    accessToken = values.get('access_token')?.[0];
    type = values.get('token_type')?.[0];
    expiresIn = values.get('expires_in')?.[0] ?? values.get('expires')?.[0];
  } else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new TokenError(`oauth2: cannot parse the token answer of ${where} as JSON`);
    }
    if (parsed === null || typeof parsed !== 'object') throw new TokenError(`oauth2: the token answer of ${where} is not a JSON object`);
    const fields = parsed as Record<string, unknown>;
    accessToken = fields['access_token'];
    type = fields['token_type'];
    expiresIn = fields['expires_in'];
  }
  if (typeof accessToken !== 'string' || accessToken === '') throw new TokenError(`oauth2: server response missing access_token (${where})`);
  const authorization = `${tokenType(typeof type === 'string' ? type : '')} ${accessToken}`;
  // A token is written into a header line: nothing the server sends may break out of it.
  if (!HEADER_SAFE.test(authorization)) throw new TokenError(`oauth2: the token from ${where} holds characters a header cannot carry`);
  const seconds = typeof expiresIn === 'number' ? expiresIn : typeof expiresIn === 'string' && /^\d+$/.test(expiresIn) ? Number(expiresIn) : 0;
  return { authorization, refreshAt: seconds > 0 ? now + seconds * 1000 - EXPIRY_DELTA_MS : Infinity };
}
