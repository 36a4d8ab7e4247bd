/**
 * `auth/basic` (KrakenD Enterprise's basic authentication): the root block declares users with bcrypt
 * hashes (`users`, or an htpasswd file), each endpoint with the namespace requires valid credentials and,
 * when it lists `users`, one of those users. Failures get 401 with `WWW-Authenticate: Basic`.
 *
 * @example
 * ```json
 * "extra_config": {
 *   "auth/basic": {
 *     "users": { "admin": "$2y$10$...bcrypt..." },
 *     "htpasswd_path": "/etc/portico/.htpasswd"
 *   }
 * },
 * "endpoints": [{ "endpoint": "/private", "extra_config": { "auth/basic": {} }, "backend": [...] }]
 * ```
 */
import { readFileSync } from 'node:fs';
import type { ComponentDefinition } from '../registry.js';
import type { HandlerMiddleware } from '../../pipeline/types.js';
import { DURATION_SCHEMA, STRINGS_SCHEMA, objectSchema, readDurationMs, readString, readStrings } from '../block-reader.js';
import type { Block } from '../block-reader.js';
import { rejectRequest } from '../deny.js';
import { createUserVerifier, isBcryptHash, loadUsers, parseHtpasswd } from './user-store.js';
import type { UserVerifier } from './user-store.js';

export const BASIC_AUTH_NAMESPACE = 'auth/basic';
const DEFAULT_CACHE_TTL_MS = 60_000;

export function createBasicAuthMiddleware(endpointBlock: Block, verifyUser: UserVerifier, realm: string): HandlerMiddleware {
  const allowedUsers = readStrings(endpointBlock, 'users');
  const restrict = allowedUsers.length > 0 ? new Set(allowedUsers) : undefined;
  const challenge = ['WWW-Authenticate', `Basic realm="${realm.replace(/["\\]/g, '')}", charset="UTF-8"`];
  return (next) =>
    function checkBasicAuth(context) {
      const credentials = parseBasic(context.request.headers.authorization);
      if (credentials === undefined) {
        rejectRequest(context.response, 401, challenge);
        return;
      }
      verifyUser(credentials.user, credentials.password).then(
        (ok) => {
          // The user list is checked after the password, so a refused name costs the same bcrypt time.
          if (!ok || (restrict && !restrict.has(credentials.user))) {
            rejectRequest(context.response, 401, challenge);
            return;
          }
          if (context.response.destroyed) return;
          try {
            next(context);
          } catch {
            // The gateway's guard cannot see errors thrown after an await: answer here.
            rejectRequest(context.response, 500);
          }
        },
        () => rejectRequest(context.response, 401, challenge),
      );
    };
}

function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  if (!header || !/^basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function inlineUsers(block: Block): Record<string, string> {
  const users = block['users'];
  if (users === null || typeof users !== 'object' || Array.isArray(users)) return {};
  return Object.fromEntries(Object.entries(users).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/** One verifier per gateway, so its cache is shared by every protected endpoint. */
const VERIFIER = Symbol('auth/basic verifier');

export const basicAuthComponent: ComponentDefinition = {
  namespace: BASIC_AUTH_NAMESPACE,
  schemas: {
    service: objectSchema({
      users: { type: 'object', additionalProperties: { type: 'string' } },
      htpasswd_path: { type: 'string' },
      realm: { type: 'string' },
      cache_ttl: DURATION_SCHEMA,
    }),
    endpoint: objectSchema({ users: STRINGS_SCHEMA }),
  },
  validate(block, scope, at, issues, service) {
    if (scope === 'endpoint') {
      if (service.extraConfig[BASIC_AUTH_NAMESPACE] === undefined) {
        issues.error({ code: 'PRT_ERR_CONFIG_BASIC_AUTH', at, message: 'the endpoint requires basic auth but the root extra_config declares no users', hint: 'add "auth/basic": { "users": {...} } to the root extra_config' });
      }
      return;
    }
    for (const [user, hash] of Object.entries(inlineUsers(block))) {
      if (!isBcryptHash(hash)) {
        issues.error({ code: 'PRT_ERR_CONFIG_BASIC_AUTH', at: [...at, 'users', user], message: 'passwords must be bcrypt hashes', expected: 'a hash such as "$2y$10$..." (htpasswd -B)', found: `${hash.slice(0, 4)}…` });
      }
    }
    const path = readString(block, 'htpasswd_path');
    if (path) {
      try {
        const { rejected } = parseHtpasswd(readFileSync(path, 'utf8'));
        if (rejected.length > 0) issues.error({ code: 'PRT_ERR_CONFIG_BASIC_AUTH', at: [...at, 'htpasswd_path'], message: `lines ${rejected.join(', ')} of ${path} are not "user:bcrypt-hash"`, hint: 'create entries with htpasswd -B' });
      } catch (error) {
        issues.error({ code: 'PRT_ERR_CONFIG_BASIC_AUTH', at: [...at, 'htpasswd_path'], message: `cannot read ${path}: ${(error as Error).message}` });
      }
    }
  },
  endpoint: (block, _endpoint, context) => {
    const service = (context.service.extraConfig[BASIC_AUTH_NAMESPACE] ?? {}) as Block;
    const verify = context.instance(VERIFIER, () => createUserVerifier(loadUsers(inlineUsers(service), readString(service, 'htpasswd_path')), readDurationMs(service, 'cache_ttl', DEFAULT_CACHE_TTL_MS)));
    return createBasicAuthMiddleware(block, verify, readString(service, 'realm', 'Restricted') || 'Restricted');
  },
};
