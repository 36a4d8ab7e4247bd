/**
 * Response compression (gzip, brotli) for the answers an endpoint sends, chosen by the client's
 * `Accept-Encoding` with q-values. Settings are read once per endpoint; an endpoint without compression
 * gets no compressor at all.
 *
 * Keys: KrakenD EE's `router.disable_gzip` (EE compresses unless it is true; KrakenD CE never compresses,
 * so Portico compresses only when `disable_gzip` is written as `false` or the `server/compression` block
 * is present), and Portico's `server/compression` namespace at service and endpoint level.
 */
import { constants as zlibConstants, createBrotliCompress, createGzip, brotliCompress, gzip } from 'node:zlib';
import type { Transform } from 'node:stream';
import { readBoolean, readInteger, readStrings } from '../config/read.js';
import type { EndpointConfig, ServiceConfig } from '../config/types.js';

export const COMPRESSION_NAMESPACE = 'server/compression';

export type Coding = 'br' | 'gzip';
export const CODINGS: readonly Coding[] = ['br', 'gzip'];

/** Types worth compressing: text and structured data (images, archives and media are compressed already). */
export const DEFAULT_CONTENT_TYPES = ['text/', 'application/json', 'application/xml', 'application/yaml', 'application/x-yaml', 'application/javascript', '+json', '+xml'];
export const DEFAULT_MIN_SIZE = 1024;

export interface CompressionSettings {
  /** Server preference when the client weighs codings equally. */
  codings: readonly Coding[];
  minSizeBytes: number;
  contentTypes: readonly string[];
  /** Also compress no-op passthrough answers (streamed). */
  noOp: boolean;
  gzipLevel: number;
  brotliQuality: number;
}

/** The endpoint's compression settings, or undefined when its answers are never compressed. */
export function readCompressionSettings(service: ServiceConfig, endpoint: EndpointConfig): CompressionSettings | undefined {
  const { disableGzip } = service.router;
  if (disableGzip === true) return undefined;
  const serviceBlock = blockIn(service.extraConfig);
  const endpointBlock = blockIn(endpoint.extraConfig);
  if (serviceBlock === undefined && endpointBlock === undefined && disableGzip !== false) return undefined;
  const block = { ...serviceBlock, ...endpointBlock };
  if (readBoolean(block, 'disable')) return undefined;
  const listed = block['algorithms'] === undefined ? CODINGS : readStrings(block, 'algorithms').filter((name): name is Coding => (CODINGS as readonly string[]).includes(name));
  if (listed.length === 0) return undefined;
  return {
    codings: listed,
    minSizeBytes: readInteger(block, 'min_size', DEFAULT_MIN_SIZE),
    contentTypes: block['content_types'] === undefined ? DEFAULT_CONTENT_TYPES : readStrings(block, 'content_types').map((type) => type.toLowerCase()),
    noOp: readBoolean(block, 'no_op'),
    gzipLevel: readInteger(block, 'gzip_level', 6),
    brotliQuality: readInteger(block, 'brotli_quality', 4),
  };
}

/**
 * The coding to answer with: the acceptable one (q > 0) with the highest q-value, the server's order
 * breaking ties; `*` stands for codings not named (RFC 9110 §12.5.3). Undefined: send identity.
 */
export function negotiateCoding(acceptEncoding: string | undefined, codings: readonly Coding[]): Coding | undefined {
  if (acceptEncoding === undefined || acceptEncoding === '') return undefined;
  const weights = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [rawName = '', ...params] = part.split(';');
    const name = rawName.trim().toLowerCase();
    if (name === '') continue;
    let q = 1;
    for (const param of params) {
      const match = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(param);
      if (match) q = Number(match[1]);
    }
    if (!Number.isFinite(q) || q < 0 || q > 1) continue;
    // `x-gzip` is gzip (RFC 9110 §8.4.1.3).
    weights.set(name === 'x-gzip' ? 'gzip' : name, q);
  }
  const wildcard = weights.get('*');
  let best: Coding | undefined;
  let bestWeight = 0;
  for (const coding of codings) {
    const weight = weights.get(coding) ?? wildcard ?? 0;
    if (weight > bestWeight) {
      best = coding;
      bestWeight = weight;
    }
  }
  return best;
}

/** `application/json; charset=utf-8` is eligible for `application/json`, `+json` or `text/`. */
export function isCompressibleType(contentType: string | undefined, allowed: readonly string[]): boolean {
  if (contentType === undefined) return false;
  const type = (contentType.split(';')[0] as string).trim().toLowerCase();
  // A stream of events must reach the client as each one is written (KrakenD EE leaves it out too).
  if (type === 'text/event-stream') return false;
  return allowed.some((entry) => (entry.startsWith('+') ? type.endsWith(entry) : entry.endsWith('/') ? type.startsWith(entry) : type === entry));
}

/** Compresses a whole body off the event loop (zlib's thread pool). */
export function compressBody(body: Buffer, coding: Coding, settings: CompressionSettings): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, result: Buffer): void => (error ? reject(error) : resolve(result));
    if (coding === 'gzip') gzip(body, { level: settings.gzipLevel }, done);
    else brotliCompress(body, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: settings.brotliQuality, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: body.length } }, done);
  });
}

/** A compressing stream for a passthrough body; flushes what it has whenever the source pauses. */
export function compressStream(coding: Coding, settings: CompressionSettings): Transform {
  return coding === 'gzip'
    ? createGzip({ level: settings.gzipLevel, flush: zlibConstants.Z_SYNC_FLUSH })
    : createBrotliCompress({ params: { [zlibConstants.BROTLI_PARAM_QUALITY]: settings.brotliQuality }, flush: zlibConstants.BROTLI_OPERATION_FLUSH });
}

/** Adds `Accept-Encoding` to a `Vary` list held in `[name, value, …]` pairs (once). */
export function varyOnAcceptEncoding(headers: string[]): void {
  for (let i = 0; i < headers.length; i += 2) {
    if ((headers[i] as string).toLowerCase() !== 'vary') continue;
    const value = headers[i + 1] as string;
    if (value.trim() === '*' || /(^|,)\s*accept-encoding\s*(,|$)/i.test(value)) return;
  }
  headers.push('Vary', 'Accept-Encoding');
}

function blockIn(extra: Readonly<Record<string, unknown>>): Record<string, unknown> | undefined {
  const block = extra[COMPRESSION_NAMESPACE];
  return block !== null && typeof block === 'object' && !Array.isArray(block) ? (block as Record<string, unknown>) : undefined;
}
