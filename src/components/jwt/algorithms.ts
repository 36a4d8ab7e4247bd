/** The JWS algorithms KrakenD's JWT components accept, and the JWK key type each needs. */
export const JWT_ALGORITHMS = ['EdDSA', 'HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

export function keyTypeFor(alg: string): 'oct' | 'RSA' | 'EC' | 'OKP' {
  if (alg.startsWith('HS')) return 'oct';
  if (alg.startsWith('RS') || alg.startsWith('PS')) return 'RSA';
  if (alg.startsWith('ES')) return 'EC';
  return 'OKP';
}
