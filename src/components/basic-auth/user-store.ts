/**
 * Users for `auth/basic`: bcrypt hashes from the config (`users`) and/or an htpasswd file
 * (`htpasswd_path`, bcrypt lines only). bcrypt is slow on purpose, so a verified `user:password` pair
 * is remembered (as a SHA-256 digest, never the password) for `cacheTtlMs`; an unknown user still costs
 * one bcrypt comparison, so timing does not reveal which users exist.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type BcryptModule from 'bcryptjs';
import { lazyRequire } from '../../util/lazy-require.js';

const bcryptjs = lazyRequire<typeof BcryptModule>('bcryptjs');
import { LRUCache } from 'lru-cache';

export type UserVerifier = (user: string, password: string) => Promise<boolean>;

const BCRYPT = /^\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}$/;

export function isBcryptHash(text: string): boolean {
  return BCRYPT.test(text);
}

/** Parses `user:hash` lines; returns the users and the lines that are not bcrypt. */
export function parseHtpasswd(text: string): { users: Map<string, string>; rejected: number[] } {
  const users = new Map<string, string>();
  const rejected: number[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const colon = trimmed.indexOf(':');
    const hash = colon === -1 ? '' : trimmed.slice(colon + 1);
    if (colon <= 0 || !isBcryptHash(hash)) rejected.push(index + 1);
    else users.set(trimmed.slice(0, colon), hash);
  });
  return { users, rejected };
}

export function loadUsers(inline: Record<string, string>, htpasswdPath: string): Map<string, string> {
  const users = htpasswdPath ? parseHtpasswd(readFileSync(htpasswdPath, 'utf8')).users : new Map<string, string>();
  for (const [user, hash] of Object.entries(inline)) users.set(user, hash);
  return users;
}

export function createUserVerifier(users: ReadonlyMap<string, string>, cacheTtlMs: number): UserVerifier {
  // Compared against when the user does not exist: same cost as a real user's hash.
  const dummyHash = bcryptjs().hashSync(randomBytes(16).toString('hex'), costOf(users.values().next().value) ?? 10);
  const verified = new LRUCache<string, true>({ max: 10_000, ttl: Math.max(cacheTtlMs, 1) });
  return async function verifyUser(user, password) {
    const digest = createHash('sha256').update(user).update('\u0000').update(password).digest('base64');
    if (cacheTtlMs > 0 && verified.get(digest)) return true;
    const hash = users.get(user);
    const ok = await bcryptjs().compare(password, hash ?? dummyHash);
    if (ok && hash !== undefined) {
      if (cacheTtlMs > 0) verified.set(digest, true);
      return true;
    }
    return false;
  };
}

function costOf(hash: string | undefined): number | undefined {
  const match = hash === undefined ? null : /^\$2[abxy]?\$(\d{2})\$/.exec(hash);
  return match ? Number(match[1]) : undefined;
}
