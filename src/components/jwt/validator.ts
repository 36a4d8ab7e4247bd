/**
 * `auth/validator`: endpoint access only with a valid signed JWT. A missing, malformed, expired or
 * badly signed token, a wrong issuer or audience, or an unknown key is answered 401; a valid token
 * without the required roles or scopes 403. Both answers are bare (no body, no `X-Krakend*` headers),
 * as KrakenD's validator aborts before the endpoint handler. Claims can travel to backends as headers
 * (`propagate_claims`) and as `{JWT.claim}` placeholders in `url_pattern`.
 *
 * @example
 * ```json
 * "auth/validator": {
 *   "alg": "RS256",
 *   "jwk_url": "https://idp.example.com/.well-known/jwks.json",
 *   "cache": true,
 *   "issuer": "https://idp.example.com/",
 *   "audience": ["https://api.example.com"],
 *   "roles_key": "realm_access.roles",
 *   "roles_key_is_nested": true,
 *   "roles": ["admin"],
 *   "propagate_claims": [["sub", "X-User"]]
 * }
 * ```
 */
import { existsSync } from 'node:fs';
import { loadJose } from './jose.js';
import { LRUCache } from 'lru-cache';
import type { CryptoKey, JWTHeaderParameters, JWTPayload } from 'jose';
import type { ComponentDefinition } from '../registry.js';
import { canonicalHeaderName } from '../../config/headers.js';
import type { ConfigIssues } from '../../config/issues.js';
import type { KeyPath } from '../../config/source.js';
import type { EndpointConfig } from '../../config/types.js';
import type { BuildContext, HandlerMiddleware } from '../../pipeline/types.js';
import type { HeaderMap } from '../../proxy/types.js';
import { BOOLEAN_SCHEMA, DURATION_SCHEMA, STRINGS_SCHEMA, objectSchema, readBoolean, readDurationMs, readString, readStrings } from '../block-reader.js';
import type { Block } from '../block-reader.js';
import { rejectRequest } from '../deny.js';
import { JWT_ALGORITHMS } from './algorithms.js';
import { claimAt, claimText, createListMatcher } from './claims.js';
import type { Claims } from './claims.js';
import { keySetFor, keySourceOf, readLocalJwkSet } from './key-source.js';
import type { JwkKeySet } from './key-set.js';
import { createTokenExtractor } from './token-extractor.js';

export const VALIDATOR_NAMESPACE = 'auth/validator';

/** go-jose's default clock skew, which KrakenD's validator uses. */
const DEFAULT_LEEWAY_MS = 60_000;
const JWT_PLACEHOLDER = /\{JWT\.([^}]+)\}/g;
const VERIFIED_CACHE_SIZE = 10_000;

class TokenRejected extends Error {
  constructor(
    readonly statusCode: 401 | 403,
    message: string,
  ) {
    super(message);
  }
}

export function createValidatorMiddleware(block: Block, endpoint: EndpointConfig, context: BuildContext): HandlerMiddleware {
  const source = keySourceOf(block);
  if (source.kind === 'unusable') return refuseEveryRequest;
  const keySet = keySetFor(block, source, context);
  const verifyToken = createVerifier(block, keySet);
  const extractToken = createTokenExtractor(readString(block, 'auth_header_name', 'Authorization') || 'Authorization', readString(block, 'cookie_key', 'access_token') || 'access_token');
  const hasRoles = createListMatcher(readString(block, 'roles_key', 'roles') || 'roles', readBoolean(block, 'roles_key_is_nested'), readStrings(block, 'roles'), 'any');
  const scopesKey = readString(block, 'scopes_key');
  const hasScopes = scopesKey ? createListMatcher(scopesKey, true, readStrings(block, 'scopes'), readString(block, 'scopes_matcher') === 'all' ? 'all' : 'any') : undefined;
  const isRejected = context.components.tokenRejecterFor(endpoint, context);
  const propagate = propagatedClaims(block);
  const placeholders = placeholderClaims(endpoint);
  const logger = context.logger;
  const debug = readBoolean(block, 'operation_debug') ? (message: string) => logger.debug(`[ENDPOINT: ${endpoint.path}][JWTValidator] ${message}`) : undefined;

  return (next) =>
    function validateToken(requestContext) {
      const { request, response } = requestContext;
      const token = extractToken(request);
      if (token === undefined) {
        debug?.('no token in the request');
        rejectRequest(response, 401);
        return;
      }
      verifyToken(token).then(
        (claims) => {
          // krakend-jose asks its rejecters (CEL `JWT` expressions) before it checks roles and scopes.
          if (isRejected?.(claims)) throw new TokenRejected(401, 'the token was rejected');
          if (hasRoles && !hasRoles(claims)) throw new TokenRejected(403, 'the token lacks the required roles');
          if (hasScopes && !hasScopes(claims)) throw new TokenRejected(403, 'the token lacks the required scopes');
          requestContext.claims = claims;
          if (propagate.length > 0) {
            const headers: HeaderMap = requestContext.extraHeaders ?? {};
            for (const [claim, header] of propagate) headers[header] = [claimText(claimAt(claims, claim, true))];
            requestContext.extraHeaders = headers;
          }
          if (placeholders.length > 0) {
            const params = requestContext.extraParams ?? {};
            for (const claim of placeholders) {
              const value = claimAt(claims, claim, true);
              if (value !== undefined) params[`JWT.${claim}`] = claimText(value);
            }
            requestContext.extraParams = params;
          }
          return true;
        },
      ).then(
        () => {
          // The client may have left while the token was being checked: nothing to call then.
          if (response.destroyed) return;
          try {
            next(requestContext);
          } catch (error) {
            logger.error(`[ENDPOINT: ${endpoint.path}] unexpected error: ${(error as Error).stack ?? String(error)}`);
            rejectRequest(response, 500);
          }
        },
        (error: Error) => {
          const status = error instanceof TokenRejected ? error.statusCode : 401;
          debug?.(`rejected (${status}): ${error.message}`);
          rejectRequest(response, status);
        },
      );
    };
}

/** A validator that cannot validate (krakend-jose's `erroredHandler`): bare 401, never the endpoint. */
export const refuseEveryRequest: HandlerMiddleware = () =>
  function refuseUnverifiable({ response }) {
    rejectRequest(response, 401);
  };

/** Verifies signature, algorithm, time claims, issuer and audience; resolves with the claims. */
function createVerifier(block: Block, keySet: JwkKeySet): (token: string) => Promise<Claims> {
  const alg = readString(block, 'alg', 'RS256') || 'RS256';
  const issuer = readString(block, 'issuer');
  const audience = readStrings(block, 'audience');
  const leewaySeconds = readDurationMs(block, 'leeway', DEFAULT_LEEWAY_MS) / 1000;
  const keyIdOf = keyIdentifier(readString(block, 'key_identify_strategy', 'kid'));
  const options = { algorithms: [alg], clockTolerance: leewaySeconds, ...(issuer ? { issuer } : {}) };

  const getKey = async (header: JWTHeaderParameters): Promise<CryptoKey | Uint8Array> => {
    const key = await keySet.keyFor(keyIdOf(header), alg);
    if (key === undefined) throw new (await loadJose()).errors.JWKSNoMatchingKey();
    return key;
  };

  // Clients send the same token many times: its signature is checked once, then only its time claims
  // are, until the key set changes. Keyed by the whole token, so a cache hit is the same signed bytes.
  const verified = new LRUCache<string, { payload: JWTPayload; generation: number }>({ max: VERIFIED_CACHE_SIZE });
  const leewayMs = leewaySeconds * 1000;

  return async function verifyToken(token) {
    const cached = verified.get(token);
    if (cached !== undefined && cached.generation === keySet.generation) {
      if (isCurrent(cached.payload, Date.now(), leewayMs)) return cached.payload as Claims;
      verified.delete(token);
      throw new Error('the token expired');
    }
    const generation = keySet.generation;
    const { jwtVerify } = await loadJose();
    const { payload } = await jwtVerify(token, getKey, options);
    if (audience.length > 0 && !hasEveryAudience(payload, audience)) throw new Error('the token is not for this audience');
    verified.set(token, { payload, generation });
    return payload as Claims;
  };
}

/** `exp` and `nbf` still hold at `nowMs`, within the leeway (jose checked their types already). */
function isCurrent(payload: JWTPayload, nowMs: number, leewayMs: number): boolean {
  if (typeof payload.exp === 'number' && payload.exp * 1000 <= nowMs - leewayMs) return false;
  if (typeof payload.nbf === 'number' && payload.nbf * 1000 > nowMs + leewayMs) return false;
  return true;
}

/** KrakenD (go-jose) requires every configured audience to be in the token. */
function hasEveryAudience(payload: JWTPayload, required: string[]): boolean {
  const present = typeof payload.aud === 'string' ? [payload.aud] : Array.isArray(payload.aud) ? payload.aud : [];
  return required.every((audience) => present.includes(audience));
}

function keyIdentifier(strategy: string): (header: JWTHeaderParameters) => string {
  const x5t = (header: JWTHeaderParameters): string => (typeof header['x5t'] === 'string' ? header['x5t'] : header.kid ?? '');
  if (strategy === 'x5t') return x5t;
  if (strategy === 'kid_x5t') return (header) => (header.kid ?? '') + x5t(header);
  return (header) => header.kid ?? '';
}

/** [claim, header] pairs; header names canonical (Go's `Header.Set`) so they replace the client's header of that name. */
function propagatedClaims(block: Block): [string, string][] {
  const value = block['propagate_claims'];
  if (!Array.isArray(value)) return [];
  return value
    .filter((pair): pair is [string, string] => Array.isArray(pair) && pair.length === 2 && typeof pair[0] === 'string' && typeof pair[1] === 'string')
    .map(([claim, header]) => [claim, canonicalHeaderName(header)]);
}

/** Claims named by `{JWT.claim}` in any backend's url_pattern. */
function placeholderClaims(endpoint: EndpointConfig): string[] {
  const names = new Set<string>();
  for (const backend of endpoint.backends) for (const match of backend.urlPattern.matchAll(JWT_PLACEHOLDER)) names.add(match[1] as string);
  return [...names];
}

/** Schema keys shared by the validator and the signer. */
export const KEY_SOURCE_SCHEMA = {
  jwk_url: { type: 'string' },
  jwk_local_path: { type: 'string' },
  jwk_local_ca: { type: 'string' },
  secret_url: { type: 'string' },
  disable_jwk_security: BOOLEAN_SCHEMA,
  cache: BOOLEAN_SCHEMA,
  cache_duration: { type: 'integer', minimum: 0 },
  failed_jwk_key_cooldown: DURATION_SCHEMA,
  operation_debug: BOOLEAN_SCHEMA,
};

/**
 * Config checks of a key source, shared with the signer. What KrakenD starts with but cannot use is a
 * warning, and the endpoint then refuses every request (see `keySourceOf`); what makes KrakenD exit is
 * an error.
 */
export function validateKeySource(block: Block, at: KeyPath, issues: ConfigIssues, role: 'validator' | 'signer'): void {
  const source = keySourceOf(block);
  if (readString(block, 'secret_url') !== '' && readString(block, 'jwk_local_path') === '') {
    issues.warning({ code: 'PRT_WARN_CONFIG_UNUSED', at: [...at, 'secret_url'], message: 'secret_url only decrypts jwk_local_path (as in KrakenD); without it, it is ignored' });
  }
  if (source.kind === 'unusable') {
    issues.warning({ code: 'PRT_WARN_CONFIG_JWK_SOURCE', at, message: `${source.reason}: every request of this endpoint is refused with 401, as KrakenD does`, hint: source.hint });
    return;
  }
  if (source.kind === 'file') {
    if (role === 'validator' && readBoolean(block, 'cache')) {
      // krakend-jose jwk.go SecretProvider: "cache could not be used with jwk_local_path", then logger.Fatal.
      issues.error({ code: 'PRT_ERR_CONFIG_JWK_SOURCE', at: [...at, 'cache'], message: 'cache cannot be used with jwk_local_path (KrakenD exits at start-up too)', hint: 'remove "cache"' });
    }
    try {
      readLocalJwkSet(source.path);
    } catch (error) {
      const message = `the JWK set ${source.path} cannot be read: ${(error as Error).message}`;
      // The validator's NewValidator error is fatal in KrakenD (gin/jose.go logger.Fatal); the signer's
      // only turns the endpoint into a 401 answer (gin/jose.go TokenSigner, erroredHandler).
      if (role === 'validator') issues.error({ code: 'PRT_ERR_CONFIG_JWK_SOURCE', at: [...at, 'jwk_local_path'], message: `${message} (KrakenD exits at start-up too)` });
      else issues.warning({ code: 'PRT_WARN_CONFIG_JWK_SOURCE', at: [...at, 'jwk_local_path'], message: `${message}: every request of this endpoint is refused with 401, as KrakenD does` });
    }
  } else if (source.caFile && !existsSync(source.caFile)) {
    issues.error({ code: 'PRT_ERR_CONFIG_JWK_SOURCE', at: [...at, 'jwk_local_ca'], message: `the CA file ${source.caFile} does not exist` });
  }
}

export const jwtValidatorComponent: ComponentDefinition = {
  namespace: VALIDATOR_NAMESPACE,
  schemas: {
    // The service level holds krakend-jose's shared key cache (key_cacher.go); Portico shares key sets anyway.
    service: objectSchema({ shared_cache_duration: { type: 'integer', minimum: 0 } }),
    endpoint: objectSchema({
      ...KEY_SOURCE_SCHEMA,
      alg: { type: 'string', enum: [...JWT_ALGORITHMS] },
      issuer: { type: 'string' },
      audience: STRINGS_SCHEMA,
      leeway: DURATION_SCHEMA,
      roles_key: { type: 'string' },
      roles_key_is_nested: BOOLEAN_SCHEMA,
      roles: STRINGS_SCHEMA,
      scopes_key: { type: 'string' },
      scopes: STRINGS_SCHEMA,
      scopes_matcher: { type: 'string', enum: ['any', 'all'] },
      propagate_claims: { type: 'array', items: { type: 'array', items: { type: 'string' }, minItems: 2, maxItems: 2 } },
      cookie_key: { type: 'string' },
      auth_header_name: { type: 'string' },
      key_identify_strategy: { type: 'string', enum: ['kid', 'x5t', 'kid_x5t'] },
    }),
  },
  validate(block, scope, at, issues) {
    if (scope !== 'endpoint') return;
    validateKeySource(block, at, issues, 'validator');
    if (readStrings(block, 'scopes').length > 0 && !readString(block, 'scopes_key')) {
      issues.error({ code: 'PRT_ERR_CONFIG_VALUE', at: [...at, 'scopes_key'], message: 'scopes are required but scopes_key does not say which claim holds them', hint: 'for OAuth 2 tokens this is usually "scope"' });
    }
  },
  endpoint: (block, endpoint, context) => createValidatorMiddleware(block, endpoint, context),
};
