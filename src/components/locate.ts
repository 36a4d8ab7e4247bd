/**
 * Finds the endpoint or backend a component block belongs to, from the key path `validate` receives
 * (`[...owner.at, 'extra_config', namespace]`). Some checks need the owner: a `param` strategy must
 * name an endpoint param, a retry block must sit on an idempotent backend.
 */
import type { BackendConfig, EndpointConfig, ServiceConfig } from '../config/types.js';
import type { KeyPath } from '../config/source.js';

function ownerPath(at: KeyPath): KeyPath {
  return at.slice(0, -2);
}

function samePath(a: KeyPath, b: KeyPath): boolean {
  return a.length === b.length && a.every((part, index) => part === b[index]);
}

/** Endpoints, then the pipes of async agents (built like endpoints, at `async_agent[i]`). */
function pipes(service: ServiceConfig): EndpointConfig[] {
  return service.asyncAgents === undefined ? service.endpoints : [...service.endpoints, ...service.asyncAgents.map((agent) => agent.endpoint)];
}

export function endpointAt(service: ServiceConfig, at: KeyPath): EndpointConfig | undefined {
  const path = ownerPath(at);
  return pipes(service).find((endpoint) => samePath(endpoint.at, path));
}

export function backendAt(service: ServiceConfig, at: KeyPath): BackendConfig | undefined {
  const path = ownerPath(at);
  for (const endpoint of pipes(service)) {
    const backend = endpoint.backends.find((candidate) => samePath(candidate.at, path));
    if (backend) return backend;
  }
  return undefined;
}
