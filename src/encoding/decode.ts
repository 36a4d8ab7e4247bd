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
  try {
    return parseJson(body.toString('utf8'));
  } catch (error) {
    throw invalid('JSON', error);
  }
}

registerDecoder('json', (isCollection) =>
  function decodeJson(body) {
    const value = decodeJsonValue(body);
    if (Array.isArray(value)) return { collection: value };
    if (isCollection) throw invalid('JSON', new Error('expected an array (is_collection is set)'));
    if (value !== null && typeof value === 'object') return value as Decoded;
    throw invalid('JSON', new Error('expected an object or an array'));
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
