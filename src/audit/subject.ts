/**
 * What the audit rules look at: the config document as written (plus environment overrides), with the
 * few defaults KrakenD's audit applies before judging (lura's endpoint timeout and backend method
 * inheritance). It reads the document rather than the normalised ServiceConfig because many rules are
 * about keys Portico refuses or ignores (wildcard endpoints, async agents, plugins, h2c), and a config
 * `portico run` would refuse still deserves an audit, as with `krakend audit`.
 */
import { parseDuration } from '../config/duration.js';
import type { KeyPath } from '../config/source.js';

export type Raw = Readonly<Record<string, unknown>>;

export interface AuditBackend {
  raw: Raw;
  at: KeyPath;
  /** As written, else the endpoint's, else GET (lura's defaults; krakend-audit compares it case-sensitively). */
  method: string;
}

export interface AuditEndpoint {
  raw: Raw;
  at: KeyPath;
  path: string;
  /** The endpoint's timeout, else the root's, else 2 s (lura). */
  timeoutMs: number;
  backends: AuditBackend[];
}

export interface AuditSubject {
  root: Raw;
  endpoints: AuditEndpoint[];
  /** Async agents, each with its key path. */
  agents: { raw: Raw; at: KeyPath }[];
  /** Key paths of namespaces and keys Portico does not implement and ignores (from the loader's warnings). */
  ignoredByPortico: KeyPath[];
}

const DEFAULT_TIMEOUT_MS = 2000;

export function asObject(value: unknown): Raw | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Raw) : undefined;
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function durationMs(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = parseDuration(value);
  return ms === undefined || ms <= 0 ? undefined : ms;
}

export function buildSubject(root: Raw, ignoredByPortico: KeyPath[] = []): AuditSubject {
  const serviceTimeout = durationMs(root['timeout']) ?? DEFAULT_TIMEOUT_MS;
  const endpoints = asList(root['endpoints']).map((value, index): AuditEndpoint => {
    const raw = asObject(value) ?? {};
    const at: KeyPath = ['endpoints', index];
    const method = typeof raw['method'] === 'string' && raw['method'] !== '' ? raw['method'] : 'GET';
    const backends = asList(raw['backend']).map((backendValue, backendIndex): AuditBackend => {
      const backend = asObject(backendValue) ?? {};
      const own = typeof backend['method'] === 'string' && backend['method'] !== '' ? backend['method'] : method;
      return { raw: backend, at: [...at, 'backend', backendIndex], method: own };
    });
    return {
      raw,
      at,
      path: typeof raw['endpoint'] === 'string' ? raw['endpoint'] : '',
      timeoutMs: durationMs(raw['timeout']) ?? serviceTimeout,
      backends,
    };
  });
  const agents = asList(root['async_agent']).map((value, index) => ({ raw: asObject(value) ?? {}, at: ['async_agent', index] as KeyPath }));
  return { root, endpoints, agents, ignoredByPortico };
}

export function isTrue(block: Raw | undefined, key: string): boolean {
  return block?.[key] === true;
}

export function positiveNumber(block: Raw | undefined, key: string): boolean {
  const value = block?.[key];
  return typeof value === 'number' && value > 0;
}

export function listOf(block: Raw | undefined, key: string): unknown[] {
  return asList(block?.[key]);
}
