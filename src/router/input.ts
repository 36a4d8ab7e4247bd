/**
 * Builds the request the proxy layers see from the client's request, under KrakenD's zero-trust rules
 * (lura `NewRequest`): only the listed query strings and headers pass (`*` for all), `Content-Type`
 * by default; `X-Forwarded-For`, `X-Forwarded-Host` and the gateway's `User-Agent` always. Hop-by-hop
 * headers never pass, even with `*`.
 */
import type { IncomingMessage } from 'node:http';
import { canonicalHeaderName } from '../config/headers.js';
import type { EndpointConfig } from '../config/types.js';
import { connectionListed, isHopByHop } from '../core/hop-by-hop.js';
import type { HeaderMap, ProxyRequest } from '../proxy/types.js';
import type { ClientIpResolver } from './client-ip.js';

export interface InputSettings {
  userAgent: string;
  clientIp: ClientIpResolver;
}

export type RequestBuilder = (request: IncomingMessage, path: string, rawQuery: string, params: Record<string, string>) => ProxyRequest;

/** Headers the gateway sets itself or computes from the body; a client value never passes. */
const NEVER_FORWARDED = new Set(['host', 'content-length', 'expect', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-via']);

export function createRequestBuilder(endpoint: EndpointConfig, settings: InputSettings): RequestBuilder {
  const readHeaders = createHeaderReader(endpoint.inputHeaders);
  const readQuery = createQueryReader(endpoint.inputQueryStrings);
  const userAgent = [settings.userAgent];
  const clientIp = settings.clientIp;
  return function buildProxyRequest(request, path, rawQuery, params) {
    const headers = readHeaders(request);
    headers['X-Forwarded-For'] = [clientIp(request)];
    headers['X-Forwarded-Host'] = [request.headers.host ?? ''];
    if (headers['User-Agent'] === undefined) headers['User-Agent'] = userAgent;
    else headers['X-Forwarded-Via'] = userAgent;
    return {
      method: request.method as string,
      params,
      query: rawQuery === '' ? null : readQuery(rawQuery),
      headers,
      body: null,
      bodyLength: undefined,
      path,
      // Set by telemetry/opentelemetry's endpoint layer; present from the start so the shape never changes.
      telemetry: undefined,
    };
  };
}

type HeaderReader = (request: IncomingMessage) => HeaderMap;

function createHeaderReader(names: string[]): HeaderReader {
  if (names.includes('*')) return readAllHeaders;
  if (names.length === 1 && names[0] === 'Content-Type') return readContentTypeOnly;
  const wanted = new Map<string, string>();
  for (const name of names) if (!NEVER_FORWARDED.has(name.toLowerCase()) && !isHopByHop(name)) wanted.set(name.toLowerCase(), name);
  return function readListedHeaders(request) {
    const headers: HeaderMap = {};
    const raw = request.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const name = wanted.get((raw[i] as string).toLowerCase());
      if (name !== undefined) (headers[name] ??= []).push(raw[i + 1] as string);
    }
    return headers;
  };
}

function readContentTypeOnly(request: IncomingMessage): HeaderMap {
  const value = request.headers['content-type'];
  return value === undefined ? {} : { 'Content-Type': [value] };
}

function readAllHeaders(request: IncomingMessage): HeaderMap {
  const headers: HeaderMap = {};
  const raw = request.rawHeaders;
  const listed = connectionListed(request.headers.connection);
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    // HTTP/2 pseudo-headers (`:path`, `:authority`) are not headers: an HTTP/1.1 backend refuses them.
    if (name.charCodeAt(0) === 58 /* : */ || NEVER_FORWARDED.has(lower) || isHopByHop(lower) || listed?.has(lower)) continue;
    (headers[canonicalHeaderName(name)] ??= []).push(raw[i + 1] as string);
  }
  return headers;
}

type QueryReader = (rawQuery: string) => Record<string, string[]> | null;

function createQueryReader(names: string[]): QueryReader {
  if (names.length === 0) return () => null;
  const all = names.includes('*');
  const wanted = new Set(names);
  return function readQuery(rawQuery) {
    let query: Record<string, string[]> | null = null;
    for (const [key, value] of new URLSearchParams(rawQuery)) {
      if (!all && !wanted.has(key)) continue;
      ((query ??= {})[key] ??= []).push(value);
    }
    return query;
  };
}
