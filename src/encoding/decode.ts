/**
 * Backend body decoders (lura `encoding`): each turns bytes into the map the pipeline merges.
 * `json` wraps arrays as `collection`; `safejson` also wraps scalars as `content`; `string` always gives
 * `content`. XML/RSS decoders come from `components/encodings.ts`.
 */
import { canonicalMembers } from './json-canonical.js';
import { parseJson } from './json-lossless.js';
import { GatewayError } from '../core/errors.js';

export type Decoded = Record<string, unknown>;
export type Decoder = (body: Buffer) => Decoded;
export type DecoderFactory = (isCollection: boolean) => Decoder;

function invalid(encoding: string, error: unknown): GatewayError {
  return new GatewayError('PRT_ERR_BACKEND_DECODE', `the backend response is not valid ${encoding}: ${(error as Error).message}`, { cause: error });
}

function decodeJsonValue(body: Buffer): unknown {
  const text = body.toString('utf8');
  try {
    return parseJson(text);
  } catch (error) {
    // Go's json.Decoder on an empty body.
    if (text.trim() === '') throw new GatewayError('PRT_ERR_BACKEND_DECODE', 'EOF');
    throw invalid('JSON', error);
  }
}

/** Go's `json.UnmarshalTypeError` text for a top-level value decoded into lura's map or slice. */
function typeMismatch(value: unknown, into: string): GatewayError {
  const kind = Array.isArray(value) ? 'array' : typeof value === 'object' ? 'object' : typeof value === 'boolean' ? 'bool' : typeof value === 'string' ? 'string' : 'number';
  return new GatewayError('PRT_ERR_BACKEND_DECODE', `json: cannot unmarshal ${kind} into Go value of type ${into}`);
}

/**
 * lura's JSON decoders: an object (or `null`, an empty map) without is_collection, an array (or `null`)
 * with it; anything else fails the backend as Go's json.Decoder does (a JSON array without
 * is_collection included).
 */
const decodeJsonBody: DecoderFactory = (isCollection) =>
  isCollection
    ? function decodeJsonCollection(body) {
        const value = decodeJsonValue(body);
        if (Array.isArray(value)) return { collection: value };
        if (value === null) return { collection: null };
        throw typeMismatch(value, '[]interface {}');
      }
    : function decodeJson(body) {
        const value = decodeJsonValue(body);
        if (value === null) return {};
        if (typeof value === 'object' && !Array.isArray(value)) return value as Decoded;
        throw typeMismatch(value, 'map[string]interface {}');
      };

/** lura's own decoders, by `encoding` name (the registry falls back to `json` for any other name). */
export const coreDecoders: Readonly<Record<string, DecoderFactory>> = {
  json: decodeJsonBody,
  'fast-json': decodeJsonBody,
  safejson: () =>
    function decodeSafeJson(body) {
      const value = decodeJsonValue(body);
      if (Array.isArray(value)) return { collection: value };
      if (value !== null && typeof value === 'object') return value as Decoded;
      return { content: value };
    },
  string: () =>
    function decodeString(body) {
      return { content: body.toString('utf8') };
    },
  'no-op': () =>
    function decodeNothing() {
      return {};
    },
};

/**
 * The `json` decoder for a backend whose data nobody reads below the top level: filtered, renamed,
 * grouped and merged by key, then rendered as JSON (the pipeline decides, see endpoint-proxy.ts). Each
 * member stays written text (`json-canonical.ts`); `decode` takes whatever that path gives up on.
 */
export function topLevelJsonDecoder(decode: Decoder): Decoder {
  return function decodeJsonMembers(body) {
    return canonicalMembers(body.toString('utf8')) ?? decode(body);
  };
}
