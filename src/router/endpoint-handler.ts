/**
 * The handler of one endpoint (lura `CustomErrorEndpointHandler`): builds the proxy request, runs the
 * endpoint's proxy within its timeout, and renders the answer with KrakenD's headers and status policy.
 * Nothing thrown below escapes: every failure becomes a bounded, documented response.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EndpointConfig } from '../config/types.js';
import { Cancellation } from '../core/cancellation.js';
import { BackendResponseError, GatewayError, InvalidStatusError, MergeError, timeoutError } from '../core/errors.js';
import type { Proxy, ProxyRequest, ProxyResponse, ResponseMetadata } from '../proxy/types.js';
import { PassthroughMetadata } from '../proxy/passthrough-metadata.js';
import type { PassthroughBody } from '../transport/passthrough-body.js';
import { isUnsafePathValue } from '../proxy/url-template.js';
import { renderJson } from '../render/json.js';
import type { Renderer } from '../render/renderers.js';
import { isHopByHop } from '../core/hop-by-hop.js';
import { writeHeadPairs } from '../core/write-head.js';
import type { Logger } from '../core/logger.js';
import { krakendErrorText } from './error-text.js';
import { isStreamingEncoding } from '../config/normalize.js';
import { createRequestBuilder } from './input.js';
import { createWildcardRestReader } from '../proxy/wildcard.js';
import { compressBody, compressStream, isCompressibleType, negotiateCoding, varyOnAcceptEncoding } from './compression.js';
import type { CompressionSettings } from './compression.js';
import { pipeline } from 'node:stream';
import type { InputSettings } from './input.js';
import { readBody } from '../core/request-body.js';
import type { EndpointHandler, RequestContext } from './context.js';
import type { BodySink } from '../transport/passthrough-body.js';


export interface EndpointHandlerSettings extends InputSettings {
  versionHeader: string;
  returnErrorMsg: boolean;
  /** Bound on request bodies buffered for several backends. */
  maxRequestBodyBytes: number;
  /** `router.disable_path_decoding`: encoded separators pass in a wildcard's rest too. */
  disablePathDecoding: boolean;
  logger: Logger;
}

/** What one endpoint needs besides its config: its proxy, how it renders, which path params to check. */
export interface EndpointParts {
  proxy: Proxy;
  render: Renderer;
  /** Path params whose decoded value must not escape the path (empty with `disable_path_decoding`). */
  checkedParams: ReadonlySet<string>;
}

/** Anything with an HTTP status travels to the client with it (component errors: 401, 403, 429…). */
interface StatusCarrier {
  statusCode: number;
}

export function createEndpointHandler(endpoint: EndpointConfig, parts: EndpointParts, settings: EndpointHandlerSettings, compression?: CompressionSettings): EndpointHandler {
  const { proxy, render } = parts;
  const buildRequest = createRequestBuilder(endpoint, settings);
  // no-op and sse pass the backend's body through as it arrives (normalize made the backend no-op).
  const isNoop = isStreamingEncoding(endpoint.outputEncoding);
  const isSse = endpoint.outputEncoding === 'sse';
  const timeoutMs = endpoint.timeoutMs;
  const cacheControl = endpoint.cacheTtlMs > 0 ? `public, max-age=${Math.floor(endpoint.cacheTtlMs / 1000)}` : undefined;
  const versionHeader = settings.versionHeader;
  const returnErrorMsg = settings.returnErrorMsg;
  const logger = settings.logger;
  const label = `[ENDPOINT: ${endpoint.path}]`;
  const checkedParams = [...parts.checkedParams];
  const readWildcardRest = endpoint.wildcardDepth === undefined ? undefined : createWildcardRestReader(endpoint.wildcardDepth, settings.disablePathDecoding);
  // Several backends, or several identical calls, each need the whole body.
  const buffersBody = endpoint.backends.length > 1 || endpoint.concurrentCalls > 1;
  // lura forwards the body with its length only when Content-Length is an input header; else chunked.
  const forwardsLength = endpoint.inputHeaders.includes('*') || endpoint.inputHeaders.includes('Content-Length');
  const maxBodyBytes = settings.maxRequestBodyBytes;
  const compressesNoop = compression !== undefined && compression.noOp;

  return function handleEndpoint(context: RequestContext) {
    const { request, response, params } = context;
    for (const name of checkedParams) {
      const value = params[name];
      if (value !== undefined && isUnsafePathValue(value)) {
        writeEncodedParams(response);
        return;
      }
    }
    let wildcardRest: string | undefined;
    if (readWildcardRest !== undefined) {
      wildcardRest = readWildcardRest(context.path);
      if (wildcardRest === undefined) {
        writeEncodedParams(response);
        return;
      }
    }
    const proxyRequest = buildRequest(request, context.path, context.rawQuery, params);
    if (wildcardRest !== undefined) proxyRequest.wildcardRest = wildcardRest;
    if (context.extraParams !== undefined) proxyRequest.params = { ...params, ...context.extraParams };
    if (context.extraHeaders !== undefined) Object.assign(proxyRequest.headers, context.extraHeaders);
    if (context.telemetry !== undefined) proxyRequest.telemetry = context.telemetry;
    const cancel = new Cancellation().abortAfter(timeoutMs, () => timeoutError(`${endpoint.method} ${endpoint.path}`, timeoutMs));
    const onClose = (): void => {
      if (!response.writableFinished) cancel.abort(new GatewayError('PRT_ERR_CLIENT_GONE', 'the client closed the connection'));
    };
    // A response emits 'close' once: `on` spares the once-wrapper and its removal on every request.
    response.on('close', onClose);

    if (context.body !== undefined) {
      if (context.body.length > 0) {
        proxyRequest.body = context.body;
        if (forwardsLength) proxyRequest.bodyLength = context.body.length;
      }
    } else if (hasBody(request)) {
      if (buffersBody) {
        readBody(request, maxBodyBytes).then(
          (body) => {
            proxyRequest.body = body;
            run(proxyRequest, cancel, request, response, context.plainJsonAnswer);
          },
          (error: GatewayError & Partial<StatusCarrier>) => {
            cancel.dispose();
            writeError(response, error.statusCode ?? 400, returnErrorMsg ? error.message : '', versionHeader);
          },
        );
        return;
      }
      proxyRequest.body = request;
      const length = request.headers['content-length'];
      if (length !== undefined && forwardsLength) proxyRequest.bodyLength = Number(length);
    }
    run(proxyRequest, cancel, request, response, context.plainJsonAnswer);
  };

  function run(proxyRequest: ProxyRequest, cancel: Cancellation, request: IncomingMessage, response: ServerResponse, plainJson: boolean): void {
    proxy(proxyRequest, cancel).then(
      (result) => {
        try {
          if (isNoop && !plainJson) {
            writePassthrough(response, result, cancel);
            return;
          }
          // A streamed backend body under a data endpoint is never sent: stop the transfer, do not buffer it.
          result.body?.discard(new GatewayError('PRT_ERR_BODY_UNUSED', 'the endpoint does not pass streamed bodies through'));
          cancel.dispose();
          if (plainJson) writePlainJson(response, result);
          else writeData(request, response, result, cancel.aborted ? cancel.reason : undefined);
        } catch (error) {
          // Node refused what we tried to write (a header it cannot send): answer, never leave it hanging.
          cancel.dispose();
          result.body?.discard(error as Error);
          writeFailure(response, error as Error);
        }
      },
      (error: Error) => {
        cancel.dispose();
        if (plainJson) {
          // KrakenD's token signer answers any failure with a bare 400.
          logger.error(`${label} ${error.message}`);
          writeBare(response, 400);
        } else writeFailure(response, error);
      },
    );
  }

  function writePlainJson(response: ServerResponse, result: ProxyResponse): void {
    if (response.headersSent || response.destroyed) return;
    // gin's c.JSON (krakend-jose's signer): json.Marshal, no trailing newline.
    const body = renderJson(result.data);
    const headers: string[] = [];
    // Like gin's c.Header: one value per backend header, then the JSON content type.
    for (const name in result.metadata.headers) {
      const values = result.metadata.headers[name] as string[];
      if (!isHopByHop(name) && name !== 'Content-Length' && name !== 'Content-Type' && values.length > 0) headers.push(name, values[0] as string);
    }
    headers.push('Content-Type', 'application/json; charset=utf-8', 'Content-Length', String(Buffer.byteLength(body)));
    response.writeHead(result.metadata.statusCode || 200, headers);
    response.end(body);
  }

  function writeData(request: IncomingMessage, response: ServerResponse, result: ProxyResponse, lateError: Error | undefined): void {
    if (response.headersSent || response.destroyed) return;
    const hasData = hasKeys(result.data);
    const isComplete = hasData && result.isComplete && lateError === undefined;
    let rendered;
    try {
      rendered = render(result, request);
    } catch (error) {
      writeFailure(response, error as Error);
      return;
    }
    const headers: string[] = ['Content-Type', rendered.contentType];
    if (versionHeader) headers.push('X-Krakend', versionHeader);
    headers.push('X-Krakend-Completed', isComplete ? 'true' : 'false');
    if (isComplete && cacheControl !== undefined) headers.push('Cache-Control', cacheControl);
    if (hasData) appendHeaderMap(headers, result.metadata.headers);
    if (compression !== undefined && writeCompressed(request, response, headers, Buffer.from(rendered.body), compression)) return;
    headers.push('Content-Length', String(Buffer.byteLength(rendered.body)));
    writeHeadPairs(response, 200, headers);
    response.end(rendered.body);
  }

  /** Sends `body` compressed when it qualifies and the client accepts a coding; false: the caller sends it as it is. */
  function writeCompressed(request: IncomingMessage, response: ServerResponse, headers: string[], body: Buffer, settings: CompressionSettings): boolean {
    if (request.method === 'HEAD' || body.length < settings.minSizeBytes || pairValue(headers, 'content-encoding') !== undefined) return false;
    if (!isCompressibleType(pairValue(headers, 'content-type'), settings.contentTypes)) return false;
    varyOnAcceptEncoding(headers);
    const coding = negotiateCoding(request.headers['accept-encoding'], settings.codings);
    if (coding === undefined) return false;
    compressBody(body, coding, settings).then(
      (compressed) => {
        if (response.headersSent || response.destroyed) return;
        headers.push('Content-Encoding', coding, 'Content-Length', String(compressed.length));
        writeHeadPairs(response, 200, headers);
        response.end(compressed);
      },
      (error: Error) => {
        logger.warn(`${label} compression failed, sending the answer uncompressed: ${error.message}`);
        if (response.headersSent || response.destroyed) return;
        headers.push('Content-Length', String(body.length));
        writeHeadPairs(response, 200, headers);
        response.end(body);
      },
    );
    return true;
  }

  function writePassthrough(response: ServerResponse, result: ProxyResponse, cancel: Cancellation): void {
    const body = result.body;
    if (response.destroyed) {
      body?.discard(new GatewayError('PRT_ERR_CLIENT_GONE', 'the client closed the connection'));
      cancel.dispose();
      return;
    }
    const headers = backendHeaderPairs(result.metadata);
    if (isSse) appendEventStreamHeaders(headers);
    if (versionHeader) headers.push('X-Krakend', versionHeader);
    headers.push('X-Krakend-Completed', 'false');
    if (compressesNoop && body !== null && pipeCompressed(response, result.metadata.statusCode, headers, body, cancel, compression)) return;
    writeHeadPairs(response, result.metadata.statusCode, headers);
    // The endpoint timeout bounded the wait for the head; from here it bounds each silence instead, so a
    // stream that makes progress is never cut (KrakenD cuts a no-op answer at the timeout, whatever it does).
    cancel.dispose();
    if (body === null) {
      response.end();
      return;
    }
    const done = (error?: Error): void => {
      if (error) logger.warn(`${label} the backend body failed midway: ${error.message}`);
    };
    // A body that came whole with its head leaves in one write; anything else is a stream to watch.
    if (body.arrived) {
      body.pipeTo(response, done);
      return;
    }
    body.pipeTo(idleWatch(response, timeoutMs, body), done);
    // Headers go out now if no byte took them along (a no-op then): a stream's first event may be long in coming.
    response.flushHeaders();
  }

  /** `response` as a body sink that fails the stream when no byte moves for `idleMs`. */
  function idleWatch(response: ServerResponse, idleMs: number, body: NonNullable<ProxyResponse['body']>): BodySink {
    const timer = setTimeout(() => body.discard(new GatewayError('PRT_ERR_STREAM_IDLE', `no data moved for ${idleMs} ms`)), idleMs);
    const stop = (): void => clearTimeout(timer);
    response.on('close', stop);
    return {
      write(chunk) {
        timer.refresh();
        return response.write(chunk);
      },
      once(event, listener) {
        return response.once(event, () => {
          // A client that reads again is progress too.
          timer.refresh();
          listener();
        });
      },
      end(chunk) {
        stop();
        return chunk === undefined ? response.end() : response.end(chunk);
      },
      destroy(error) {
        stop();
        return response.destroy(error);
      },
    };
  }

  /**
   * no-op with `no_op` compression: a compressible backend body not encoded already is streamed through
   * gzip or brotli, flushed as chunks arrive, without Content-Length. False: the caller passes it through.
   */
  function pipeCompressed(response: ServerResponse, status: number, headers: string[], body: PassthroughBody, cancel: Cancellation, settings: CompressionSettings): boolean {
    const request = response.req;
    if (request.method === 'HEAD' || status === 204 || status === 304 || pairValue(headers, 'content-encoding') !== undefined) return false;
    if (!isCompressibleType(pairValue(headers, 'content-type'), settings.contentTypes)) return false;
    const length = pairValue(headers, 'content-length');
    if (length !== undefined && Number(length) < settings.minSizeBytes) return false;
    varyOnAcceptEncoding(headers);
    const coding = negotiateCoding(request.headers['accept-encoding'], settings.codings);
    if (coding === undefined) return false;
    const out = removePair(headers, 'content-length');
    out.push('Content-Encoding', coding);
    writeHeadPairs(response, status, out);
    const encoder = compressStream(coding, settings);
    pipeline(encoder, response, () => undefined);
    body.pipeTo(encoder, (error) => {
      cancel.dispose();
      if (error) logger.warn(`${label} the backend body failed midway: ${error.message}`);
    });
    return true;
  }

  function writeFailure(response: ServerResponse, error: Error): void {
    if (response.headersSent) {
      response.destroy(error);
      return;
    }
    const code = (error as GatewayError).code;
    if (code !== 'PRT_ERR_CLIENT_GONE') logger.error(`${label} ${error.message}${describeTargets(error)}`);
    const statusCode = statusOf(error);
    if (error instanceof BackendResponseError) {
      writeError(response, statusCode, returnErrorMsg ? error.body : '', versionHeader, returnErrorMsg ? error.contentType : '');
      return;
    }
    // lura writes err.Error() under return_error_msg, whatever the error (KrakenD's backend_404, cel-1 specs).
    // A component may say what its message is (Lua's custom_error content type), as lura's encodedResponseError.
    const contentType = (error as { contentType?: unknown }).contentType;
    writeError(response, statusCode, returnErrorMsg ? krakendErrorText(error) : '', versionHeader, typeof contentType === 'string' ? contentType : '');
  }
}

/** KrakenD's paramChecker: always this body, no X-Krakend headers. */
function writeEncodedParams(response: ServerResponse): void {
  response.writeHead(400, ['Content-Type', 'text/plain; charset=utf-8', 'Content-Length', '25']);
  response.end('error: encoded url params');
}

/** Backend URLs stay in the logs, never in answers. */
function describeTargets(error: Error): string {
  const errors = error instanceof MergeError ? error.errors : [error];
  const targets = errors.flatMap((item) => (item instanceof InvalidStatusError ? [item.target] : []));
  return targets.length > 0 ? ` (${targets.join(', ')})` : '';
}

function statusOf(error: Error): number {
  const status = (error as Partial<StatusCarrier>).statusCode;
  return typeof status === 'number' && status >= 400 && status <= 599 ? status : 500;
}

/** An error answer: KrakenD's headers, the body only when there is one to give. */
export function writeError(response: ServerResponse, statusCode: number, body: string, versionHeader: string, contentType = ''): void {
  if (response.headersSent || response.destroyed) return;
  const headers: string[] = [];
  if (body !== '') headers.push('Content-Type', contentType || 'text/plain; charset=utf-8');
  if (versionHeader) headers.push('X-Krakend', versionHeader);
  headers.push('X-Krakend-Completed', 'false', 'Content-Length', String(Buffer.byteLength(body)));
  response.writeHead(statusCode, headers);
  response.end(body);
}

function writeBare(response: ServerResponse, statusCode: number): void {
  if (response.headersSent || response.destroyed) return;
  response.writeHead(statusCode, ['Content-Length', '0']);
  response.end();
}

/** What an event stream needs on its way through caches and buffering proxies (nginx's `X-Accel-Buffering`). */
function appendEventStreamHeaders(headers: string[]): void {
  const has = (name: string): boolean => headers.some((value, index) => index % 2 === 0 && value.toLowerCase() === name);
  if (!has('content-type')) headers.push('Content-Type', 'text/event-stream');
  if (!has('cache-control')) headers.push('Cache-Control', 'no-cache');
  headers.push('X-Accel-Buffering', 'no');
}

/** The backend's headers as `[name, value, …]` pairs, hop-by-hop ones left out; the caller may append. */
function backendHeaderPairs(metadata: ResponseMetadata): string[] {
  const pairs = PassthroughMetadata.takePairs(metadata);
  if (pairs !== undefined) return pairs;
  const headers: string[] = [];
  appendHeaderMap(headers, metadata.headers);
  return headers;
}

function appendHeaderMap(out: string[], headers: Record<string, string[]>): void {
  for (const name in headers) {
    if (isHopByHop(name) || name === 'Content-Length' && out.includes('Content-Length')) continue;
    for (const value of headers[name] as string[]) out.push(name, value);
  }
}

/** The first value of `name` (lower case) in `[name, value, …]` pairs. */
function pairValue(pairs: string[], name: string): string | undefined {
  for (let i = 0; i < pairs.length; i += 2) if ((pairs[i] as string).toLowerCase() === name) return pairs[i + 1];
  return undefined;
}

function removePair(pairs: string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < pairs.length; i += 2) if ((pairs[i] as string).toLowerCase() !== name) out.push(pairs[i] as string, pairs[i + 1] as string);
  return out;
}

function hasKeys(data: Record<string, unknown>): boolean {
  for (const key in data) {
    void key;
    return true;
  }
  return false;
}

function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  if (length !== undefined) return length !== '0';
  return request.headers['transfer-encoding'] !== undefined;
}
