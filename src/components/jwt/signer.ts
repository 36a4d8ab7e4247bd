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
import { registerComponent } from '../registry.js';
import type { EndpointConfig } from '../../config/types.js';
import { renderJson } from '../../render/json.js';
import type { BuildContext, HandlerMiddleware } from '../../pipeline/types.js';
import { GatewayError } from '../../proxy/errors.js';
import type { Middleware } from '../../proxy/types.js';
import { BOOLEAN_SCHEMA, STRINGS_SCHEMA, objectSchema, readBoolean, readString, readStrings } from '../block-reader.js';
import type { Block } from '../block-reader.js';
import { JWT_ALGORITHMS } from './algorithms.js';
import { keySetFor, keySourceOf } from './key-source.js';
import { KEY_SOURCE_SCHEMA, validateKeySource } from './validator.js';

export const SIGNER_NAMESPACE = 'auth/signer';

class SigningError extends GatewayError {
  readonly statusCode = 400;
}

export type PayloadSigner = (payload: Record<string, unknown>) => Promise<string>;

export function createPayloadSigner(block: Block, endpoint: EndpointConfig, context: BuildContext): PayloadSigner {
  const source = keySourceOf(block);
  if (typeof source === 'string') throw new Error(`${SIGNER_NAMESPACE} at ${endpoint.path}: ${source}`);
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

export function createSignerProxy(block: Block, endpoint: EndpointConfig, context: BuildContext): Middleware {
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

registerComponent({
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
      { required: ['alg', 'kid', 'keys_to_sign'] },
    ),
  },
  validate(block, _scope, at, issues) {
    validateKeySource(block, at, issues);
  },
  proxy: (block, endpoint, context) => createSignerProxy(block, endpoint, context),
  endpoint: () => createSignerAnswer(),
});
