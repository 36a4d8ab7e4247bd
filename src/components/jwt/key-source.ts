/**
 * Where a JWT component gets its keys: `jwk_url` or `jwk_local_path`, resolved as krakend-jose v2.12.3
 * does. Endpoints naming the same source share one key set per gateway, so twenty protected endpoints
 * cause one download, not twenty.
 */
import { readFileSync } from 'node:fs';
import type { BuildContext } from '../../pipeline/types.js';
import { readBoolean, readDurationMs, readInteger, readString } from '../block-reader.js';
import type { Block } from '../block-reader.js';
import { fetchJwkSet } from './jwk-fetch.js';
import { parseJwkSet } from './jwk-set.js';
import { JwkKeySet } from './key-set.js';

export type KeySource = { kind: 'url'; url: string; caFile: string } | { kind: 'file'; path: string };

/**
 * A block KrakenD loads but whose component cannot work: krakend-jose answers every request of the
 * endpoint with a bare 401 (gin/jose.go `erroredHandler`), and so does Portico.
 */
export interface UnusableSource {
  kind: 'unusable';
  reason: string;
  hint: string;
}

/**
 * The source a block names. krakend-jose checks `jwk_url` for `https://` before anything else, even
 * when the keys come from `jwk_local_path` (jws.go `GetSignatureConfig`), so a local file also needs
 * `disable_jwk_security`; then `jwk_local_path` wins over `jwk_url` (jwk.go `SecretProvider`), and
 * `secret_url` only decrypts that file.
 */
export function keySourceOf(block: Block): KeySource | UnusableSource {
  const url = readString(block, 'jwk_url');
  const localPath = readString(block, 'jwk_local_path');
  const insecureAllowed = readBoolean(block, 'disable_jwk_security');
  if (!url.startsWith('https://') && !insecureAllowed) {
    const reason = url === '' ? 'the key source is not an https jwk_url' : `jwk_url ${JSON.stringify(url)} is not https`;
    return { kind: 'unusable', reason, hint: 'use an https jwk_url, or set "disable_jwk_security": true to allow http and jwk_local_path' };
  }
  if (localPath !== '') {
    if (readString(block, 'secret_url') !== '') {
      return { kind: 'unusable', reason: 'encrypted JWK sets (jwk_local_path with secret_url) are not supported by Portico yet', hint: 'decrypt the JWK set file and drop secret_url' };
    }
    return { kind: 'file', path: localPath };
  }
  if (url === '') return { kind: 'unusable', reason: 'there is no jwk_url or jwk_local_path to read keys from', hint: 'set jwk_url or jwk_local_path' };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { kind: 'unusable', reason: `jwk_url ${JSON.stringify(url)} is not a URL`, hint: 'set jwk_url to the JWK set URL of the identity provider' };
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    return { kind: 'unusable', reason: `jwk_url ${JSON.stringify(url)} is not an http(s) URL`, hint: 'set jwk_url to the JWK set URL of the identity provider' };
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

const KEY_SETS = Symbol('JWK key sets');

/** The shared key set of the block's source in this gateway, started on first use. */
export function keySetFor(block: Block, source: KeySource, context: BuildContext): JwkKeySet {
  const keySets = context.instance(KEY_SETS, () => {
    const owned = new Map<string, JwkKeySet>();
    context.onClose(() => {
      for (const keySet of owned.values()) keySet.stop();
      owned.clear();
    });
    return owned;
  });
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
