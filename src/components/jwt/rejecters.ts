/**
 * Token rejecters (krakend-jose's `RejecterFactory`): other components may refuse a token the validator
 * has verified, by its claims, before the roles and scopes are checked. A rejected token gets the same
 * bare 401 as an invalid one. `validation/cel` registers one for its `JWT` expressions.
 */
import type { EndpointConfig } from '../../config/types.js';
import type { BuildContext } from '../../pipeline/types.js';
import type { Claims } from './claims.js';

/** Returns true to refuse the token. */
export type ClaimsRejecter = (claims: Claims) => boolean;
export type RejecterFactory = (endpoint: EndpointConfig, context: BuildContext) => ClaimsRejecter | undefined;

const factories: RejecterFactory[] = [];

export function registerTokenRejecter(factory: RejecterFactory): void {
  factories.push(factory);
}

/** The rejecters configured for `endpoint`, chained; `undefined` when there is none. */
export function tokenRejecterFor(endpoint: EndpointConfig, context: BuildContext): ClaimsRejecter | undefined {
  const rejecters: ClaimsRejecter[] = [];
  for (const factory of factories) {
    const rejecter = factory(endpoint, context);
    if (rejecter) rejecters.push(rejecter);
  }
  if (rejecters.length === 0) return undefined;
  if (rejecters.length === 1) return rejecters[0];
  return (claims) => rejecters.some((rejecter) => rejecter(claims));
}
