/**
 * `validation/cel`: a list of CEL expressions (`check_expr`) that must all be true for the request to go
 * on (krakend-cel). At the endpoint they guard the whole proxy; on a backend, only that backend, which
 * then counts as failed (a partial answer when others succeed). Expressions run where KrakenD runs them:
 *
 * - mentioning `req` (`req_method`, `req_path`, `req_params`, `req_headers`, `req_querystring`): before the
 *   call; on a backend, `req_method` and `req_path` are the backend's, as in lura;
 * - mentioning `resp` (`resp_completed`, `resp_metadata_status`, `resp_metadata_headers`, `resp_data`):
 *   after a successful call, on its (shaped) response;
 * - mentioning `JWT` at the endpoint: inside `auth/validator`, on the verified claims; a false one is a 401.
 *
 * `now` (RFC 3339 text, `timestamp(now)`) is available everywhere. A false or failing expression
 * answers 500 with no body at the endpoint. Every expression is parsed and type-checked at start-up; one
 * that does not compile is a config error (KrakenD drops it, or the whole block, with a log line).
 *
 * @example
 * ```json
 * "validation/cel": [
 *   { "check_expr": "'something' in req_headers['X-Header']" },
 *   { "check_expr": "int(req_params.Id) % 2 == 0" },
 *   { "check_expr": "has(JWT.sub) && size(JWT.roles) > 0" }
 * ]
 * ```
 */
import type { ConfigIssues } from '../../config/issues.js';
import type { KeyPath } from '../../config/source.js';
import type { BackendConfig, EndpointConfig } from '../../config/types.js';
import type { BuildContext } from '../../pipeline/types.js';
import { withPlainNumbers } from '../../encoding/json-lossless.js';
import { GatewayError } from '../../core/errors.js';
import type { Middleware, ProxyRequest, ProxyResponse } from '../../proxy/types.js';
import { compileUrlPattern } from '../../proxy/url-template.js';
import { VALIDATOR_NAMESPACE } from '../jwt/validator.js';
import { componentBlockOf } from '../registry.js';
import type { ComponentDefinition } from '../registry.js';
import { compileCheck, firstFailure, loadCel, programsFor, rfc3339Now, stagesOf, titleCasedParams } from './cel-program.js';
import type { CheckProgram } from './cel-program.js';

export const CEL_NAMESPACE = 'validation/cel';

/** A CEL expression refused the request or the response. No status: the client gets KrakenD's 500. */
export class CelRejection extends GatewayError {
  constructor(readonly evaluator: number) {
    super('PRT_ERR_CEL_REJECTED', `request aborted by evaluator #${evaluator}`);
  }
}

/** The `check_expr` strings of a block, in order. */
export function celExpressions(block: unknown): string[] {
  if (!Array.isArray(block)) return [];
  return block.map((item: unknown) => (item !== null && typeof item === 'object' ? (item as Record<string, unknown>)['check_expr'] : undefined)).filter((expr): expr is string => typeof expr === 'string');
}

/** How the layer below sees the request: the endpoint's own method and path, or the backend's. */
interface RequestView {
  method(request: ProxyRequest): string;
  path(request: ProxyRequest): string;
}

const ENDPOINT_VIEW: RequestView = { method: (request) => request.method, path: (request) => request.path };

function backendView(backend: BackendConfig): RequestView {
  const template = compileUrlPattern(backend.urlPattern);
  return {
    method: () => backend.method,
    path(request) {
      const target = template.render(request.params);
      const query = target.indexOf('?');
      return query === -1 ? target : target.slice(0, query);
    },
  };
}

export function createCelMiddleware(expressions: readonly string[], view: RequestView, label: string, context: BuildContext): Middleware | undefined {
  const pre = programsFor(expressions, 'pre');
  const post = programsFor(expressions, 'post');
  if (pre.length === 0 && post.length === 0) return undefined;
  const logger = context.logger;
  const refuse = (stage: string, program: CheckProgram): CelRejection => {
    logger.debug(`${label}[CEL][${stage}] Evaluator #${program.index} result: false`);
    return new CelRejection(program.index);
  };

  return (next) =>
    async function checkWithCel(request, cancel) {
      const now = rfc3339Now();
      if (pre.length > 0) {
        const failed = firstFailure(pre, requestVariables(request, view, now));
        if (failed) throw refuse('pre', failed);
      }
      const response = await next(request, cancel);
      if (post.length > 0) {
        const failed = firstFailure(post, responseVariables(response, now));
        if (failed) throw refuse('post', failed);
      }
      return response;
    };
}

function requestVariables(request: ProxyRequest, view: RequestView, now: string): Record<string, unknown> {
  return {
    req_method: view.method(request),
    req_path: view.path(request),
    req_params: titleCasedParams(request.params),
    req_headers: request.headers,
    req_querystring: request.query ?? {},
    now,
  };
}

function responseVariables(response: ProxyResponse, now: string): Record<string, unknown> {
  return {
    resp_completed: response.isComplete,
    resp_metadata_status: BigInt(response.metadata.statusCode),
    resp_metadata_headers: response.metadata.headers,
    // CEL computes with numbers: a literal kept as text (`1.50`) is its value here.
    resp_data: withPlainNumbers(response.data),
    now,
  };
}

const itemSchema = {
  type: 'object',
  properties: { check_expr: { type: 'string', minLength: 1 } },
  required: ['check_expr'],
  patternProperties: { '^[@$_#]': {} },
  additionalProperties: false,
};
const blockSchema = { type: 'array', minItems: 1, items: itemSchema };

function validateBlock(block: unknown, scope: string, at: KeyPath, issues: ConfigIssues, endpoint: EndpointConfig | undefined): void {
  if (!Array.isArray(block)) return;
  block.forEach((item: unknown, index) => {
    const expression = item !== null && typeof item === 'object' ? (item as Record<string, unknown>)['check_expr'] : undefined;
    if (typeof expression !== 'string' || expression === '') return;
    const where = [...at, index, 'check_expr'];
    try {
      compileCheck(expression, index);
    } catch (error) {
      issues.error({ code: 'PRT_ERR_CONFIG_CEL', at: where, message: `invalid CEL expression: ${(error as Error).message}`, hint: 'see docs/components/validation-cel.md' });
      return;
    }
    const stages = stagesOf(expression);
    if (stages.length === 0) {
      issues.warning({ code: 'PRT_WARN_CONFIG_CEL_NEVER_RUNS', at: where, message: 'the expression names no req_, resp_ or JWT variable, so it is never evaluated (as in KrakenD)' });
    } else if (stages.includes('pre') && stages.includes('post')) {
      issues.warning({ code: 'PRT_WARN_CONFIG_CEL_NEVER_RUNS', at: where, message: 'the expression mixes req_ and resp_ variables: it runs both before and after the call and fails in each for lack of the others (as in KrakenD)' });
    } else if (stages.includes('jwt') && (scope !== 'endpoint' || endpoint === undefined || componentBlockOf(endpoint.extraConfig, VALIDATOR_NAMESPACE) === undefined)) {
      issues.warning({
        code: 'PRT_WARN_CONFIG_CEL_NEVER_RUNS',
        at: where,
        message: scope === 'endpoint' ? 'JWT expressions run only on endpoints with auth/validator; this one is never evaluated' : 'JWT expressions run only at the endpoint; this one is never evaluated',
      });
    }
  });
}

export const celComponent: ComponentDefinition = {
  /** The `JWT` expressions of an endpoint, as a token rejecter for `auth/validator`. */
  tokenRejecter(endpoint) {
    const programs = programsFor(celExpressions(componentBlockOf(endpoint.extraConfig, CEL_NAMESPACE)), 'jwt');
    if (programs.length === 0) return undefined;
    return (claims) => firstFailure(programs, { JWT: claims, now: rfc3339Now() }) !== undefined;
  },
  namespace: CEL_NAMESPACE,
  schemas: { endpoint: blockSchema, backend: blockSchema },
  prepare: loadCel,
  validate(block, scope, at, issues, _service, owner) {
    validateBlock(block, scope, at, issues, scope === 'endpoint' ? owner.endpoint : undefined);
  },
  proxy: (block, endpoint, context) => createCelMiddleware(celExpressions(block), ENDPOINT_VIEW, `[ENDPOINT: ${endpoint.path}]`, context),
  backend: (block, backend, _endpoint, context) => createCelMiddleware(celExpressions(block), backendView(backend), `[BACKEND: ${backend.urlPattern}]`, context),
};
