/**
 * The `backend/graphql` namespace: its schema and start-up checks. The backend is built by
 * `pipeline/endpoint-proxy.ts` with `proxy/graphql.ts`.
 *
 * ```json
 * "extra_config": { "backend/graphql": { "type": "mutation", "query_path": "./graphql/add-user.graphql", "variables": { "role": "user" } } }
 * ```
 */
import { existsSync } from 'node:fs';
import { GRAPHQL_NAMESPACE } from '../config/core-namespaces.js';
import type { ComponentDefinition } from './registry.js';

export const graphqlComponent: ComponentDefinition = {
  namespace: GRAPHQL_NAMESPACE,
  schemas: {
    backend: {
      type: 'object',
      properties: {
        type: { type: 'string', pattern: '^([Qq][Uu][Ee][Rr][Yy]|[Mm][Uu][Tt][Aa][Tt][Ii][Oo][Nn])$' },
        query: { type: 'string' },
        query_path: { type: 'string' },
        variables: { type: 'object' },
        operationName: { type: 'string' },
        method: { type: 'string', pattern: '^([Gg][Ee][Tt]|[Pp][Oo][Ss][Tt])$' },
      },
      required: ['type'],
      patternProperties: { '^[@$_#]': {} },
      additionalProperties: false,
    },
  },
  validate(block, _scope, at, issues) {
    const path = block['query_path'];
    if (typeof path === 'string' && path !== '') {
      if (!existsSync(path)) {
        issues.error({
          code: 'PRT_ERR_CONFIG_GRAPHQL_QUERY_PATH',
          at: [...at, 'query_path'],
          message: 'the GraphQL query file does not exist (paths are relative to the working directory, as in KrakenD)',
          found: path,
        });
      }
    } else if (typeof block['query'] !== 'string' || block['query'] === '') {
      issues.error({ code: 'PRT_ERR_CONFIG_GRAPHQL_QUERY', at, message: 'a GraphQL backend needs "query" or "query_path"' });
    }
  },
};
