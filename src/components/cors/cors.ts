/**
 * `security/cors`: Cross-Origin Resource Sharing for the whole service, before routing, so preflights
 * are answered for any path and the headers reach every answer (404s included), as KrakenD's CORS
 * wrapper around its HTTP handler does.
 *
 * @example
 * ```json
 * "extra_config": {
 *   "security/cors": {
 *     "allow_origins": ["https://app.example.com", "https://*.example.org"],
 *     "allow_methods": ["GET", "POST"],
 *     "allow_headers": ["Authorization", "Content-Type"],
 *     "expose_headers": ["Content-Length"],
 *     "allow_credentials": true,
 *     "max_age": "12h"
 *   }
 * }
 * ```
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ComponentDefinition } from '../registry.js';
import type { BuildContext, RequestListener, ServiceMiddleware } from '../../pipeline/types.js';
import { BOOLEAN_SCHEMA, DURATION_SCHEMA, STRINGS_SCHEMA, ignoredWhenInvalid, objectSchema, readBoolean, readDurationMs, readInteger, readStrings } from '../block-reader.js';
import type { Block } from '../block-reader.js';
import { compileCorsPolicy } from './policy.js';
import type { CorsPolicy } from './policy.js';

export const CORS_NAMESPACE = 'security/cors';

export function createCorsMiddleware(block: Block, context: BuildContext): ServiceMiddleware {
  const policy = compileCorsPolicy({
    allowOrigins: readStrings(block, 'allow_origins'),
    allowMethods: readStrings(block, 'allow_methods'),
    allowHeaders: readStrings(block, 'allow_headers'),
    exposeHeaders: readStrings(block, 'expose_headers'),
    allowCredentials: readBoolean(block, 'allow_credentials'),
    maxAgeSeconds: Math.trunc(readDurationMs(block, 'max_age', 0) / 1000),
    allowPrivateNetwork: readBoolean(block, 'allow_private_network'),
  });
  const passthrough = readBoolean(block, 'options_passthrough');
  const successStatus = readInteger(block, 'options_success_status', 204);
  const logger = context.logger;
  const debug = readBoolean(block, 'debug') ? (message: string) => logger.debug(`[SERVICE: Gin][CORS] ${message}`) : undefined;

  return function corsLayer(next: RequestListener): RequestListener {
    return function handleCors(request, response) {
      const requestedMethod = request.headers['access-control-request-method'];
      if (request.method === 'OPTIONS' && requestedMethod) {
        answerPreflight(policy, request, response, requestedMethod, debug);
        if (passthrough) next(request, response);
        else {
          response.writeHead(successStatus);
          response.end();
        }
        return;
      }
      decorateActual(policy, request, response, debug);
      next(request, response);
    };
  };
}

function answerPreflight(policy: CorsPolicy, request: IncomingMessage, response: ServerResponse, method: string, debug: ((message: string) => void) | undefined): void {
  appendVary(response, policy.preflightVary);
  const origin = request.headers.origin;
  if (!origin) return debug?.('preflight aborted: empty origin');
  if (!policy.isOriginAllowed(origin)) return debug?.(`preflight aborted: origin '${origin}' not allowed`);
  if (!policy.isMethodAllowed(method)) return debug?.(`preflight aborted: method '${method}' not allowed`);
  const requested = request.headersDistinct['access-control-request-headers'];
  if (requested !== undefined && !policy.acceptsRequestedHeaders(requested)) return debug?.(`preflight aborted: headers '${requested.join(', ')}' not allowed`);
  response.setHeader('Access-Control-Allow-Origin', policy.allowsAllOrigins ? '*' : origin);
  response.setHeader('Access-Control-Allow-Methods', method);
  // rs/cors echoes the request's lines as they came.
  if (requested !== undefined && requested[0] !== '') response.setHeader('Access-Control-Allow-Headers', requested);
  if (policy.allowCredentials) response.setHeader('Access-Control-Allow-Credentials', 'true');
  if (policy.allowPrivateNetwork && request.headers['access-control-request-private-network'] === 'true') {
    response.setHeader('Access-Control-Allow-Private-Network', 'true');
  }
  if (policy.maxAge !== undefined) response.setHeader('Access-Control-Max-Age', policy.maxAge);
  debug?.(`preflight allowed for origin '${origin}', method '${method}'`);
}

function decorateActual(policy: CorsPolicy, request: IncomingMessage, response: ServerResponse, debug: ((message: string) => void) | undefined): void {
  appendVary(response, 'Origin');
  const origin = request.headers.origin;
  if (!origin) return;
  if (!policy.isOriginAllowed(origin)) return debug?.(`actual request: origin '${origin}' not allowed`);
  if (!policy.isMethodAllowed(request.method as string)) return debug?.(`actual request: method '${request.method ?? ''}' not allowed`);
  response.setHeader('Access-Control-Allow-Origin', policy.allowsAllOrigins ? '*' : origin);
  if (policy.exposeHeaders !== '') response.setHeader('Access-Control-Expose-Headers', policy.exposeHeaders);
  if (policy.allowCredentials) response.setHeader('Access-Control-Allow-Credentials', 'true');
}

function appendVary(response: ServerResponse, value: string): void {
  const existing = response.getHeader('Vary');
  if (existing === undefined) response.setHeader('Vary', value);
  else response.setHeader('Vary', [...(Array.isArray(existing) ? existing : [String(existing)]), value]);
}

export const corsComponent: ComponentDefinition = {
  namespace: CORS_NAMESPACE,
  schemas: {
    service: objectSchema({
      allow_origins: STRINGS_SCHEMA,
      allow_methods: STRINGS_SCHEMA,
      allow_headers: STRINGS_SCHEMA,
      expose_headers: STRINGS_SCHEMA,
      allow_credentials: BOOLEAN_SCHEMA,
      // krakend-cors drops a max_age that time.ParseDuration refuses ("86400"); a number makes KrakenD panic, so that stays an error.
      max_age: ignoredWhenInvalid(DURATION_SCHEMA, ['pattern'], 'no Access-Control-Max-Age header is sent (write a duration with its unit, such as "24h")'),
      allow_private_network: BOOLEAN_SCHEMA,
      options_passthrough: BOOLEAN_SCHEMA,
      options_success_status: { type: 'integer', minimum: 200, maximum: 299 },
      debug: BOOLEAN_SCHEMA,
    }),
  },
  validate(block, _scope, at, issues) {
    const origins = readStrings(block, 'allow_origins');
    origins.forEach((origin, index) => {
      if (origin !== '*' && origin.split('*').length > 2) {
        issues.error({ code: 'PRT_ERR_CONFIG_VALUE', at: [...at, 'allow_origins', index], message: 'an origin may hold one "*" wildcard at most', expected: '"https://*.example.com"', found: origin });
      }
    });
    if (readBoolean(block, 'allow_credentials') && (origins.length === 0 || origins.includes('*'))) {
      issues.warning({
        code: 'PRT_WARN_CONFIG_CORS_CREDENTIALS',
        at: [...at, 'allow_credentials'],
        message: 'with every origin allowed the answer is "Access-Control-Allow-Origin: *", which browsers refuse for credentialed requests',
        hint: 'list the origins that may send credentials in allow_origins',
      });
    }
  },
  service: (block, context) => createCorsMiddleware(block, context),
};
