/**
 * The innermost proxy of a backend: builds the URL and headers, calls the backend over the pooled
 * client, applies KrakenD's status policy, decodes and shapes the body. Everything that depends on the
 * config is decided here once; the returned closure only does per-request work.
 */
import type { IncomingMessage } from 'node:http';
import type { BackendConfig, TransportSettings } from '../config/types.js';
import { canonicalHeaderName } from '../config/headers.js';
import { readBody } from '../core/request-body.js';
import type { Decoder } from '../encoding/decode.js';
import type { Agent } from '../transport/agent.js';
import type { OutgoingRequest } from '../transport/http1-client.js';
import { createDirectCall, headerValue, joinedHeaderValue } from '../transport/backend-call.js';
import { createStaticBalancer } from '../transport/balancer.js';
import type { Balancer } from '../transport/balancer.js';
import type { BackendCall, BackendReply, CallOptions } from '../transport/backend-call.js';
import type { Cancellation } from '../core/cancellation.js';
import { BackendResponseError, GatewayError, InvalidStatusError } from '../core/errors.js';
import { createShaper } from './shaping.js';
import type { HeaderMap, Proxy, ProxyRequest, ProxyResponse } from './types.js';
import { compileUrlPattern, encodeQuery } from './url-template.js';
import { appendWildcardRest } from './wildcard.js';
import { PassthroughMetadata } from './passthrough-metadata.js';
import { connectionListed, isHopByHop } from '../core/hop-by-hop.js';

export interface HttpBackendOptions {
  transport: TransportSettings;
  agent: Agent;
  /** Upper bound on a buffered backend body. */
  maxBodyBytes: number;
  /** Turns the body into data, for the backend's `encoding`. */
  decode: Decoder;
  /** Picks the origin of each call; round robin over `backend.hosts` when absent (`sd: "static"`). */
  balancer?: Balancer;
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
  const segmentParams = template.segmentParams;
  let balancer = options.balancer;
  if (balancer === undefined) {
    // Warm the pools at start-up so the first request does not create them.
    for (const origin of backend.hosts) options.agent.poolFor(origin);
    balancer = createStaticBalancer(backend.hosts);
  }
  const pick = balancer;

  const isNoop = backend.encoding === 'no-op';
  const decode = options.decode;
  const shape = createShaper(backend);
  const errorAlias = backend.http.errorDetailsAlias;
  const returnErrorCode = backend.http.returnErrorCode;
  // Like Go's transport: gzip the gateway asked for itself is decoded; gzip the client asked for passes
  // through untouched (no-op). Data endpoints must decode either way to read the body.
  const callOptions: CallOptions = {
    stream: isNoop,
    decompress: !options.transport.disableCompression || !isNoop,
    maxBodyBytes: options.maxBodyBytes,
    resendBodyOnRedirect: backend.httpClient.sendBodyOnRedirect,
  };
  const resendBody = callOptions.resendBodyOnRedirect;
  const clientEncodingOptions: CallOptions = { ...callOptions, decompress: !isNoop };
  const addGzip = !options.transport.disableCompression;
  const headerFilter = backend.inputHeaders && !backend.inputHeaders.includes('*') ? backend.inputHeaders : undefined;
  const queryFilter = backend.inputQueryStrings && !backend.inputQueryStrings.includes('*') ? backend.inputQueryStrings : undefined;
  const backendMethod = backend.method;
  const call = options.call ?? createDirectCall(options.agent);
  const statusErrorPrefix = `[${backendMethod} ${luraUrlPattern(backend.urlPattern)}]:`;

  return async function callHttpBackend(request: ProxyRequest, cancel: Cancellation): Promise<ProxyResponse> {
    const headers = headerFilter ? filterHeaders(request.headers, headerFilter) : request.headers;
    const override = request.callOverride;
    const method = override?.method ?? backendMethod;
    let target: string;
    if (override?.url) target = override.url.target;
    else {
      const query = request.query && queryFilter ? filterQuery(request.query, queryFilter) : request.query;
      // Client path params were checked by the endpoint; values from earlier answers or components were not.
      for (const name of segmentParams) {
        const value = request.params[name];
        if (value === '.' || value === '..') throw new GatewayError('PRT_ERR_UNSAFE_PATH_VALUE', `the value of {${name}} is a dot-segment`);
      }
      target = template.render(request.params);
      if (request.wildcardRest !== undefined) target = appendWildcardRest(target, request.wildcardRest);
      if (query) {
        const encoded = encodeQuery(query);
        if (encoded !== '') target += (template.hasQuery ? '&' : '?') + encoded;
      }
    }
    let body = method === 'GET' || method === 'HEAD' ? null : request.body;
    let bodyLength = request.bodyLength;
    if (resendBody && body !== null && !Buffer.isBuffer(body)) {
      // Replaying the body on a 307/308 needs it in memory (Go's GetBody).
      body = await readBody(body as IncomingMessage, options.maxBodyBytes);
      bodyLength = body.length;
    }
    const origin = override?.url?.origin ?? pick.pick() ?? (await waitForOrigin(pick, cancel));
    // Every field always present (undefined when unused): one object shape for every call, no property
    // added later. `telemetry` is telemetry/opentelemetry's trace context for its client layer.
    const outgoing: OutgoingRequest = { method, target, headerLines: serializeHeaders(headers, addGzip), body, bodyLength, telemetry: request.telemetry };
    let reply: BackendReply;
    try {
      reply = await call(origin, outgoing, headers['Accept-Encoding'] === undefined ? callOptions : clientEncodingOptions, cancel);
    } catch (error) {
      if (error instanceof GatewayError && error.backendRequest === undefined) error.backendRequest = { method, url: origin + target };
      throw error;
    }
    if (isNoop) return passthroughResponse(reply);
    return dataResponse(reply);
  };

  function dataResponse(reply: BackendReply): ProxyResponse {
    const statusCode = reply.statusCode;
    if (statusCode !== 200 && statusCode !== 201) {
      const text = (reply.body as Buffer).toString('utf8');
      const contentType = headerValue(reply.headers, 'content-type') ?? '';
      if (errorAlias !== undefined) {
        return {
          data: { [`error_${errorAlias}`]: new DetailedBackendError(statusCode, text || undefined, contentType || undefined) },
          isComplete: false,
          metadata: { statusCode, headers: {} },
          body: null,
        };
      }
      if (returnErrorCode) throw new BackendResponseError(statusCode, text, contentType);
      throw new InvalidStatusError(statusCode, reply.url, statusErrorPrefix);
    }
    let data = decode(reply.body as Buffer);
    if (shape) data = shape(data);
    return { data, isComplete: true, metadata: { statusCode, headers: {} }, body: null };
  }
}

/**
 * The url_pattern as lura keeps it after parsing the config (`{id}` becomes `{{.Id}}`), since its
 * `invalid status code` error names it that way.
 */
export function luraUrlPattern(pattern: string): string {
  const path = `/${pattern.replace(/^\/+/, '')}`;
  return path.replace(/\{([^{}]+)\}/g, (_, name: string) => `{{.${name.charAt(0).toUpperCase()}${name.slice(1)}}}`);
}

/** Service discovery has no host yet: wait for its lookup once (or the request's end), then give up. */
function waitForOrigin(balancer: Balancer, cancel: Cancellation): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const ticket = cancel.on(reject);
    const settle = (): void => {
      cancel.off(ticket);
      const origin = balancer.pick();
      if (origin === undefined) reject(new GatewayError('PRT_ERR_SD_NO_HOSTS', 'no hosts available'));
      else resolve(origin);
    };
    (balancer.whenReady?.() ?? Promise.resolve()).then(settle, settle);
  });
}

function passthroughResponse(reply: BackendReply): ProxyResponse {
  const pairs: string[] = [];
  const raw = reply.headers;
  const listed = connectionListed(joinedHeaderValue(raw, 'connection'));
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (isHopByHop(name) || (listed !== undefined && listed.has(name.toLowerCase()))) continue;
    pairs.push(canonicalize(name), raw[i + 1] as string);
  }
  return { data: {}, isComplete: true, metadata: new PassthroughMetadata(reply.statusCode, pairs), body: reply.stream };
}

const canonicalCache = new Map<string, string>();

/** Canonical form of a backend header name, memoised: backends send the same few names. */
function canonicalize(name: string): string {
  let canonical = canonicalCache.get(name);
  if (canonical === undefined) {
    canonical = canonicalHeaderName(name);
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

/** What Go's client sends when the request has no User-Agent (a backend's input_headers dropped it). */
const GO_CLIENT_USER_AGENT = 'User-Agent: Go-http-client/1.1\r\n';

/** Header block for the backend: one line per value; CR/LF/NUL can never reach the wire. */
export function serializeHeaders(headers: HeaderMap, addGzip: boolean): string {
  let lines = '';
  let hasAcceptEncoding = false;
  let hasUserAgent = false;
  for (const name in headers) {
    const values = headers[name] as string[];
    if (name === 'Accept-Encoding') hasAcceptEncoding = true;
    else if (name === 'User-Agent') hasUserAgent = true;
    for (const value of values) lines += `${name}: ${UNSAFE_VALUE.test(value) ? value.replace(UNSAFE_VALUES, '') : value}\r\n`;
  }
  if (!hasUserAgent) lines += GO_CLIENT_USER_AGENT;
  if (addGzip && !hasAcceptEncoding) lines += 'Accept-Encoding: gzip\r\n';
  return lines;
}
