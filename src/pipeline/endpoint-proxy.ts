/**
 * Composes the proxy of one endpoint from its backends, in KrakenD's layer order (krakend-ce
 * `proxy_factory.go` / `backend_factory.go`, lura `proxy/factory.go`). Components add their middleware
 * at the marked places; a layer that is not configured is not in the chain.
 */
import type { EndpointConfig, ServiceConfig } from '../config/types.js';
import { createHttpBackend } from '../proxy/http-backend.js';
import { createParallelMerge } from '../proxy/merge.js';
import type { Proxy } from '../proxy/types.js';
import { compileUrlPattern } from '../proxy/url-template.js';
import { createDirectCall } from '../transport/backend-call.js';
import { composeBackend, composeClient, composeProxy } from './compose.js';
import type { BuildContext } from './types.js';

export interface PipelineContext extends BuildContext {
  maxBodyBytes: number;
}

export interface EndpointPipeline {
  proxy: Proxy;
  /** Endpoint params some backend places in a URL path segment: these are checked for unsafe values. */
  pathParams: Set<string>;
}

export function buildEndpointProxy(endpoint: EndpointConfig, service: ServiceConfig, context: PipelineContext): EndpointPipeline {
  const pathParams = new Set<string>();
  const backends = endpoint.backends.map((backend) => {
    for (const name of compileUrlPattern(backend.urlPattern).pathParams) if (endpoint.params.includes(name)) pathParams.add(name);
    const call = composeClient(createDirectCall(context.agent), backend, endpoint, context);
    const http = createHttpBackend(backend, { transport: service.transport, agent: context.agent, maxBodyBytes: context.maxBodyBytes, ...(call ? { call } : {}) });
    return composeBackend(http, backend, endpoint, context);
  });
  const merged = backends.length === 1 ? (backends[0] as Proxy) : createParallelMerge(backends, endpoint.timeoutMs);
  return { proxy: composeProxy(merged, endpoint, context), pathParams };
}
