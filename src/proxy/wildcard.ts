/**
 * The rest of the path under a wildcard endpoint (`/foo/*`): cut from the raw path once the route matched,
 * and checked as a path parameter is, segment by segment, so it cannot move the backend call elsewhere.
 */
import { isUnsafePathValue } from '../proxy/url-template.js';

/** Returns the rest (still percent-encoded as sent), or undefined when it is unsafe to forward. */
export type WildcardRestReader = (rawPath: string) => string | undefined;

/**
 * `depth` is the number of segments before the `*` (`/api/{v}/*` → 2). With `allowEncodedSeparators`
 * (`router.disable_path_decoding`, as for parameters) `%2F` and `%5C` pass encoded; dot-segments, encoded
 * or not, never do.
 */
export function createWildcardRestReader(depth: number, allowEncodedSeparators: boolean): WildcardRestReader {
  return function readWildcardRest(rawPath) {
    let index = 0;
    for (let seen = 0; seen <= depth; seen++) {
      index = rawPath.indexOf('/', index) + 1;
      if (index === 0) return undefined;
    }
    const rest = rawPath.slice(index);
    for (const segment of rest.split('/')) {
      if (segment === '') continue;
      let decoded: string;
      try {
        decoded = decodeURIComponent(segment);
      } catch {
        return undefined;
      }
      if (allowEncodedSeparators ? hasDotSegment(decoded) : isUnsafePathValue(decoded)) return undefined;
    }
    return rest;
  };
}

function hasDotSegment(decoded: string): boolean {
  return decoded.split(/[/\\]/).some((part) => part === '.' || part === '..');
}

/** Appends the rest to a rendered `url_pattern` target, before its own query part, with one `/` between. */
export function appendWildcardRest(target: string, rest: string): string {
  const queryIndex = target.indexOf('?');
  const path = queryIndex === -1 ? target : target.slice(0, queryIndex);
  const joined = path.endsWith('/') ? path + rest : `${path}/${rest}`;
  return queryIndex === -1 ? joined : joined + target.slice(queryIndex);
}
