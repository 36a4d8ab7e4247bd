/**
 * The typed, normalised configuration every other module builds from. Produced once at start-up by
 * `normalizeConfig`; durations are milliseconds, defaults applied, nothing left to look up later.
 */
import type { KeyPath } from './source.js';

export type ExtraConfig = Readonly<Record<string, unknown>>;

/** KrakenD CE routes the first five; HEAD and OPTIONS endpoints are Portico's. */
export const SUPPORTED_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
export type EndpointMethod = (typeof SUPPORTED_METHODS)[number];

/** Bounds on a backend's response head when the config sets none (Portico: KrakenD has none below Go's 10 MiB). */
export const DEFAULT_RESPONSE_HEAD_LIMITS = { maxBytes: 256 * 1024, maxFields: 500 } as const;

export interface ServerSettings {
  readTimeoutMs: number;
  writeTimeoutMs: number;
  idleTimeoutMs: number;
  readHeaderTimeoutMs: number;
  maxHeaderBytes: number;
  maxShutdownWaitMs: number;
}

export interface TransportSettings {
  maxIdleConnectionsPerHost: number;
  maxIdleConnections: number;
  idleConnectionTimeoutMs: number;
  disableKeepAlives: boolean;
  disableCompression: boolean;
  dialerTimeoutMs: number;
  dialerKeepAliveMs: number;
  responseHeaderTimeoutMs: number;
  expectContinueTimeoutMs: number;
  /** Bounds on a backend's response head (Portico: KrakenD has none below Go's 10 MiB). */
  maxResponseHeaderBytes: number;
  maxResponseHeaders: number;
}

/** One entry of the root `async_agent` list (lura `config.AsyncAgent`), defaults applied. */
export interface AsyncAgentConfig {
  /** `AsyncAgent-NN` when unnamed, as lura names it. */
  name: string;
  at: KeyPath;
  /** `Infinity` when unset or not positive. */
  maxRetries: number;
  backoffStrategy: string;
  /** At least one second (lura). */
  healthIntervalMs: number;
  topic: string;
  /** At least 1. */
  workers: number;
  /** Defaults to the root timeout. */
  timeoutMs: number;
  maxRate: number;
  encoding: string;
  /** The pipe each message goes through: an endpoint named after the agent, with the agent's backends. */
  endpoint: EndpointConfig;
  extraConfig: ExtraConfig;
}

export interface ServiceConfig {
  /** Absolute or relative path of the file, for messages. */
  file: string;
  name: string;
  port: number;
  /** Empty string: every interface. */
  listenIp: string;
  hosts: string[];
  timeoutMs: number;
  cacheTtlMs: number;
  outputEncoding: string;
  debugEndpoint: boolean;
  echoEndpoint: boolean;
  disableRest: boolean;
  dnsCacheTtlMs: number;
  server: ServerSettings;
  transport: TransportSettings;
  tls: Record<string, unknown> | undefined;
  clientTls: Record<string, unknown> | undefined;
  /** The `router` namespace. */
  router: RouterSettings;
  extraConfig: ExtraConfig;
  endpoints: EndpointConfig[];
  /** Root `async_agent` list; absent when the config has none. */
  asyncAgents?: AsyncAgentConfig[];
}

export interface EndpointConfig {
  /** `/users/{id}` as written (after a leading slash is ensured); a wildcard endpoint ends in `/*`. */
  path: string;
  /**
   * A wildcard endpoint (`/foo/*`, KrakenD EE's syntax): the number of path segments before the `*`;
   * the rest of the client's path is appended to each HTTP backend's `url_pattern`. Undefined otherwise.
   */
  wildcardDepth?: number;
  method: EndpointMethod;
  /** Where this method was written when `method` is a list (one endpoint per method); else undefined. */
  methodAt?: KeyPath;
  /** Names of `{params}` in the path, in order. */
  params: string[];
  timeoutMs: number;
  cacheTtlMs: number;
  outputEncoding: string;
  /** Canonical header names (`X-Foo`), `*` for all; `['Content-Type']` when unset. */
  inputHeaders: string[];
  inputQueryStrings: string[];
  concurrentCalls: number;
  backends: BackendConfig[];
  /** The endpoint's `proxy` namespace. */
  proxy: EndpointProxySettings;
  extraConfig: ExtraConfig;
  /** Where the endpoint sits in the source document, for messages at build time. */
  at: KeyPath;
}

export interface BackendConfig {
  hosts: string[];
  urlPattern: string;
  method: string;
  encoding: string;
  allow: string[];
  deny: string[];
  mapping: Readonly<Record<string, string>>;
  group: string;
  target: string;
  isCollection: boolean;
  disableHostSanitize: boolean;
  /** Second filter applied per backend; undefined means no extra filtering. */
  inputHeaders: string[] | undefined;
  inputQueryStrings: string[] | undefined;
  sd: string;
  sdScheme: string;
  /** The backend's `proxy` namespace. */
  proxy: BackendProxySettings;
  /** `backend/http`. */
  http: BackendHttpSettings;
  /** `backend/http/client`. */
  httpClient: BackendHttpClientSettings;
  /** `backend/graphql`; undefined when the backend is not a GraphQL one. */
  graphql: GraphqlSettings | undefined;
  extraConfig: ExtraConfig;
  at: KeyPath;
}

/** `router` (KrakenD's gin engine options). */
export interface RouterSettings {
  returnErrorMsg: boolean;
  errorBody404: unknown;
  errorBody405: unknown;
  redirectTrailingSlash: boolean;
  redirectFixedPath: boolean;
  handleMethodNotAllowed: boolean;
  hideVersionHeader: boolean;
  healthPath: string | undefined;
  accessLog: boolean;
  loggerSkipPaths: string[];
  forwardedByClientIp: boolean;
  remoteIpHeaders: string[];
  trustedProxies: string[] | undefined;
  autoOptions: boolean;
  removeExtraSlash: boolean;
  disablePathDecoding: boolean;
  /** `disable_gzip` as written (undefined when absent). */
  disableGzip: boolean | undefined;
}

export interface FlatmapOperation {
  type: 'move' | 'del' | 'append';
  /** Dot paths, already split: `move`/`append` take two, `del` one or more. */
  args: string[][];
}

export interface EndpointProxySettings {
  sequential: boolean;
  sequentialPropagatedParams: string[];
  /** `static`: data merged per its strategy (unknown strategies act as `always`, as in lura). */
  static: { strategy: string; data: Record<string, unknown> } | undefined;
  flatmapFilter: FlatmapOperation[];
}

export interface BackendProxySettings {
  flatmapFilter: FlatmapOperation[];
  shadow: boolean;
  /** `shadow_timeout`; undefined when unset or not positive (the endpoint timeout applies). */
  shadowTimeoutMs: number | undefined;
}

export interface BackendHttpSettings {
  /** `return_error_details`: failures are returned under `error_<alias>`. */
  errorDetailsAlias: string | undefined;
  /** `return_error_code` (ignored when `return_error_details` is set). */
  returnErrorCode: boolean;
}

export interface BackendHttpClientSettings {
  sendBodyOnRedirect: boolean;
}

export interface GraphqlSettings {
  type: 'query' | 'mutation';
  /** Inline `query`; `queryPath` (read when the gateway is built) is used when not empty. */
  query: string;
  queryPath: string;
  operationName: string;
  variables: Record<string, unknown>;
  method: 'GET' | 'POST';
}
