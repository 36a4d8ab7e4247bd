/**
 * Reading claims the way KrakenD's JWT layer does: dotted keys walk nested objects (unless the key is a
 * URL-like claim name such as `http://example.com/roles`), and values become strings for headers and
 * URL placeholders (integral numbers without decimals, arrays joined with commas, objects as JSON).
 */
export type Claims = Record<string, unknown>;

/** The value at `key`, trying the literal name first and then the nested path. */
export function claimAt(claims: Claims, key: string, nested: boolean): unknown {
  if (key in claims) return claims[key];
  if (!nested || !key.includes('.') || key.startsWith('http')) return undefined;
  let current: unknown = claims;
  for (const part of key.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = (current as Claims)[part];
  }
  return current;
}

export function claimText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(6);
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map((item) => (typeof item === 'object' && item !== null ? JSON.stringify(item) : String(item))).join(',');
  return JSON.stringify(value);
}

/** Values of a roles or scopes claim: an array of strings, or one space-separated string. */
export function claimList(value: unknown): string[] {
  if (typeof value === 'string') return value.split(' ').filter((item) => item !== '');
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return [];
}

/** A matcher over a list claim: `any` needs one required value present, `all` needs every one. */
export function createListMatcher(key: string, nested: boolean, required: string[], mode: 'any' | 'all'): ((claims: Claims) => boolean) | undefined {
  if (required.length === 0) return undefined;
  return function hasRequired(claims) {
    const present = new Set(claimList(claimAt(claims, key, nested)));
    return mode === 'all' ? required.every((item) => present.has(item)) : required.some((item) => present.has(item));
  };
}
