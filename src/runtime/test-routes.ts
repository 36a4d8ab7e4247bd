/**
 * `check -t`: KrakenD's `check --test-gin-routes` builds its gin router from the config (and serves it
 * for a second) so route registrations that panic are caught before deploying (krakend-cobra check.go,
 * RunRouterFunc). Portico builds the whole gateway the same way `run` does, without listening, then
 * requests every endpoint's own path against the route table:
 * - a component or endpoint that fails to build is PRT_ERR_CHECK_BUILD;
 * - an endpoint a request cannot reach as written (a space, `?` or `#` in the path, or shadowed by
 *   another route), or one on the custom health path (gin refuses a second handler there), is
 *   PRT_ERR_CHECK_ROUTES.
 * Start-up rules that the loader already enforces (duplicates, parameter name clashes) are not repeated.
 */
import type { ConfigIssues } from '../config/issues.js';
import type { ServiceConfig } from '../config/types.js';
import type { ComponentRegistry } from '../pipeline/registry.js';
import { RouteTable } from '../router/route-table.js';
import { createGateway } from '../server/gateway.js';
import { createLogger } from '../core/logger.js';

export async function testRoutes(config: ServiceConfig, issues: ConfigIssues, components: ComponentRegistry): Promise<void> {
  const logger = createLogger({ level: 'SILENT', prefix: '[PORTICO]', stdout: false, format: 'default', accessLog: false, skipPaths: [] });
  let gateway: ReturnType<typeof createGateway>;
  try {
    gateway = createGateway(config, { components, logger });
  } catch (error) {
    issues.error({ code: 'PRT_ERR_CHECK_BUILD', message: `building the gateway failed: ${(error as Error).message}` });
    return;
  }
  await gateway.close(0);

  const router = config.router;
  const table = new RouteTable<number>(router);
  config.endpoints.forEach((endpoint, index) => table.add(endpoint.method, endpoint.path, index));
  // A wildcard's sample rest is deeper than any declared route, so only a wildcard can take it.
  const deepest = Math.max(...config.endpoints.map((endpoint) => endpoint.path.split('/').length));
  config.endpoints.forEach((endpoint, index) => {
    const at = [...endpoint.at, 'endpoint'];
    if (router.healthPath !== undefined && endpoint.method === 'GET' && endpoint.path === router.healthPath) {
      issues.error({ code: 'PRT_ERR_CHECK_ROUTES', at, message: `GET ${endpoint.path} is also the health path (router.health_path); KrakenD's router refuses the second handler` });
      return;
    }
    const requestPath = samplePath(endpoint.wildcardDepth === undefined ? endpoint.path : endpoint.path.slice(0, -1) + Array.from({ length: deepest }, () => 'portico-check').join('/'));
    const found = requestPath === undefined ? undefined : table.find(endpoint.method, requestPath);
    if (found?.handler !== index) {
      const reached = found === undefined ? undefined : config.endpoints[found.handler];
      const other = reached === undefined ? '' : ` (it reaches ${reached.at.map((part) => (typeof part === 'number' ? `[${part}]` : part)).join('')} instead)`;
      issues.error({
        code: 'PRT_ERR_CHECK_ROUTES',
        at,
        message: `no request reaches ${endpoint.method} ${endpoint.path}: a client sends ${requestPath ?? 'a different path'}${other}`,
      });
    }
  });
}

/** The path a client would send for an endpoint: parameters filled in, then encoded as URLs are. */
function samplePath(path: string): string | undefined {
  let n = 0;
  const filled = path.replace(/\{[a-zA-Z\-_0-9]+\}/g, () => `portico-check-${++n}`);
  try {
    const url = new URL(filled, 'http://check.invalid');
    return url.pathname;
  } catch {
    return undefined;
  }
}
