/** The JWK set document (RFC 7517 §5): an object with a `keys` array. */
import type { JWK } from 'jose';

export interface JsonWebKeySet {
  keys: JWK[];
}

export function parseJwkSet(text: string): JsonWebKeySet {
  const document = JSON.parse(text) as unknown;
  if (document === null || typeof document !== 'object' || !Array.isArray((document as { keys?: unknown }).keys)) {
    throw new Error('not a JWK set: expected an object with a "keys" array');
  }
  const keys = ((document as { keys: unknown[] }).keys).filter((key): key is JWK => key !== null && typeof key === 'object' && typeof (key as JWK).kty === 'string');
  return { keys };
}
