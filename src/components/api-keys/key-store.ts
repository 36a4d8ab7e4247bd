/**
 * The API keys of the config, kept only as digests. A presented key is hashed and compared with every
 * stored digest using `timingSafeEqual`, without stopping at the first match, so the answer time does not
 * tell an attacker how close a guess was or which entry matched.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export type KeyHash = 'plain' | 'sha256' | 'sha1';

export interface ApiKeyEntry {
  /** The key as written in the config: the key itself (`plain`) or its hex digest. */
  key: string;
  roles: string[];
}

export interface ApiKeyMatch {
  roles: string[];
}

export type ApiKeyLookup = (presented: string) => ApiKeyMatch | undefined;

export function createKeyLookup(entries: ApiKeyEntry[], hash: KeyHash): ApiKeyLookup {
  // Plain keys are stored as SHA-256 digests too, so every comparison has the same length.
  const algorithm = hash === 'sha1' ? 'sha1' : 'sha256';
  const stored = entries.map((entry) => ({
    digest: hash === 'plain' ? digestOf(algorithm, entry.key) : Buffer.from(entry.key.toLowerCase(), 'hex'),
    roles: entry.roles,
  }));
  return function findKey(presented) {
    const digest = digestOf(algorithm, presented);
    let match: ApiKeyMatch | undefined;
    for (const entry of stored) {
      if (entry.digest.length === digest.length && timingSafeEqual(entry.digest, digest) && match === undefined) match = { roles: entry.roles };
    }
    return match;
  };
}

function digestOf(algorithm: string, text: string): Buffer {
  return createHash(algorithm).update(text, 'utf8').digest();
}
