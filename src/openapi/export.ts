/**
 * `portico openapi export -c FILE`: the gateway's public API as an OpenAPI 3.0 document, built from the
 * loaded configuration (flexible configuration, method lists and all): one operation per endpoint and
 * method, its path parameters, the query strings and headers it forwards, and KrakenD EE's
 * `documentation/openapi` descriptions and tags.
 */
import { blockOf } from '../pipeline/registry.js';
import type { EndpointConfig, ServiceConfig } from '../config/types.js';
import { OPENAPI_NAMESPACE } from './import.js';

type Json = Record<string, unknown>;

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

export function exportOpenApi(service: ServiceConfig): Json {
  const doc = blockOf(service.extraConfig, OPENAPI_NAMESPACE) ?? {};
  const text = (block: Json, key: string): string | undefined => (typeof block[key] === 'string' && block[key] !== '' ? block[key] : undefined);
  const info: Json = { title: service.name || 'Portico API', version: text(doc, 'version') ?? '1.0.0' };
  if (text(doc, 'description')) info['description'] = doc['description'];
  if (text(doc, 'terms_of_service')) info['termsOfService'] = doc['terms_of_service'];
  const contact: Json = {};
  if (text(doc, 'contact_name')) contact['name'] = doc['contact_name'];
  if (text(doc, 'contact_email')) contact['email'] = doc['contact_email'];
  if (text(doc, 'contact_url')) contact['url'] = doc['contact_url'];
  if (Object.keys(contact).length > 0) info['contact'] = contact;
  if (text(doc, 'license_name')) info['license'] = { name: doc['license_name'], ...(text(doc, 'license_url') ? { url: doc['license_url'] } : {}) };

  const document: Json = { openapi: '3.0.3', info };
  const host = text(doc, 'host');
  if (host !== undefined) {
    const schemes = Array.isArray(doc['schemes']) ? doc['schemes'].filter((scheme): scheme is string => typeof scheme === 'string') : [];
    document['servers'] = [{ url: `${schemes[0] ?? 'https'}://${host}${text(doc, 'base_path') ?? ''}` }];
  }
  const paths: Record<string, Json> = {};
  const tags = new Set<string>();
  for (const endpoint of service.endpoints) {
    const { path, operation } = operationOf(endpoint);
    for (const tag of (operation['tags'] as string[] | undefined) ?? []) tags.add(tag);
    (paths[path] ??= {})[endpoint.method.toLowerCase()] = operation;
  }
  if (tags.size > 0) document['tags'] = [...tags].map((name) => ({ name }));
  document['paths'] = paths;
  return document;
}

function operationOf(endpoint: EndpointConfig): { path: string; operation: Json } {
  const doc = blockOf(endpoint.extraConfig, OPENAPI_NAMESPACE) ?? {};
  // OpenAPI has no wildcard: the rest of the path is one parameter that may hold slashes.
  const path = endpoint.wildcardDepth === undefined ? endpoint.path : `${endpoint.path.slice(0, -1)}{wildcard}`;
  const operation: Json = {};
  if (typeof doc['summary'] === 'string') operation['summary'] = doc['summary'];
  if (typeof doc['description'] === 'string') operation['description'] = doc['description'];
  operation['operationId'] = typeof doc['operation_id'] === 'string' ? doc['operation_id'] : generatedId(endpoint);
  if (Array.isArray(doc['tags'])) operation['tags'] = doc['tags'].filter((tag) => typeof tag === 'string');
  const parameters: Json[] = endpoint.params.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
  if (endpoint.wildcardDepth !== undefined) parameters.push({ name: 'wildcard', in: 'path', required: true, description: 'the rest of the path, slashes included', schema: { type: 'string' } });
  for (const name of endpoint.inputQueryStrings) if (name !== '*') parameters.push({ name, in: 'query', schema: { type: 'string' } });
  for (const name of endpoint.inputHeaders) if (name !== '*' && name !== 'Content-Type') parameters.push({ name, in: 'header', schema: { type: 'string' } });
  if (parameters.length > 0) operation['parameters'] = parameters;
  if (WITH_BODY.has(endpoint.method)) operation['requestBody'] = { content: { '*/*': { schema: {} } } };
  operation['responses'] = { default: { description: 'the answer of the endpoint' } };
  return { path, operation };
}

function generatedId(endpoint: EndpointConfig): string {
  const words = endpoint.path.split('/').filter((part) => part !== '' && part !== '*').map((part) => part.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+/g, '_'));
  return [endpoint.method.toLowerCase(), ...words].join('_');
}
