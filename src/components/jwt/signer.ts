/**
 * `auth/signer`: turns the objects under `keys_to_sign` of a login backend's response into signed JWTs
 * (compact, or the flattened JSON serialization with `full`), using the key `kid` of a JWK set. The
 * answer is shaped as KrakenD's token signer shapes it: the backend's status and headers and the JSON
 * data followed by a newline, without `X-Krakend-Completed` or `Cache-Control` (a token must never land
 * in a shared cache). A failure to sign is a bare 400.
 *
 * @example
 * ```json
 * "auth/signer": {
 *   "alg": "HS256",
 *   "kid": "sim2",
 *   "keys_to_sign": ["access_token", "refresh_token"],
 *   "jwk_local_path": "./jwk_private_keys.json"
 * }
 * ```
 */
import { loadJose } from './jose.js';
import type { ComponentDefinition } from '../registry.js';
import type { EndpointConfig } from '../../config/types.js';
import { renderJson } from '../../render/json.js';
import type { BuildContext, HandlerMiddleware } from '../../pipeline/types.js';
import { GatewayError } from '../../core/errors.js';
import type { Middleware } from '../../proxy/types.js';
import { BOOLEAN_SCHEMA, STRINGS_SCHEMA, objectSchema, readBoolean, readString, readStrings } from '../block-reader.js';
import type { Block } from '../block-reader.js';
import { JWT_ALGORITHMS } from './algorithms.js';
import { keySetFor, keySourceOf, readLocalJwkSet } from './key-source.js';
import { KEY_SOURCE_SCHEMA, refuseEveryRequest, validateKeySource } from './validator.js';

export const SIGNER_NAMESPACE = 'auth/signer';

class SigningError extends GatewayError {
  readonly statusCode = 400;
}

export type PayloadSigner = (payload: Record<string, unknown>) => Promise<string>;

export function createPayloadSigner(block: Block, endpoint: EndpointConfig, context: BuildContext): PayloadSigner {
  const source = keySourceOf(block);
  if (source.kind === 'unusable') throw new Error(`${SIGNER_NAMESPACE} at ${endpoint.path}: ${source.reason}`);
  const keySet = keySetFor(block, source, context);
  const alg = readString(block, 'alg', 'RS256') || 'RS256';
  const kid = readString(block, 'kid');
  const full = readBoolean(block, 'full');
  // krakend-jose's signer always sets `typ` ("JWT" unless configured); go-jose writes the header's keys sorted.
  const typ = readString(block, 'typ') || 'JWT';
  const header = kid ? { alg, kid, typ } : { alg, typ };
  const encoder = new TextEncoder();

  return async function signPayload(payload) {
    const key = await keySet.signingKeyFor(kid, alg);
    if (key === undefined) throw new SigningError('PRT_ERR_JWT_SIGNING_KEY', `no usable key "${kid}" for ${alg}`);
    // Go's json.Marshal of the map: sorted keys, HTML characters escaped.
    const bytes = encoder.encode(renderJson(payload));
    const { CompactSign, FlattenedSign } = await loadJose();
    try {
      if (!full) return await new CompactSign(bytes).setProtectedHeader(header).sign(key);
      const jws = await new FlattenedSign(bytes).setProtectedHeader(header).sign(key);
      return JSON.stringify({ payload: jws.payload, protected: jws.protected, signature: jws.signature });
    } catch (error) {
      throw new SigningError('PRT_ERR_JWT_SIGNING', `signing with key "${kid}" failed: ${(error as Error).message}`, { cause: error });
    }
  };
}

/**
 * KrakenD builds the signer when it starts; when that fails (no usable source, unreadable file) the
 * endpoint answers every request with a bare 401 (krakend-jose gin/jose.go `TokenSigner`).
 */
function signerCanStart(block: Block): boolean {
  const source = keySourceOf(block);
  if (source.kind === 'unusable') return false;
  if (source.kind === 'file') {
    try {
      return hasKeyId(readLocalJwkSet(source.path), readString(block, 'kid'));
    } catch {
      return false;
    }
  }
  return true;
}

/** krakend-jose looks the signing key up by its exact `kid` when it builds the signer (jws.go `NewSigner`). */
function hasKeyId(set: ReturnType<typeof readLocalJwkSet>, kid: string): boolean {
  return set.keys.some((key) => (key.kid ?? '') === kid);
}

export function createSignerProxy(block: Block, endpoint: EndpointConfig, context: BuildContext): Middleware {
  if (!signerCanStart(block)) return (next) => next; // never reached: the endpoint layer refuses first
  const sign = createPayloadSigner(block, endpoint, context);
  const keys = readStrings(block, 'keys_to_sign');
  return (next) =>
    async function signResponse(request, cancel) {
      const response = await next(request, cancel);
      for (const key of keys) {
        const value = response.data[key];
        if (value !== null && typeof value === 'object' && !Array.isArray(value)) response.data[key] = await sign(value as Record<string, unknown>);
      }
      return response;
    };
}

/** Marks the endpoint's answers as token-signer answers (see RequestContext.plainJsonAnswer). */
export function createSignerAnswer(): HandlerMiddleware {
  return (next) =>
    function answerAsSigner(context) {
      context.plainJsonAnswer = true;
      next(context);
    };
}

export const jwtSignerComponent: ComponentDefinition = {
  namespace: SIGNER_NAMESPACE,
  schemas: {
    endpoint: objectSchema(
      {
        ...KEY_SOURCE_SCHEMA,
        alg: { type: 'string', enum: [...JWT_ALGORITHMS] },
        kid: { type: 'string' },
        typ: { type: 'string' },
        keys_to_sign: STRINGS_SCHEMA,
        full: BOOLEAN_SCHEMA,
      },
      { required: ['alg', 'keys_to_sign'] },
    ),
  },
  validate(block, _scope, at, issues) {
    validateKeySource(block, at, issues, 'signer');
    const source = keySourceOf(block);
    if (source.kind !== 'file') return;
    let set;
    try {
      set = readLocalJwkSet(source.path);
    } catch {
      return; // reported by validateKeySource
    }
    const kid = readString(block, 'kid');
    if (!hasKeyId(set, kid)) {
      issues.warning({ code: 'PRT_WARN_CONFIG_JWK_SOURCE', at: [...at, 'kid'], message: `the JWK set ${source.path} has no key with kid ${JSON.stringify(kid)}: every request of this endpoint is refused with 401, as KrakenD does` });
    }
  },
  proxy: (block, endpoint, context) => createSignerProxy(block, endpoint, context),
  endpoint: (block) => (signerCanStart(block) ? createSignerAnswer() : refuseEveryRequest),
};
