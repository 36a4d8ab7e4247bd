/**
 * Backend body decoders (lura `encoding`): each turns bytes into the map the pipeline merges.
 * `json` wraps arrays as `collection`; `safejson` also wraps scalars as `content`; `string` always gives
 * `content`. XML/RSS decoders are registered by their component.
 */
import { parseJson } from './json-lossless.js';
import { GatewayError } from '../proxy/errors.js';

export type Decoded = Record<string, unknown>;
export type Decoder = (body: Buffer) => Decoded;
export type DecoderFactory = (isCollection: boolean) => Decoder;

const decoders = new Map<string, DecoderFactory>();

export function registerDecoder(encoding: string, factory: DecoderFactory): void {
  decoders.set(encoding, factory);
}

/** Unknown encodings decode as JSON, as in KrakenD. */
export function decoderFor(encoding: string, isCollection: boolean): Decoder {
  return (decoders.get(encoding) ?? (decoders.get('json') as DecoderFactory))(isCollection);
}

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
registerDecoder('json', (isCollection) =>
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
      },
);

registerDecoder('safejson', () =>
  function decodeSafeJson(body) {
    const value = decodeJsonValue(body);
    if (Array.isArray(value)) return { collection: value };
    if (value !== null && typeof value === 'object') return value as Decoded;
    return { content: value };
  },
);

registerDecoder('fast-json', (isCollection) => decoderFor('json', isCollection));

registerDecoder('string', () =>
  function decodeString(body) {
    return { content: body.toString('utf8') };
  },
);

registerDecoder('no-op', () =>
  function decodeNothing() {
    return {};
  },
);
