/**
 * What the console shows of a config, built once from a loaded config: every endpoint with its method,
 * its pipeline in the order the layers run (router layer, proxy layer, then each backend with its backend
 * and client layers), where it is in the file, and the `check` and `audit` findings that concern it.
 * Secrets are masked here (mask.ts), so the browser never receives one.
 */
import { audit } from '../audit/audit.js';
import { ginRouteName, luraBackendName } from '../components/metrics/component.js';
import { buildSubject } from '../audit/subject.js';
import type { ConfigIssue } from '../config/issues.js';
import type { LoadResult } from '../config/load.js';
import type { KeyPath } from '../config/source.js';
import type { BackendConfig, EndpointConfig } from '../config/types.js';
import { BACKEND_ORDER, CLIENT_ORDER, ENDPOINT_ORDER, PROXY_ORDER, SERVICE_ORDER, SERVICE_WIDE } from '../pipeline/order.js';
import { maskQuery, maskSecrets, maskUrl } from './mask.js';
import type { ConsoleEndpoint, ConsoleFinding, ConsoleModel, ConsoleStage } from './api.js';

export type { ConsoleBackend, ConsoleEndpoint, ConsoleFinding, ConsoleModel, ConsoleStage } from './api.js';

function stages(extra: Readonly<Record<string, unknown>>, order: readonly string[]): ConsoleStage[] {
  return order.filter((namespace) => namespace in extra).map((namespace) => ({ namespace, config: maskSecrets(extra[namespace]) }));
}

function others(extra: Readonly<Record<string, unknown>>, listed: readonly (readonly string[])[]): ConsoleStage[] {
  const known = new Set(listed.flat());
  return Object.keys(extra)
    .filter((namespace) => !known.has(namespace))
    .sort()
    .map((namespace) => ({ namespace, config: maskSecrets(extra[namespace]) }));
}

/** The endpoint index a key path points into (`endpoints[3]…`), if any. */
function endpointIndexOf(keyPath: string): number | undefined {
  const match = /^endpoints\[(\d+)\]/.exec(keyPath);
  return match ? Number(match[1]) : undefined;
}

export function buildConsoleModel(file: string, loaded: LoadResult): ConsoleModel {
  const locate = (at: KeyPath): number | undefined => loaded.document?.locate(at)?.line;
  const findings: ConsoleFinding[] = loaded.issues.map((issue: ConfigIssue) => ({
    source: 'check',
    severity: issue.severity,
    code: issue.code,
    message: issue.message,
    keyPath: issue.keyPath,
    ...(issue.position ? { line: issue.position.line } : {}),
  }));
  if (loaded.raw !== undefined) {
    const result = audit(buildSubject(loaded.raw), { locate: (path) => loaded.document?.locate(path) });
    for (const recommendation of result.Recommendations) {
      const locations = recommendation.Locations.length > 0 ? recommendation.Locations : [{ keyPath: '' }];
      for (const location of locations) {
        findings.push({
          source: 'audit',
          severity: recommendation.Severity,
          code: recommendation.Rule,
          message: recommendation.Message,
          keyPath: location.keyPath,
          ...('line' in location && location.line !== undefined ? { line: location.line } : {}),
        });
      }
    }
  }
  const config = loaded.config;
  const serviceExtra = config?.extraConfig ?? {};
  const serviceWide = [...SERVICE_WIDE].filter((namespace) => namespace in serviceExtra);
  const endpoints: ConsoleEndpoint[] = (config?.endpoints ?? []).map((endpoint: EndpointConfig, index) => {
    const router = stages(endpoint.extraConfig, ENDPOINT_ORDER);
    for (const namespace of serviceWide) if (!router.some((stage) => stage.namespace === namespace)) router.unshift({ namespace, config: '(service-wide)' });
    const line = locate(endpoint.at);
    return {
      id: `e${index}`,
      method: endpoint.method,
      path: endpoint.path,
      route: ginRouteName(endpoint.path),
      ...(line !== undefined ? { line } : {}),
      timeoutMs: endpoint.timeoutMs,
      outputEncoding: endpoint.outputEncoding,
      router,
      proxy: stages(endpoint.extraConfig, PROXY_ORDER),
      other: others(endpoint.extraConfig, [ENDPOINT_ORDER, PROXY_ORDER]),
      backends: endpoint.backends.map((backend: BackendConfig, backendIndex) => {
        const backendLine = locate(backend.at);
        return {
          id: `e${index}b${backendIndex}`,
          hosts: backend.hosts.map(maskUrl),
          urlPattern: maskUrl(backend.urlPattern),
          metric: maskQuery(luraBackendName(backend.urlPattern)),
          method: backend.method,
          encoding: backend.encoding,
          backend: stages(backend.extraConfig, BACKEND_ORDER),
          client: stages(backend.extraConfig, CLIENT_ORDER),
          other: others(backend.extraConfig, [BACKEND_ORDER, CLIENT_ORDER]),
          ...(backendLine !== undefined ? { line: backendLine } : {}),
        };
      }),
      findings: [],
    };
  });
  const general: ConsoleFinding[] = [];
  for (const finding of findings) {
    const index = endpointIndexOf(finding.keyPath);
    const endpoint = index === undefined ? undefined : endpoints[index];
    if (endpoint) endpoint.findings.push(finding);
    else general.push(finding);
  }
  const raw = loaded.raw ?? {};
  return {
    file,
    name: typeof raw['name'] === 'string' ? raw['name'] : '',
    port: config?.port ?? (typeof raw['port'] === 'number' ? raw['port'] : 8080),
    valid: config !== undefined && !loaded.issues.some((issue) => issue.severity === 'error'),
    service: [...stages(serviceExtra, SERVICE_ORDER), ...others(serviceExtra, [SERVICE_ORDER])],
    endpoints,
    findings: general,
  };
}

