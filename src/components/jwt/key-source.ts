/**
 * Where a JWT component gets its keys: `jwk_url`, `jwk_local_path` or `secret_url` (a `file://` URL to a
 * JWK set). Endpoints naming the same source share one key set per gateway, so twenty protected endpoints
 * cause one download, not twenty.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ServiceConfig } from '../../config/types.js';
import type { BuildContext } from '../../pipeline/types.js';
import { readBoolean, readDurationMs, readInteger, readString } from '../block-reader.js';
import type { Block } from '../block-reader.js';
import { fetchJwkSet } from './jwk-fetch.js';
import { parseJwkSet } from './jwk-set.js';
import { JwkKeySet } from './key-set.js';

export type KeySource = { kind: 'url'; url: string; caFile: string } | { kind: 'file'; path: string };

/** The source a block names, or a message saying what is wrong with it. */
export function keySourceOf(block: Block): KeySource | string {
  const url = readString(block, 'jwk_url');
  const localPath = readString(block, 'jwk_local_path');
  const secretUrl = readString(block, 'secret_url');
  const given = [url, localPath, secretUrl].filter((value) => value !== '').length;
  if (given === 0) return 'one of jwk_url, jwk_local_path or secret_url is required';
  if (given > 1) return 'give only one of jwk_url, jwk_local_path or secret_url';
  if (localPath) return { kind: 'file', path: localPath };
  if (secretUrl) {
    if (!secretUrl.startsWith('file://')) return 'secret_url supports file:// URLs only';
    return { kind: 'file', path: fileURLToPath(secretUrl) };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'jwk_url is not a URL';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'jwk_url must be an http(s) URL';
  if (parsed.protocol === 'http:' && !readBoolean(block, 'disable_jwk_security')) {
    return 'jwk_url must use https (keys fetched over plain http can be replaced in transit); set "disable_jwk_security": true to allow http';
  }
  return { kind: 'url', url, caFile: readString(block, 'jwk_local_ca') };
}

/** Reads a local JWK set; throws with a readable message. */
export function readLocalJwkSet(path: string): ReturnType<typeof parseJwkSet> {
  return parseJwkSet(readFileSync(path, 'utf8'));
}

const DEFAULT_REFRESH_MS = 15 * 60_000;
const DEFAULT_COOLDOWN_MS = 10_000;
const FETCH_TIMEOUT_MS = 5_000;

const keySetsByGateway = new WeakMap<ServiceConfig, Map<string, JwkKeySet>>();

/** The shared key set of the block's source in this gateway, started on first use. */
export function keySetFor(block: Block, source: KeySource, context: BuildContext): JwkKeySet {
  let keySets = keySetsByGateway.get(context.service);
  if (keySets === undefined) {
    keySets = new Map();
    keySetsByGateway.set(context.service, keySets);
    const owned = keySets;
    context.onClose(() => {
      for (const keySet of owned.values()) keySet.stop();
      owned.clear();
    });
  }
  const refreshMs = source.kind === 'url' ? cacheDurationMs(block) : 0;
  const cooldownMs = readDurationMs(block, 'failed_jwk_key_cooldown', DEFAULT_COOLDOWN_MS);
  const id = JSON.stringify([source, refreshMs, cooldownMs]);
  let keySet = keySets.get(id);
  if (keySet === undefined) {
    const logger = context.logger;
    const ca = source.kind === 'url' && source.caFile ? readFileSync(source.caFile, 'utf8') : undefined;
    keySet = new JwkKeySet({
      load:
        source.kind === 'url'
          ? () => fetchJwkSet(source.url, { timeoutMs: FETCH_TIMEOUT_MS, ...(ca ? { ca } : {}) })
          : () => Promise.resolve(readLocalJwkSet(source.path)),
      refreshMs,
      cooldownMs,
      label: source.kind === 'url' ? `JWK ${source.url}` : `JWK ${source.path}`,
      onError: (message) => logger.error(`[JOSE] ${message}`),
    });
    keySet.start();
    keySets.set(id, keySet);
  }
  return keySet;
}

/** `cache_duration` is in seconds in KrakenD; Portico refreshes every 15 minutes when it is unset. */
function cacheDurationMs(block: Block): number {
  const seconds = readInteger(block, 'cache_duration', 0);
  return seconds > 0 ? seconds * 1000 : DEFAULT_REFRESH_MS;
}
