/**
 * GraphQL backends (lura `NewGraphQLMiddleware`, namespace `backend/graphql`): a REST endpoint becomes
 * a GraphQL call. For a `query`, the configured variables are sent, each `"{param}"` value replaced by
 * that request param; for a `mutation`, the client's JSON body gives the variables and the configured
 * ones fill what it lacks. The call is a POST with a JSON body `{query, operationName, variables}`, or,
 * with `"method": "GET"`, a GET with those three as query strings.
 *
 * Differences from KrakenD, on purpose: the POST carries `Content-Type: application/json` (KrakenD
 * forwards whatever the client sent), and a mutation body that is not a JSON object is answered 400
 * instead of 500.
 *
 * ```json
 * "extra_config": { "backend/graphql": {
 *   "type": "query",
 *   "query": "query user($id: ID!) { user(id: $id) { name } }",
 *   "variables": { "id": "{id}" },
 *   "operationName": "user"
 * } }
 * ```
 */
import type { IncomingMessage } from 'node:http';
import { renderJson } from '../render/json.js';
import { readBody } from '../core/request-body.js';
import type { BackendConfig, GraphqlSettings as BackendGraphqlSettings } from '../config/types.js';
import { GatewayError } from '../core/errors.js';
import type { Middleware, ProxyRequest } from './types.js';

/** The call to make: the backend's `backend/graphql` settings, with the query (from `query_path` too) loaded. */
export type GraphqlSettings = Omit<BackendGraphqlSettings, 'queryPath'>;

/**
 * The backend as the HTTP layer must call it: the GraphQL method, and (for GET) the three GraphQL
 * query strings let through a backend `input_query_strings` filter.
 */
export function graphqlBackend(backend: BackendConfig, settings: GraphqlSettings): BackendConfig {
  const inputQueryStrings =
    settings.method === 'GET' && backend.inputQueryStrings !== undefined
      ? [...backend.inputQueryStrings, 'query', 'operationName', 'variables']
      : backend.inputQueryStrings;
  return { ...backend, method: settings.method, inputQueryStrings };
}

type VariablesBuilder = (request: ProxyRequest) => Record<string, unknown> | Promise<Record<string, unknown>>;

const JSON_HEADER = ['application/json'];

export function createGraphqlMiddleware(settings: GraphqlSettings, maxBodyBytes: number): Middleware {
  const buildVariables = settings.type === 'query' ? variablesFromParams(settings.variables) : variablesFromBody(settings.variables, maxBodyBytes);
  const prefix = `{"query":${renderJson(settings.query)}${settings.operationName === '' ? '' : `,"operationName":${renderJson(settings.operationName)}`}`;

  if (settings.method === 'GET') {
    return (next) =>
      async function callGraphqlWithGet(request, cancel) {
        const variables = await buildVariables(request);
        const query: Record<string, string[]> = { ...(request.query ?? {}) };
        (query['query'] = [...(query['query'] ?? [])]).push(settings.query);
        if (settings.operationName !== '') (query['operationName'] = [...(query['operationName'] ?? [])]).push(settings.operationName);
        if (hasKeys(variables)) (query['variables'] = [...(query['variables'] ?? [])]).push(renderJson(variables));
        return next({ ...request, query, body: null, bodyLength: undefined }, cancel);
      };
  }
  return (next) =>
    async function callGraphqlWithPost(request, cancel) {
      const variables = await buildVariables(request);
      const body = Buffer.from(hasKeys(variables) ? `${prefix},"variables":${renderJson(variables)}}` : `${prefix}}`);
      return next({ ...request, headers: { ...request.headers, 'Content-Type': JSON_HEADER }, body, bodyLength: body.length }, cancel);
    };
}

/** `"{name}"` values take the request param `name` ("" when missing, as in lura). */
function variablesFromParams(configured: Record<string, unknown>): VariablesBuilder {
  const replacements: [string, string][] = [];
  for (const [key, value] of Object.entries(configured)) {
    if (typeof value === 'string' && value.length >= 2 && value.startsWith('{') && value.endsWith('}')) replacements.push([key, value.slice(1, -1)]);
  }
  if (replacements.length === 0) return () => configured;
  return function variablesWithParams(request) {
    const variables = { ...configured };
    for (const [key, param] of replacements) variables[key] = request.params[param] ?? '';
    return variables;
  };
}

function variablesFromBody(configured: Record<string, unknown>, maxBodyBytes: number): VariablesBuilder {
  const defaults = Object.entries(configured);
  return async function variablesFromClientBody(request) {
    const raw = request.body === null ? Buffer.alloc(0) : Buffer.isBuffer(request.body) ? request.body : await readBody(request.body as IncomingMessage, maxBodyBytes);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch (error) {
      throw invalidBody(error);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidBody(new Error('expected a JSON object'));
    const variables = parsed as Record<string, unknown>;
    for (const [key, value] of defaults) if (!Object.prototype.hasOwnProperty.call(variables, key)) variables[key] = value;
    return variables;
  };
}

function invalidBody(cause: unknown): GatewayError {
  return Object.assign(new GatewayError('PRT_ERR_GRAPHQL_BODY', `the request body must be a JSON object with the mutation's variables: ${(cause as Error).message}`, { cause }), {
    statusCode: 400,
  });
}

function hasKeys(object: Record<string, unknown>): boolean {
  for (const key in object) {
    void key;
    return true;
  }
  return false;
}
