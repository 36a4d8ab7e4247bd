/**
 * `Cache-Control` directives (RFC 9111 §5.2) as the cache needs them. Unknown directives are ignored;
 * the qualified forms `no-cache="..."` and `private="..."` are taken as the unqualified ones, which is
 * the conservative reading the RFC allows.
 */
export interface CacheDirectives {
  noStore: boolean;
  noCache: boolean;
  isPrivate: boolean;
  isPublic: boolean;
  mustRevalidate: boolean;
  /** Seconds; undefined when absent or invalid. */
  maxAge: number | undefined;
  sMaxAge: number | undefined;
}

const NONE: CacheDirectives = Object.freeze({ noStore: false, noCache: false, isPrivate: false, isPublic: false, mustRevalidate: false, maxAge: undefined, sMaxAge: undefined });

export function parseCacheControl(value: string | undefined): CacheDirectives {
  if (value === undefined || value === '') return NONE;
  const result = { ...NONE };
  for (const part of splitDirectives(value)) {
    const eq = part.indexOf('=');
    const name = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
    const argument = eq === -1 ? undefined : unquote(part.slice(eq + 1).trim());
    switch (name) {
      case 'no-store':
        result.noStore = true;
        break;
      case 'no-cache':
        result.noCache = true;
        break;
      case 'private':
        result.isPrivate = true;
        break;
      case 'public':
        result.isPublic = true;
        break;
      case 'must-revalidate':
      case 'proxy-revalidate':
        result.mustRevalidate = true;
        break;
      case 'max-age':
        result.maxAge = deltaSeconds(argument);
        // An invalid max-age makes the response stale (§4.2.1): better than fresh forever.
        if (result.maxAge === undefined && argument !== undefined) result.maxAge = 0;
        break;
      case 's-maxage':
        result.sMaxAge = deltaSeconds(argument) ?? (argument !== undefined ? 0 : undefined);
        break;
    }
  }
  return result;
}

/** Splits on commas outside quoted strings. */
function splitDirectives(value: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value.charCodeAt(i);
    if (ch === 34 /* " */) quoted = !quoted;
    else if (ch === 44 /* , */ && !quoted) {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(value.slice(start));
  return parts;
}

function unquote(text: string): string {
  return text.length >= 2 && text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1) : text;
}

/** RFC 9111 §1.2.2: digits only; too-large values saturate. */
export function deltaSeconds(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return value > 2_147_483_648 ? 2_147_483_648 : value;
}
