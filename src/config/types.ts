/**
 * The typed, normalised configuration every other module builds from. Produced once at start-up by
 * `normalizeConfig`; durations are milliseconds, defaults applied, nothing left to look up later.
 */
import type { KeyPath } from './source.js';

export type ExtraConfig = Readonly<Record<string, unknown>>;

/** KrakenD CE routes the first five; HEAD and OPTIONS endpoints are Portico's. */
export const SUPPORTED_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
export type EndpointMethod = (typeof SUPPORTED_METHODS)[number];

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
  extraConfig: ExtraConfig;
  endpoints: EndpointConfig[];
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
  extraConfig: ExtraConfig;
  at: KeyPath;
}
