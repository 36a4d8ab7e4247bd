/**
 * The namespaces Portico's core reads itself (`router`, `telemetry/logging`, `proxy`, `backend/http`,
 * `backend/http/client`, `backend/graphql`), parsed once at normalize time into typed fields of the
 * config. Nothing else reads these blocks raw (their components only check them, with key paths).
 */
import { parseDuration } from './duration.js';
import { readBoolean, readObject, readString, readStrings } from './read.js';
import type { Block } from './read.js';
import type {
  BackendHttpClientSettings,
  BackendHttpSettings,
  BackendProxySettings,
  EndpointProxySettings,
  ExtraConfig,
  FlatmapOperation,
  GraphqlSettings,
  RouterSettings,
} from './types.js';

export const GRAPHQL_NAMESPACE = 'backend/graphql';

/** `router` (KrakenD's gin engine options). */
export function readRouterSettings(extra: ExtraConfig): RouterSettings {
  const block = readObject(extra, 'router');
  const flag = (key: string): boolean => readBoolean(block, key);
  const list = (key: string): string[] => readStrings(block, key);
  const errorBody = readObject(block, 'error_body');
  return {
    returnErrorMsg: flag('return_error_msg'),
    errorBody404: errorBody['404'],
    errorBody405: errorBody['405'],
    redirectTrailingSlash: !flag('disable_redirect_trailing_slash'),
    redirectFixedPath: !flag('disable_redirect_fixed_path'),
    handleMethodNotAllowed: !flag('disable_handle_method_not_allowed'),
    hideVersionHeader: flag('hide_version_header'),
    healthPath: flag('disable_health') ? undefined : readString(block, 'health_path') || '/__health',
    accessLog: !flag('disable_access_log'),
    loggerSkipPaths: list('logger_skip_paths'),
    forwardedByClientIp: flag('forwarded_by_client_ip'),
    remoteIpHeaders: list('remote_ip_headers'),
    trustedProxies: Array.isArray(block['trusted_proxies']) ? list('trusted_proxies') : undefined,
    autoOptions: flag('auto_options'),
    removeExtraSlash: flag('remove_extra_slash'),
    disablePathDecoding: flag('disable_path_decoding'),
    // KrakenD EE's compression switch: absent, true or false mean three things (router/compression.ts).
    disableGzip: typeof block['disable_gzip'] === 'boolean' ? block['disable_gzip'] : undefined,
  };
}

/** lura's flatmap operations; entries the schema check let through but no operation can use are skipped. */
export function readFlatmapOperations(value: unknown): FlatmapOperation[] {
  if (!Array.isArray(value)) return [];
  const operations: FlatmapOperation[] = [];
  for (const entry of value) {
    if (entry === null || typeof entry !== 'object') continue;
    const { type, args } = entry as { type?: unknown; args?: unknown };
    if (type !== 'move' && type !== 'del' && type !== 'append') continue;
    if (!Array.isArray(args) || !args.every((arg) => typeof arg === 'string')) continue;
    const needed = type === 'del' ? 1 : 2;
    if (args.length < needed) continue;
    operations.push({ type, args: (args as string[]).map((arg) => arg.split('.')) });
  }
  return operations;
}

/** The endpoint's `proxy` block (lura `proxy.Namespace`). */
export function readEndpointProxySettings(extra: ExtraConfig): EndpointProxySettings {
  const block = readObject(extra, 'proxy');
  const staticBlock = readObject(block, 'static');
  const data = staticBlock['data'];
  return {
    sequential: block['sequential'] === true,
    sequentialPropagatedParams: readStrings(block, 'sequential_propagated_params'),
    static: data !== null && typeof data === 'object' && !Array.isArray(data) ? { strategy: readString(staticBlock, 'strategy', 'always'), data: data as Record<string, unknown> } : undefined,
    flatmapFilter: readFlatmapOperations(block['flatmap_filter']),
  };
}

/** The backend's `proxy` block: its flatmap and whether it is a shadow copy. */
export function readBackendProxySettings(extra: ExtraConfig): BackendProxySettings {
  const block = readObject(extra, 'proxy');
  const timeout = block['shadow_timeout'];
  const timeoutMs = typeof timeout === 'string' ? parseDuration(timeout) : undefined;
  return {
    flatmapFilter: readFlatmapOperations(block['flatmap_filter']),
    shadow: block['shadow'] === true,
    shadowTimeoutMs: timeoutMs !== undefined && timeoutMs > 0 ? timeoutMs : undefined,
  };
}

/** `backend/http`: how a failing backend's status and body reach the client. */
export function readBackendHttpSettings(extra: ExtraConfig): BackendHttpSettings {
  const block: Block = readObject(extra, 'backend/http');
  const details = readString(block, 'return_error_details');
  // `return_error_details` wins over `return_error_code` (lura `NewHTTPProxyDetailed`).
  return { errorDetailsAlias: details === '' ? undefined : details, returnErrorCode: details === '' && block['return_error_code'] === true };
}

/** `backend/http/client`. */
export function readBackendHttpClientSettings(extra: ExtraConfig): BackendHttpClientSettings {
  return { sendBodyOnRedirect: readObject(extra, 'backend/http/client')['send_body_on_redirect'] === true };
}

/** `backend/graphql`, normalised as lura's `GetOptions` does (`method` defaults to POST); undefined without a valid `type`. */
export function readGraphqlSettings(extra: ExtraConfig): GraphqlSettings | undefined {
  const value = extra[GRAPHQL_NAMESPACE];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const block = value as Block;
  const type = readString(block, 'type').toLowerCase();
  if (type !== 'query' && type !== 'mutation') return undefined;
  const variables = readObject(block, 'variables');
  return {
    type,
    query: readString(block, 'query'),
    queryPath: readString(block, 'query_path'),
    operationName: readString(block, 'operationName'),
    variables,
    method: readString(block, 'method').toUpperCase() === 'GET' ? 'GET' : 'POST',
  };
}
