/**
 * A backend `url_pattern` compiled once: literal text and placeholders, each placeholder knowing whether
 * it sits in the path or in the query. Values are encoded for their position so that no value can change
 * which backend path is called or add query parameters.
 */
const PLACEHOLDER = /\{([\w\-.:/]+)\}/g;

export interface CompiledTemplate {
  /** Placeholder names used in the path part. */
  pathParams: string[];
  /** Placeholder names used in the query part. */
  queryParams: string[];
  /** Path placeholders that make up a whole segment (`/users/{id}/x`): a `.` or `..` value there moves the call. */
  segmentParams: string[];
  /** True when the pattern has its own query part (`/x?a=1`). */
  hasQuery: boolean;
  /** Renders path and query (without the client's query strings). */
  render(params: Readonly<Record<string, string>>): string;
}

type Part = string | { name: string; inQuery: boolean };

export function compileUrlPattern(pattern: string): CompiledTemplate {
  const queryStart = pattern.indexOf('?');
  const parts: Part[] = [];
  const pathParams: string[] = [];
  const queryParams: string[] = [];
  let last = 0;
  for (const match of pattern.matchAll(PLACEHOLDER)) {
    const index = match.index as number;
    if (index > last) parts.push(pattern.slice(last, index));
    const name = match[1] as string;
    const inQuery = queryStart !== -1 && index > queryStart;
    parts.push({ name, inQuery });
    (inQuery ? queryParams : pathParams).push(name);
    last = index + match[0].length;
  }
  if (last < pattern.length) parts.push(pattern.slice(last));
  const segmentParams: string[] = [];
  parts.forEach((part, index) => {
    if (typeof part === 'string' || part.inQuery) return;
    const before = parts[index - 1];
    const after = parts[index + 1];
    const startsSegment = before === undefined ? true : typeof before === 'string' && before.endsWith('/');
    const endsSegment = after === undefined ? true : typeof after === 'string' && (after.startsWith('/') || after.startsWith('?'));
    if (startsSegment && endsSegment) segmentParams.push(part.name);
  });

  if (parts.length === 1 && typeof parts[0] === 'string') {
    const constant = parts[0];
    return { pathParams, queryParams, segmentParams, hasQuery: queryStart !== -1, render: () => constant };
  }
  return {
    pathParams,
    queryParams,
    segmentParams,
    hasQuery: queryStart !== -1,
    render(params) {
      let out = '';
      for (const part of parts) {
        if (typeof part === 'string') out += part;
        else {
          const value = params[part.name] ?? '';
          out += part.inQuery ? escapeQueryComponent(value) : escapePathSegment(value);
        }
      }
      return out;
    },
  };
}

const PATH_SAFE = /^[A-Za-z0-9\-._~!$&'()*+,;=:@]*$/;

/** Percent-encodes what a path segment cannot hold; `/` is encoded too, though callers reject it first. */
export function escapePathSegment(value: string): string {
  if (PATH_SAFE.test(value)) return value;
  return encodeURIComponent(value).replace(/%(24|26|2B|2C|3B|3D|3A|40)/g, (escaped) => decodeURIComponent(escaped));
}

/** Go's `url.QueryEscape`: everything but unreserved characters, space as `+`. */
export function escapeQueryComponent(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, '+');
}

/**
 * Go's `url.Values.Encode`: keys sorted, each value escaped. KrakenD forwards the filtered client
 * query this way, so backends see the same string.
 */
export function encodeQuery(query: Readonly<Record<string, string[]>>): string {
  const keys = Object.keys(query).sort();
  let out = '';
  for (const key of keys) {
    const escapedKey = escapeQueryComponent(key);
    for (const value of query[key] as string[]) {
      if (out !== '') out += '&';
      out += `${escapedKey}=${escapeQueryComponent(value)}`;
    }
  }
  return out;
}

/**
 * True when a value cannot be placed in a path segment without changing the URL's shape: separators,
 * dot-segments, encoded bytes left after decoding (double encoding) and control characters.
 */
export function isUnsafePathValue(value: string): boolean {
  if (value === '.' || value === '..') return true;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f || code === 0x2f /* / */ || code === 0x5c /* \ */ || code === 0x3f /* ? */ || code === 0x23 /* # */) return true;
    if (code === 0x25 /* % */ && /^%[0-9A-Fa-f]{2}/.test(value.slice(i, i + 3))) return true;
  }
  return false;
}
