/**
 * The keys one JWK source offers, kept in memory and refreshed in the background. A token naming an
 * unknown key triggers one immediate re-download (so a rotated key works on its first request); when that
 * download does not have the key either, further unknown keys wait `cooldownMs` before the source is asked
 * again: a flood of forged `kid`s never becomes a flood of requests to the identity provider. The same
 * holds while the first download keeps failing. Downloads are single-flight.
 */
import { loadJose } from './jose.js';
import type { CryptoKey, JWK } from 'jose';
import { keyTypeFor } from './algorithms.js';
import type { JsonWebKeySet } from './jwk-set.js';

export type VerificationKey = CryptoKey | Uint8Array;

export interface KeySetOptions {
  /** Loads the whole set (download or file read). */
  load: () => Promise<JsonWebKeySet>;
  /** Background refresh period; 0 for sources that never change (local files). */
  refreshMs: number;
  cooldownMs: number;
  /** Where the keys come from, for messages. */
  label: string;
  onError: (message: string) => void;
  now?: () => number;
}

export class JwkKeySet {
  private keys: JWK[] = [];
  private loaded = false;
  private loadCount = 0;
  private inFlight: Promise<void> | undefined;
  private lastMissAt = Number.NEGATIVE_INFINITY;
  private readonly imported = new Map<string, Promise<VerificationKey | undefined>>();
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly options: KeySetOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Starts the first download and the background refresh. */
  start(): void {
    void this.refresh();
    if (this.options.refreshMs > 0) {
      this.timer = setInterval(() => void this.refresh(), this.options.refreshMs);
      this.timer.unref();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Changes whenever the keys are replaced, so caches of verified tokens know to start over. */
  get generation(): number {
    return this.loadCount;
  }

  /** Number of keys currently known (for tests and logs). */
  get size(): number {
    return this.keys.length;
  }

  /** The key `id` names for `alg`, downloading the set again once if it is unknown and not cooling down. */
  async keyFor(id: string, alg: string): Promise<VerificationKey | undefined> {
    // A set that never loaded is a miss too: while the source is down, it is asked once per cooldown.
    let jwk = this.loaded ? this.find(id, alg) : undefined;
    if (jwk === undefined) {
      if (this.now() - this.lastMissAt < this.options.cooldownMs) return undefined;
      await this.refresh();
      jwk = this.find(id, alg);
      if (jwk === undefined) {
        // Only a download that did not help starts the cooldown: a real rotation stays one request away.
        this.lastMissAt = this.now();
        return undefined;
      }
    }
    return this.importKey(jwk, alg);
  }

  /** The private or secret key `id` names, for signing. */
  async signingKeyFor(id: string, alg: string): Promise<VerificationKey | undefined> {
    if (!this.loaded) await this.refresh();
    const jwk = this.find(id, alg);
    return jwk === undefined ? undefined : this.importKey(jwk, alg);
  }

  private find(id: string, alg: string): JWK | undefined {
    const kty = keyTypeFor(alg);
    const usable = this.keys.filter((key) => key.kty === kty && key.use !== 'enc' && (key.alg === undefined || key.alg === alg));
    // A token without a key id is accepted only when the set leaves no choice.
    if (id === '') return usable.length === 1 ? usable[0] : undefined;
    return usable.find((key) => key.kid === id);
  }

  private importKey(jwk: JWK, alg: string): Promise<VerificationKey | undefined> {
    const cacheKey = `${jwk.kid ?? ''}\u0000${alg}\u0000${jwk.k ?? jwk.n ?? jwk.x ?? ''}`;
    let key = this.imported.get(cacheKey);
    if (key === undefined) {
      key = loadJose().then(({ importJWK }) => importJWK(jwk, alg)).then(
        (imported) => imported as VerificationKey,
        (error: Error) => {
          this.options.onError(`${this.options.label}: key "${jwk.kid ?? ''}" cannot be used with ${alg}: ${error.message}`);
          return undefined;
        },
      );
      this.imported.set(cacheKey, key);
    }
    return key;
  }

  private refresh(): Promise<void> {
    this.inFlight ??= this.options
      .load()
      .then(
        (set) => {
          this.keys = set.keys;
          this.loaded = true;
          this.loadCount++;
          // Keys that left the set must stop verifying tokens.
          this.imported.clear();
        },
        (error: Error) => {
          // Keep serving the keys we had; an outage of the identity provider is not a reason to reject tokens.
          this.options.onError(`${this.options.label}: ${error.message}`);
        },
      )
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}
