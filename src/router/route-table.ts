/**
 * Method + path → handler, on find-my-way (radix tree; matches the raw path, so `%2F` stays inside one
 * segment, and decodes parameters). On a miss it answers as KrakenD's gin engine does: redirect to the
 * path with/without the trailing slash, or to the cleaned, case-corrected path; else 405 when another
 * method matches, else 404.
 */
import FindMyWay from 'find-my-way';
import type { HTTPVersion, Instance } from 'find-my-way';

export interface RouteMatch<T> {
  handler: T;
  params: Record<string, string>;
  /** Matched by a wildcard route (`/foo/*`): anything more specific, the gateway's own paths included, wins. */
  isWildcard: boolean;
}

export type Miss = { kind: 'redirect'; location: string } | { kind: 'method-not-allowed'; allowed: string[] } | { kind: 'not-found' };

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

export class RouteTable<T> {
  private readonly tree: Instance<HTTPVersion.V1>;
  private readonly patterns: { method: string; segments: string[] }[] = [];

  constructor(private readonly options: { redirectTrailingSlash: boolean; redirectFixedPath: boolean; handleMethodNotAllowed: boolean }) {
    this.tree = FindMyWay({ maxParamLength: 8192, caseSensitive: true, ignoreTrailingSlash: false, ignoreDuplicateSlashes: false });
  }

  /**
   * `path` in KrakenD syntax (`/users/{id}`, or `/files/*` for a wildcard). find-my-way tries static
   * segments, then parameters, then wildcards, backtracking: explicit routes win over wildcards.
   */
  add(method: string, path: string, handler: T): void {
    const route = toRouterSyntax(path);
    this.tree.on(method as 'GET', route, () => undefined, { handler, isWildcard: path.endsWith('/*') });
    this.patterns.push({ method, segments: path.split('/') });
  }

  has(method: string, path: string): boolean {
    return this.tree.hasRoute(method as 'GET', toRouterSyntax(path));
  }

  find(method: string, path: string): RouteMatch<T> | undefined {
    const found = this.tree.find(method as 'GET', path);
    if (found === null) return undefined;
    const store = found.store as { handler: T; isWildcard: boolean };
    return { handler: store.handler, params: found.params as Record<string, string>, isWildcard: store.isWildcard };
  }

  /** Methods with a route for exactly this path. */
  allowedMethods(path: string): string[] {
    return METHODS.filter((method) => this.find(method, path) !== undefined);
  }

  miss(method: string, path: string): Miss {
    if (this.options.redirectTrailingSlash && path !== '/') {
      const alternative = path.endsWith('/') ? path.slice(0, -1) : `${path}/`;
      if (this.find(method, alternative)) return { kind: 'redirect', location: alternative };
    }
    if (this.options.redirectFixedPath) {
      const fixed = this.fixedPath(method, cleanPath(path));
      if (fixed !== undefined && fixed !== path) return { kind: 'redirect', location: fixed };
    }
    if (this.options.handleMethodNotAllowed) {
      const allowed = METHODS.filter((other) => other !== method && this.find(other, path) !== undefined);
      if (allowed.length > 0) return { kind: 'method-not-allowed', allowed };
    }
    return { kind: 'not-found' };
  }

  /** A registered path equal to `path` ignoring case (static segments take the registered spelling). */
  private fixedPath(method: string, path: string): string | undefined {
    const segments = path.split('/');
    for (const pattern of this.patterns) {
      const isWildcard = pattern.segments[pattern.segments.length - 1] === '*';
      if (pattern.method !== method || (isWildcard ? segments.length < pattern.segments.length : pattern.segments.length !== segments.length)) continue;
      let matches = true;
      const out: string[] = [];
      for (let i = 0; i < segments.length; i++) {
        const expected = pattern.segments[i] as string;
        if (isWildcard && i === pattern.segments.length - 1) {
          out.push(...segments.slice(i));
          break;
        }
        const actual = segments[i] as string;
        if (/^\{.+\}$/.test(expected)) {
          if (actual === '') {
            matches = false;
            break;
          }
          out.push(actual);
        } else if (expected.toLowerCase() === actual.toLowerCase()) out.push(expected);
        else {
          matches = false;
          break;
        }
      }
      if (matches) return out.join('/');
    }
    return undefined;
  }
}

/** `{id}` → `:id`; find-my-way reads `:` as a parameter and `::` as a literal colon. */
function toRouterSyntax(path: string): string {
  const withColons = path.includes(':') ? path.replace(/:/g, '::') : path;
  return withColons.includes('{') ? withColons.replace(/\{([a-zA-Z\-_0-9]+)\}/g, ':$1') : withColons;
}

/** Go's `path.Clean` as httprouter's CleanPath uses it: no `//`, `.` or `..` segments. */
export function cleanPath(path: string): string {
  const trailing = path.length > 1 && path.endsWith('/');
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  let cleaned = `/${out.join('/')}`;
  if (trailing && cleaned !== '/') cleaned += '/';
  return cleaned;
}
