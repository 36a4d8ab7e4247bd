/**
 * `auth/api-keys` (KrakenD Enterprise's keys): the root block lists the keys and their roles, each
 * endpoint with the namespace requires a valid key (401 otherwise) holding one of its `roles` (403
 * otherwise). Keys come in a header (`Authorization: Bearer <key>` by default) or a query string
 * (`strategy: "query_string"`, `?key=<key>`). Stateless: the config file is the only store.
 *
 * @example
 * ```json
 * "extra_config": {
 *   "auth/api-keys": {
 *     "strategy": "header",
 *     "identifier": "X-Api-Key",
 *     "keys": [
 *       { "key": "4d2c61e1-34c4-e96c-9456-15bd983c5019", "roles": ["user", "admin"] },
 *       { "key": "58427514-be32-0b52-b7c6-d01fada30497", "roles": ["user"] }
 *     ]
 *   }
 * },
 * "endpoints": [{ "endpoint": "/admin", "extra_config": { "auth/api-keys": { "roles": ["admin"] } }, "backend": [...] }]
 * ```
 */
import type { IncomingMessage } from 'node:http';
import type { ComponentDefinition } from '../registry.js';
import { canonicalHeaderName } from '../../config/headers.js';
import type { HandlerMiddleware } from '../../pipeline/types.js';
import { STRINGS_SCHEMA, objectSchema, readString, readStrings } from '../block-reader.js';
import type { Block } from '../block-reader.js';
import { rejectRequest } from '../deny.js';
import { createKeyLookup } from './key-store.js';
import type { ApiKeyEntry, KeyHash } from './key-store.js';

export const API_KEYS_NAMESPACE = 'auth/api-keys';

type KeyReader = (request: IncomingMessage, rawQuery: string) => string | undefined;

export function createApiKeysMiddleware(endpointBlock: Block, serviceBlock: Block): HandlerMiddleware {
  const strategy = readString(endpointBlock, 'strategy') || readString(serviceBlock, 'strategy', 'header') || 'header';
  const identifier = readString(endpointBlock, 'identifier') || readString(serviceBlock, 'identifier') || (strategy === 'query_string' ? 'key' : 'Authorization');
  const readKey = strategy === 'query_string' ? queryReader(identifier) : headerReader(identifier);
  const findKey = createKeyLookup(entriesOf(serviceBlock), (readString(serviceBlock, 'hash', 'plain') || 'plain') as KeyHash);
  const required = readStrings(endpointBlock, 'roles');
  // Canonical, as Go's Header.Set writes it: it replaces a client header of the same name.
  const roleHeader = canonicalHeaderName(readString(serviceBlock, 'propagate_role'));

  return (next) =>
    function checkApiKey(context) {
      const presented = readKey(context.request, context.rawQuery);
      const match = presented === undefined ? undefined : findKey(presented);
      if (match === undefined) {
        rejectRequest(context.response, 401);
        return;
      }
      if (required.length > 0 && !required.some((role) => match.roles.includes(role))) {
        rejectRequest(context.response, 403);
        return;
      }
      if (roleHeader) (context.extraHeaders ??= {})[roleHeader] = [match.roles.join(',')];
      next(context);
    };
}

function headerReader(name: string): KeyReader {
  const lower = name.toLowerCase();
  const bearer = lower === 'authorization';
  return function readHeaderKey(request) {
    const value = request.headers[lower];
    const text = Array.isArray(value) ? value[0] : value;
    if (!text) return undefined;
    if (!bearer) return text;
    return /^bearer /i.test(text) ? text.slice(7).trim() : undefined;
  };
}

function queryReader(name: string): KeyReader {
  return function readQueryKey(_request, rawQuery) {
    if (rawQuery === '') return undefined;
    const value = new URLSearchParams(rawQuery).get(name);
    return value === null || value === '' ? undefined : value;
  };
}

function entriesOf(block: Block): ApiKeyEntry[] {
  const keys = block['keys'];
  if (!Array.isArray(keys)) return [];
  return keys
    .filter((entry): entry is Record<string, unknown> => entry !== null && typeof entry === 'object')
    .map((entry) => ({ key: typeof entry['key'] === 'string' ? entry['key'] : '', roles: readStrings(entry, 'roles') }))
    .filter((entry) => entry.key !== '');
}

const strategySchema = { type: 'string', enum: ['header', 'query_string'] };

export const apiKeysComponent: ComponentDefinition = {
  namespace: API_KEYS_NAMESPACE,
  schemas: {
    service: objectSchema(
      {
        strategy: strategySchema,
        identifier: { type: 'string', minLength: 1 },
        hash: { type: 'string', enum: ['plain', 'sha256', 'sha1'] },
        propagate_role: { type: 'string' },
        keys: {
          type: 'array',
          items: objectSchema({ key: { type: 'string', minLength: 1 }, roles: STRINGS_SCHEMA }, { required: ['key'] }),
        },
      },
      { required: ['keys'] },
    ),
    endpoint: objectSchema({ roles: STRINGS_SCHEMA, strategy: strategySchema, identifier: { type: 'string', minLength: 1 } }),
  },
  validate(block, scope, at, issues, service) {
    if (scope === 'endpoint' && service.extraConfig[API_KEYS_NAMESPACE] === undefined) {
      // KrakenD CE has no auth/api-keys and starts with the endpoint open; with no key to match, Portico
      // starts with the endpoint closed instead (every request 401), the way an EE gateway without keys would.
      issues.warning({
        code: 'PRT_WARN_CONFIG_API_KEYS',
        at,
        message: 'the endpoint requires API keys but the root extra_config declares none: every request to it is refused with 401',
        hint: 'add "auth/api-keys": { "keys": [...] } to the root extra_config',
      });
    }
    if (scope === 'service') {
      const hash = readString(block, 'hash', 'plain');
      entriesOf(block).forEach((entry, index) => {
        if (hash !== 'plain' && !/^[0-9a-fA-F]+$/.test(entry.key)) {
          issues.error({ code: 'PRT_ERR_CONFIG_VALUE', at: [...at, 'keys', index, 'key'], message: `with "hash": "${hash}" each key is the hex digest of the real key`, found: entry.key });
        }
      });
    }
  },
  endpoint: (block, _endpoint, context) => {
    const service = context.service.extraConfig[API_KEYS_NAMESPACE];
    return createApiKeysMiddleware(block, (service ?? {}) as Block);
  },
};
