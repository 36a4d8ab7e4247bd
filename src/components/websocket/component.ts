/**
 * `websocket` (KrakenD Enterprise's namespace, its direct mode): an endpoint that switches to WebSocket.
 * It is the innermost router-layer component, so the upgrade request has passed the endpoint's bot
 * detector, API keys, JWT validation, Lua and rate limits before the backend is dialled; only when the
 * backend accepted does the client get its `101`. Each client has its own backend connection.
 *
 * @example
 * ```json
 * "extra_config": { "websocket": {
 *   "enable_direct_communication": true,
 *   "input_headers": ["Authorization"],
 *   "max_message_size": 65536,
 *   "message_buffer_size": 64,
 *   "timeout": "5m",
 *   "max_connections": 1000
 * } }
 * ```
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

import type { ComponentDefinition } from '../registry.js';
import { BOOLEAN_SCHEMA, DURATION_SCHEMA, STRINGS_SCHEMA, objectSchema, readBoolean, readDurationMs, readInteger, readStrings } from '../block-reader.js';
import type { Block } from '../block-reader.js';
import type { EndpointConfig } from '../../config/types.js';
import type { BuildContext, HandlerMiddleware, RequestContext } from '../../pipeline/types.js';
import { compileUrlPattern } from '../../proxy/url-template.js';
import { createClientIpResolver } from '../../router/client-ip.js';
import { createRequestBuilder } from '../../router/input.js';
import { createStaticBalancer } from '../../transport/balancer.js';
import { takeUpgrade } from '../../router/upgrade.js';
import { USER_AGENT_PRODUCT, PORTICO_VERSION } from '../../version.js';
import { relaySession } from './relay.js';

export const WEBSOCKET_NAMESPACE = 'websocket';

export interface WebSocketSettings {
  inputHeaders: string[];
  subprotocols: string[];
  maxMessageSize: number;
  messageBufferSize: number;
  writeWaitMs: number;
  pingPeriodMs: number;
  pongWaitMs: number;
  idleMs: number;
  /** Portico: sessions one endpoint holds at once in this process; 0: no limit. */
  maxConnections: number;
}

export function readWebSocketSettings(block: Block): WebSocketSettings {
  return {
    inputHeaders: readStrings(block, 'input_headers'),
    subprotocols: readStrings(block, 'subprotocols'),
    // EE's defaults: 512-byte messages, 256 waiting messages per client, pings every 54 s.
    maxMessageSize: Math.max(readInteger(block, 'max_message_size', 512), 1),
    messageBufferSize: Math.max(readInteger(block, 'message_buffer_size', 256), 1),
    writeWaitMs: readDurationMs(block, 'write_wait', 10_000),
    pingPeriodMs: readDurationMs(block, 'ping_period', 54_000),
    pongWaitMs: readDurationMs(block, 'pong_wait', 60_000),
    idleMs: readDurationMs(block, 'timeout', 300_000),
    maxConnections: Math.max(readInteger(block, 'max_connections', 0), 0),
  };
}

/** Headers ws writes itself for the handshake: a client's copy never reaches the backend. */
const HANDSHAKE_HEADERS = new Set(['sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions', 'sec-websocket-protocol', 'upgrade', 'connection', 'host']);
const CHOSEN_PROTOCOL = Symbol('backend subprotocol');
type UpgradeRequest = IncomingMessage & { [CHOSEN_PROTOCOL]?: string };

/** Loaded when a WebSocket endpoint is built: imported at start-up, ws cost every gateway ~5 MB of memory. */
function loadWs(): typeof import('ws') {
  return createRequire(import.meta.url)('ws') as typeof import('ws');
}

export function createWebSocketEndpoint(block: Block, endpoint: EndpointConfig, context: BuildContext): HandlerMiddleware {
  const settings = readWebSocketSettings(block);
  const logger = context.logger;
  const label = `[ENDPOINT: ${endpoint.path}][WebSocket]`;
  const backend = endpoint.backends[0];
  const template = compileUrlPattern(backend?.urlPattern ?? '/');
  const pick = createStaticBalancer((backend?.hosts ?? []).map((host) => host.replace(/^http/i, 'ws')));
  const router = context.service.router;
  const buildRequest = createRequestBuilder(
    { ...endpoint, inputHeaders: settings.inputHeaders },
    { userAgent: `${USER_AGENT_PRODUCT} Version ${PORTICO_VERSION}`, clientIp: createClientIpResolver(router) },
  );
  const allowedProtocols = new Set(settings.subprotocols);
  const ws = loadWs();
  const server = new ws.WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: settings.maxMessageSize,
    handleProtocols: (_offered, request) => (request as UpgradeRequest)[CHOSEN_PROTOCOL] ?? false,
  });
  const sessions = new Set<WebSocket>();
  context.onClose(() => {
    for (const session of sessions) session.close(1001, 'gateway shutting down');
  });
  const versionHeader = context.versionHeader;

  return () =>
    function switchToWebSocket(requestContext: RequestContext) {
      const { request, response } = requestContext;
      const upgrade = takeUpgrade(request);
      if (upgrade === undefined || !isWebSocketUpgrade(request)) {
        answer(response, 426, 'this endpoint speaks WebSocket only', ['Upgrade', 'websocket', 'Connection', 'Upgrade']);
        return;
      }
      const key = request.headers['sec-websocket-key'];
      if (request.method !== 'GET' || key === undefined || !/^[+/0-9A-Za-z]{22}==$/.test(key) || hasBody(request)) {
        answer(response, 400, 'invalid WebSocket handshake');
        return;
      }
      if (request.headers['sec-websocket-version'] !== '13') {
        answer(response, 426, 'unsupported WebSocket version', ['Sec-WebSocket-Version', '13']);
        return;
      }
      if (settings.maxConnections > 0 && sessions.size >= settings.maxConnections) {
        answer(response, 503, 'too many WebSocket connections on this endpoint');
        return;
      }
      const origin = pick.pick();
      if (origin === undefined) {
        answer(response, 502, '');
        return;
      }
      const proxyRequest = buildRequest(request, requestContext.path, requestContext.rawQuery, requestContext.params);
      const params = requestContext.extraParams === undefined ? requestContext.params : { ...requestContext.params, ...requestContext.extraParams };
      let target = origin + template.render(params);
      if (proxyRequest.query) {
        const query = new URLSearchParams();
        for (const [name, values] of Object.entries(proxyRequest.query)) for (const value of values) query.append(name, value);
        target += (template.hasQuery ? '&' : '?') + query.toString();
      }
      const headers: Record<string, string[]> = {};
      for (const [name, values] of Object.entries({ ...proxyRequest.headers, ...requestContext.extraHeaders })) {
        if (!HANDSHAKE_HEADERS.has(name.toLowerCase())) headers[name] = values;
      }
      const offered = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((name) => name.trim()).filter((name) => allowedProtocols.has(name));
      dial(request as UpgradeRequest, response, upgrade.socket, upgrade.head, target, headers, offered);
    };

  function dial(request: UpgradeRequest, response: ServerResponse, socket: Duplex, head: Buffer, target: string, headers: Record<string, string[]>, protocols: string[]): void {
    const upstream = new ws.WebSocket(target, protocols, {
      headers: headers as unknown as Record<string, string>,
      perMessageDeflate: false,
      maxPayload: settings.maxMessageSize,
      handshakeTimeout: endpoint.timeoutMs,
      followRedirects: false,
    });
    let settled = false;
    const clientGone = (): void => {
      if (!settled) {
        settled = true;
        upstream.terminate();
      }
    };
    socket.once('close', clientGone);
    upstream.once('unexpected-response', (_request, reply) => {
      reply.resume();
      if (settled) return;
      settled = true;
      upstream.terminate();
      logger.error(`${label} the backend refused the upgrade with status ${reply.statusCode ?? 0} (${target})`);
      answer(response, 502, '');
    });
    upstream.on('error', (error) => {
      if (settled) return;
      settled = true;
      const timedOut = /timed out/i.test(error.message);
      logger.error(`${label} the backend could not be reached: ${error.message} (${target})`);
      answer(response, timedOut ? 504 : 502, '');
    });
    upstream.once('open', () => {
      if (settled) return;
      settled = true;
      socket.off('close', clientGone);
      // Nothing the backend says before the client's handshake is done may be lost: hold it until the relay reads.
      upstream.pause();
      if (upstream.protocol !== '') request[CHOSEN_PROTOCOL] = upstream.protocol;
      server.handleUpgrade(request, socket, head, (client) => {
        sessions.add(client);
        relaySession(client, upstream, settings, (end) => {
          sessions.delete(client);
          logger.debug(`${label} session closed by ${end.by} (${end.code}); at most ${end.peakWaiting} messages waited for one side`);
        });
      });
    });
  }

  function answer(response: ServerResponse, status: number, body: string, extra: string[] = []): void {
    if (response.headersSent || response.destroyed) return;
    const headers = [...extra];
    if (body !== '') headers.push('Content-Type', 'text/plain; charset=utf-8');
    if (versionHeader) headers.push('X-Krakend', versionHeader);
    headers.push('X-Krakend-Completed', 'false', 'Content-Length', String(Buffer.byteLength(body)));
    response.writeHead(status, headers);
    response.end(body);
  }
}

function isWebSocketUpgrade(request: IncomingMessage): boolean {
  return (request.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
}

const schema = objectSchema({
  enable_direct_communication: BOOLEAN_SCHEMA,
  input_headers: STRINGS_SCHEMA,
  subprotocols: STRINGS_SCHEMA,
  max_message_size: { type: 'integer', minimum: 1 },
  message_buffer_size: { type: 'integer', minimum: 1 },
  read_buffer_size: { type: 'integer' },
  write_buffer_size: { type: 'integer' },
  write_wait: DURATION_SCHEMA,
  ping_period: DURATION_SCHEMA,
  pong_wait: DURATION_SCHEMA,
  timeout: DURATION_SCHEMA,
  max_retries: { type: 'integer' },
  backoff_strategy: { type: 'string', enum: ['linear', 'linear-jitter', 'exponential', 'exponential-jitter', 'fallback'] },
  connect_event: BOOLEAN_SCHEMA,
  disconnect_event: BOOLEAN_SCHEMA,
  return_error_details: BOOLEAN_SCHEMA,
  disable_otel_metrics: BOOLEAN_SCHEMA,
  max_connections: { type: 'integer', minimum: 0 },
});

export const websocketComponent: ComponentDefinition = {
  namespace: WEBSOCKET_NAMESPACE,
  schemas: { endpoint: schema },
  validate(block, _scope, at, issues, _service, { endpoint }) {
    if (!readBoolean(block, 'enable_direct_communication')) {
      issues.warning({
        code: 'PRT_WARN_CONFIG_UNSUPPORTED',
        at,
        message: 'WebSocket multiplexing (KrakenD Enterprise\'s default) is not supported: each client gets its own backend connection, as with "enable_direct_communication": true',
        hint: 'set "enable_direct_communication": true',
      });
    }
    for (const key of ['connect_event', 'disconnect_event'] as const) {
      if (readBoolean(block, key)) issues.warning({ code: 'PRT_WARN_CONFIG_UNSUPPORTED', at: [...at, key], message: `"${key}" belongs to multiplexing and is ignored in direct mode` });
    }
    if (endpoint !== undefined && (endpoint.backends.length !== 1 || endpoint.method !== 'GET')) {
      issues.error({
        code: 'PRT_ERR_CONFIG_VALUE',
        at,
        message: 'a WebSocket endpoint needs method GET and exactly one backend (its hosts take turns)',
        found: `${endpoint.method} with ${endpoint.backends.length} backends`,
      });
    }
  },
  endpoint: (block, endpoint, context) => createWebSocketEndpoint(block, endpoint, context),
};
