/**
 * The innermost proxy of a backend: builds the URL and headers, calls the backend over the pooled
 * client, applies KrakenD's status policy, decodes and shapes the body. Everything that depends on the
 * config is decided here once; the returned closure only does per-request work.
 */
import type { BackendConfig, TransportSettings } from '../config/types.js';
import { blockOf } from '../components/registry.js';
import { decoderFor } from '../encoding/decode.js';
import type { Agent } from '../transport/agent.js';
import { createDirectCall } from '../transport/backend-call.js';
import type { BackendCall, BackendReply, CallOptions } from '../transport/backend-call.js';
import type { Cancellation } from './cancellation.js';
import { BackendResponseError, InvalidStatusError } from './errors.js';
import { createShaper } from './shaping.js';
import type { HeaderMap, Proxy, ProxyRequest, ProxyResponse } from './types.js';
import { compileUrlPattern, encodeQuery } from './url-template.js';
import { connectionListed, isHopByHop } from '../server/hop-by-hop.js';

export interface HttpBackendOptions {
  transport: TransportSettings;
  agent: Agent;
  /** Upper bound on a buffered backend body. */
  maxBodyBytes: number;
  /** The raw exchange wrapped by client-layer components (HTTP cache, retry); the network call when absent. */
  call?: BackendCall;
}

/** `error_<alias>` value; a class so its keys render in KrakenD's order, not sorted. */
export class DetailedBackendError {
  constructor(
    readonly http_status_code: number,
    readonly http_body: string | undefined,
    readonly http_body_encoding: string | undefined,
  ) {}
}

export function createHttpBackend(backend: BackendConfig, options: HttpBackendOptions): Proxy {
  const template = compileUrlPattern(backend.urlPattern);
  const origins = backend.hosts;
  const pools = origins.map((origin) => options.agent.poolFor(origin));
  void pools; // warm the pools at start-up so the first request does not create them
  let next = 0;
  const pickOrigin = origins.length === 1 ? () => origins[0] as string : () => origins[next++ % origins.length] as string;

  const isNoop = backend.encoding === 'no-op';
  const decode = decoderFor(backend.encoding, backend.isCollection);
  const shape = createShaper(backend);
  const http = blockOf(backend.extraConfig, 'backend/http') ?? {};
  const errorAlias = typeof http['return_error_details'] === 'string' && http['return_error_details'] !== '' ? http['return_error_details'] : undefined;
  const returnErrorCode = errorAlias === undefined && http['return_error_code'] === true;
  const client = blockOf(backend.extraConfig, 'backend/http/client') ?? {};
  // Like Go's transport: gzip the gateway asked for itself is decoded; gzip the client asked for passes
  // through untouched (no-op). Data endpoints must decode either way to read the body.
  const callOptions: CallOptions = {
    stream: isNoop,
    decompress: !options.transport.disableCompression || !isNoop,
    maxBodyBytes: options.maxBodyBytes,
    resendBodyOnRedirect: client['send_body_on_redirect'] === true,
  };
  const clientEncodingOptions: CallOptions = { ...callOptions, decompress: !isNoop };
  const addGzip = !options.transport.disableCompression;
  const headerFilter = backend.inputHeaders && !backend.inputHeaders.includes('*') ? backend.inputHeaders : undefined;
  const queryFilter = backend.inputQueryStrings && !backend.inputQueryStrings.includes('*') ? backend.inputQueryStrings : undefined;
  const method = backend.method;
  const call = options.call ?? createDirectCall(options.agent);

  return async function callHttpBackend(request: ProxyRequest, cancel: Cancellation): Promise<ProxyResponse> {
    const headers = headerFilter ? filterHeaders(request.headers, headerFilter) : request.headers;
    const query = request.query && queryFilter ? filterQuery(request.query, queryFilter) : request.query;
    let target = template.render(request.params);
    if (query) {
      const encoded = encodeQuery(query);
      if (encoded !== '') target += (template.hasQuery ? '&' : '?') + encoded;
    }
    const body = method === 'GET' || method === 'HEAD' ? null : request.body;
    const reply = await call(
      pickOrigin(),
      { method, target, headerLines: serializeHeaders(headers, addGzip), body, ...(request.bodyLength !== undefined ? { bodyLength: request.bodyLength } : {}) },
      headers['Accept-Encoding'] === undefined ? callOptions : clientEncodingOptions,
      cancel,
    );
    if (isNoop) return passthroughResponse(reply);
    return dataResponse(reply);
  };

  function dataResponse(reply: BackendReply): ProxyResponse {
    const statusCode = reply.statusCode;
    if (statusCode !== 200 && statusCode !== 201) {
      const text = (reply.body as Buffer).toString('utf8');
      const contentType = headerOf(reply.headers, 'content-type') ?? '';
      if (errorAlias !== undefined) {
        return {
          data: { [`error_${errorAlias}`]: new DetailedBackendError(statusCode, text || undefined, contentType || undefined) },
          isComplete: false,
          metadata: { statusCode, headers: {} },
          body: null,
        };
      }
      if (returnErrorCode) throw new BackendResponseError(statusCode, text, contentType);
      throw new InvalidStatusError(statusCode, reply.url);
    }
    let data = decode(reply.body as Buffer);
    if (shape) data = shape(data);
    return { data, isComplete: true, metadata: { statusCode, headers: {} }, body: null };
  }
}

function passthroughResponse(reply: BackendReply): ProxyResponse {
  const headers: HeaderMap = {};
  const raw = reply.headers;
  const listed = connectionListed(headerOf(raw, 'connection'));
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (isHopByHop(name) || (listed !== undefined && listed.has(name.toLowerCase()))) continue;
    const key = canonicalize(name);
    (headers[key] ??= []).push(raw[i + 1] as string);
  }
  return { data: {}, isComplete: true, metadata: { statusCode: reply.statusCode, headers }, body: reply.stream };
}

function headerOf(raw: string[], lowerName: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) return raw[i + 1];
  }
  return undefined;
}

const canonicalCache = new Map<string, string>();

/** Canonical form of a backend header name, memoised: backends send the same few names. */
function canonicalize(name: string): string {
  let canonical = canonicalCache.get(name);
  if (canonical === undefined) {
    canonical = name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, dash: string, letter: string) => dash + letter.toUpperCase());
    if (canonicalCache.size < 1000) canonicalCache.set(name, canonical);
  }
  return canonical;
}

function filterHeaders(headers: HeaderMap, allowed: string[]): HeaderMap {
  const out: HeaderMap = {};
  for (const name of allowed) {
    const values = headers[name];
    if (values !== undefined) out[name] = values;
  }
  return out;
}

function filterQuery(query: Record<string, string[]>, allowed: string[]): Record<string, string[]> | null {
  let out: Record<string, string[]> | null = null;
  for (const name of allowed) {
    const values = query[name];
    if (values !== undefined) (out ??= {})[name] = values;
  }
  return out;
}

const UNSAFE_VALUE = /[\r\n\0]/;
const UNSAFE_VALUES = /[\r\n\0]/g;

/** Header block for the backend: one line per value; CR/LF/NUL can never reach the wire. */
export function serializeHeaders(headers: HeaderMap, addGzip: boolean): string {
  let lines = '';
  let hasAcceptEncoding = false;
  for (const name in headers) {
    const values = headers[name] as string[];
    if (name === 'Accept-Encoding') hasAcceptEncoding = true;
    for (const value of values) lines += `${name}: ${UNSAFE_VALUE.test(value) ? value.replace(UNSAFE_VALUES, '') : value}\r\n`;
  }
  if (addGzip && !hasAcceptEncoding) lines += 'Accept-Encoding: gzip\r\n';
  return lines;
}
