/**
 * The console never shows a secret: values under keys that name one (passwords, tokens, keys, client
 * secrets) are replaced, and so are the password of a URL's user info and the values of credential-like
 * query parameters. Masking happens once, when the model is built; nothing secret reaches the browser.
 */

export const MASK = '••••••';

const SECRET_KEY = /(secret|passw|pwd|token|api[-_]?key|^keys?$|private|credential|authorization|cookie|salt|signature|shared_key|access[-_]?key|jwk_local|cert)/i;
const SECRET_QUERY = /^(key|api[-_]?key|token|access_token|secret|password|pass|sig|signature|auth|client_secret)$/i;

/** A copy of a config value with every secret replaced by `MASK`. */
export function maskSecrets(value: unknown, key = ''): unknown {
  if (value === null || value === undefined) return value;
  if (key !== '' && SECRET_KEY.test(key) && typeof value !== 'boolean' && typeof value !== 'number') {
    // A list of objects under such a key (auth/api-keys `keys`) keeps its shape: only its strings go.
    if (Array.isArray(value) || typeof value === 'object') return maskNested(value);
    return MASK;
  }
  if (typeof value === 'string') return maskUrl(value);
  if (Array.isArray(value)) return value.map((item) => maskSecrets(item));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [name, nested] of Object.entries(value as Record<string, unknown>)) out[name] = maskSecrets(nested, name);
    return out;
  }
  return value;
}

function maskNested(value: unknown): unknown {
  if (typeof value === 'string') return MASK;
  if (Array.isArray(value)) return value.map(maskNested);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [name, nested] of Object.entries(value as Record<string, unknown>)) out[name] = maskNested(nested);
    return out;
  }
  return value;
}

/** `https://user:pw@host/p?token=x` → `https://user:••••••@host/p?token=••••••`; other strings unchanged. */
export function maskUrl(text: string): string {
  if (text.startsWith('/')) return maskQuery(text);
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return text;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return text.replace(/\/\/([^/@:]*):[^/@]*@/, `//$1:${MASK}@`);
  }
  let changed = false;
  if (url.password !== '') {
    url.password = 'MASKED';
    changed = true;
  }
  for (const name of [...url.searchParams.keys()]) {
    if (SECRET_QUERY.test(name)) {
      url.searchParams.set(name, 'MASKED');
      changed = true;
    }
  }
  if (!changed) return text;
  // URL keeps `{param}` placeholders percent-encoded; put them back as written.
  return url.toString().replace(/MASKED/g, MASK).replace(/%7B/gi, '{').replace(/%7D/gi, '}');
}

/** A path's query (`/b?api_key=x&q=1` → `/b?api_key=••••••&q=1`), textually, so placeholders stay as written. */
export function maskQuery(path: string): string {
  const mark = path.indexOf('?');
  if (mark < 0) return path;
  const query = path
    .slice(mark + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals < 0 ? pair : pair.slice(0, equals);
      return equals >= 0 && SECRET_QUERY.test(decodeURIComponentSafe(name)) ? `${name}=${MASK}` : pair;
    })
    .join('&');
  return `${path.slice(0, mark + 1)}${query}`;
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
