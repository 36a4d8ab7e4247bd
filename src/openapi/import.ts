/**
 * `portico openapi import SPEC`: an OpenAPI 3 document becomes a KrakenD configuration with one endpoint
 * per operation. Paths keep their `{param}` syntax (the same in both), query and header parameters become
 * `input_query_strings` and `input_headers`, the backend host comes from `servers` (or `--host`), and the
 * descriptive fields go to KrakenD EE's `documentation/openapi` blocks so an export gives them back.
 */
import { canonicalHeaderName } from '../config/headers.js';

type Json = Record<string, unknown>;

export const OPENAPI_NAMESPACE = 'documentation/openapi';
export const OPERATION_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;

export interface ImportOptions {
  /** Backend origin (`http://pets:8080`), instead of the first server's. */
  host?: string;
}

export interface ImportResult {
  config: Json;
  /** Operations left out or simplified, one line each. */
  notes: string[];
}

export class OpenApiError extends Error {}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The first server's URL with its variables at their defaults, split into origin and base path. */
function serverOf(spec: Json): { origin: string | undefined; basePath: string } {
  const servers = Array.isArray(spec['servers']) ? spec['servers'] : [];
  const first = servers.find(isObject);
  if (first === undefined || typeof first['url'] !== 'string') return { origin: undefined, basePath: '' };
  const variables = isObject(first['variables']) ? first['variables'] : {};
  const url = first['url'].replace(/\{([^}]+)\}/g, (whole, name: string) => {
    const variable = variables[name];
    return isObject(variable) && typeof variable['default'] === 'string' ? variable['default'] : whole;
  });
  const match = /^([a-z][a-z0-9+.-]*:\/\/[^/]+)(\/.*)?$/i.exec(url);
  if (match) return { origin: match[1], basePath: (match[2] ?? '').replace(/\/+$/, '') };
  return { origin: undefined, basePath: url.startsWith('/') ? url.replace(/\/+$/, '') : '' };
}

/** A local `$ref` (`#/components/parameters/x`), resolved one level at a time. */
function resolve(spec: Json, value: unknown): unknown {
  let current = value;
  for (let depth = 0; depth < 10 && isObject(current) && typeof current['$ref'] === 'string'; depth++) {
    const ref = current['$ref'];
    if (!ref.startsWith('#/')) return undefined;
    let target: unknown = spec;
    for (const part of ref.slice(2).split('/')) target = isObject(target) ? target[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
    current = target;
  }
  return current;
}

export function importOpenApi(spec: unknown, options: ImportOptions = {}): ImportResult {
  if (!isObject(spec) || typeof spec['openapi'] !== 'string' || !spec['openapi'].startsWith('3.')) {
    throw new OpenApiError('not an OpenAPI 3 document (its "openapi" field must be "3.x")');
  }
  const notes: string[] = [];
  const info = isObject(spec['info']) ? spec['info'] : {};
  const server = serverOf(spec);
  const origin = options.host?.replace(/\/+$/, '') ?? server.origin;
  if (origin === undefined) throw new OpenApiError('no backend host: the first server has no absolute URL; pass --host http://service:port');
  const paths = isObject(spec['paths']) ? spec['paths'] : {};
  const endpoints: Json[] = [];
  for (const [path, rawItem] of Object.entries(paths)) {
    const item = resolve(spec, rawItem);
    if (!isObject(item)) continue;
    if (/\{[^}]*\}[^/]|[^/]\{/.test(path)) {
      notes.push(`${path}: a parameter inside a path segment needs "disable_rest"; left out`);
      continue;
    }
    const shared = Array.isArray(item['parameters']) ? item['parameters'] : [];
    for (const method of OPERATION_METHODS) {
      const operation = item[method];
      if (!isObject(operation)) continue;
      endpoints.push(endpointOf(spec, path, method, operation, shared, origin, server.basePath));
    }
  }
  const documentation: Json = {};
  if (text(info['description'])) documentation['description'] = info['description'];
  if (text(info['version'])) documentation['version'] = info['version'];
  if (text(info['termsOfService'])) documentation['terms_of_service'] = info['termsOfService'];
  const contact = isObject(info['contact']) ? info['contact'] : {};
  if (text(contact['name'])) documentation['contact_name'] = contact['name'];
  if (text(contact['email'])) documentation['contact_email'] = contact['email'];
  if (text(contact['url'])) documentation['contact_url'] = contact['url'];
  const license = isObject(info['license']) ? info['license'] : {};
  if (text(license['name'])) documentation['license_name'] = license['name'];
  if (text(license['url'])) documentation['license_url'] = license['url'];
  const config: Json = { version: 3, name: text(info['title']) ?? 'Imported API', port: 8080 };
  if (Object.keys(documentation).length > 0) config['extra_config'] = { [OPENAPI_NAMESPACE]: documentation };
  config['endpoints'] = endpoints;
  return { config, notes };
}

function endpointOf(spec: Json, path: string, method: string, operation: Json, shared: unknown[], origin: string, basePath: string): Json {
  // Operation parameters override path-level ones with the same name and place (OpenAPI 3 §4.8.10).
  const byKey = new Map<string, Json>();
  for (const raw of [...shared, ...(Array.isArray(operation['parameters']) ? operation['parameters'] : [])]) {
    const parameter = resolve(spec, raw);
    if (isObject(parameter) && typeof parameter['name'] === 'string' && typeof parameter['in'] === 'string') byKey.set(`${parameter['in']} ${parameter['name']}`, parameter);
  }
  const parameters = [...byKey.values()];
  const queries = parameters.filter((parameter) => parameter['in'] === 'query').map((parameter) => parameter['name'] as string);
  const headers = parameters.filter((parameter) => parameter['in'] === 'header').map((parameter) => canonicalHeaderName(parameter['name'] as string));
  const hasBody = operation['requestBody'] !== undefined;
  const endpoint: Json = { endpoint: path, method: method.toUpperCase(), output_encoding: 'no-op' };
  if (queries.length > 0) endpoint['input_query_strings'] = queries;
  // A body needs its Content-Type forwarded, which a listed set replaces (KrakenD's default is Content-Type only).
  if (headers.length > 0) endpoint['input_headers'] = hasBody ? [...headers, 'Content-Type'] : headers;
  endpoint['backend'] = [{ host: [origin], url_pattern: `${basePath}${path}`, method: method.toUpperCase(), encoding: 'no-op' }];
  const documentation: Json = {};
  if (text(operation['summary'])) documentation['summary'] = operation['summary'];
  if (text(operation['description'])) documentation['description'] = operation['description'];
  if (text(operation['operationId'])) documentation['operation_id'] = operation['operationId'];
  if (Array.isArray(operation['tags']) && operation['tags'].length > 0) documentation['tags'] = operation['tags'].filter((tag) => typeof tag === 'string');
  if (Object.keys(documentation).length > 0) endpoint['extra_config'] = { [OPENAPI_NAMESPACE]: documentation };
  return endpoint;
}
