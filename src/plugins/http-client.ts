/**
 * `plugin/http-client`: the plugin answers the backend call in place of Portico's HTTP client. As in
 * KrakenD the client is the end of the chain: Martian still edits the request around it, while the
 * HTTP cache, retries and client credentials (which wrap the default client in KrakenD) are not used.
 * The plugin sees a plain request (absolute URL, header lists, body, abort signal) and returns status,
 * headers and body; a throw fails that backend, like a network error.
 */
import { canonicalHeaderName } from '../config/headers.js';
import type { BackendCall, BackendReply } from '../transport/backend-call.js';
import { PassthroughBody } from '../transport/passthrough-body.js';
import { HttpClientError } from '../transport/errors.js';
import type { HttpClientHandler, PluginHttpRequest, PluginHttpResponse } from './api.js';
import { requestFailure } from './failures.js';

export function createPluginCall(handler: HttpClientHandler, plugin: string): BackendCall {
  return async function pluginCall(origin, outgoing, options, cancel) {
    const headers = parseHeaderLines(outgoing.headerLines);
    if (outgoing.host !== undefined) headers['Host'] = [outgoing.host];
    const request: PluginHttpRequest = { method: outgoing.method, url: origin + outgoing.target, headers, body: outgoing.body, signal: cancel.signal };
    let answer: PluginHttpResponse;
    try {
      answer = await handler(request);
    } catch (error) {
      throw requestFailure(plugin, 'http-client', error);
    }
    const reply = toReply(answer, request.url, plugin);
    if (reply.body !== null && reply.body.length > options.maxBodyBytes) {
      throw new HttpClientError('PRT_ERR_BACKEND_TOO_LARGE', `the backend response exceeds ${options.maxBodyBytes} bytes`);
    }
    if (!options.stream) return reply;
    const stream = new PassthroughBody();
    if (reply.body !== null && reply.body.length > 0) stream.push(reply.body);
    stream.end();
    return { ...reply, body: null, stream };
  };
}

function toReply(answer: PluginHttpResponse, url: string, plugin: string): BackendReply {
  const status = (answer as Partial<PluginHttpResponse> | null | undefined)?.status;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
    throw requestFailure(plugin, 'http-client', new Error(`it answered without a valid status (got ${JSON.stringify(status)})`));
  }
  const raw: string[] = [];
  for (const [name, value] of Object.entries(answer.headers ?? {})) {
    for (const item of typeof value === 'string' ? [value] : value) raw.push(name, item);
  }
  const body = answer.body;
  const buffer = body === undefined || body === null ? Buffer.alloc(0) : typeof body === 'string' ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return { statusCode: status, headers: raw, body: buffer, stream: null, url };
}

function parseHeaderLines(lines: string): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (const line of lines.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = canonicalHeaderName(line.slice(0, colon));
    (headers[name] ??= []).push(line.slice(colon + 1).trim());
  }
  return headers;
}
