import type { BackendConfig, EndpointConfig, ExtraConfig } from '../config/types.js';
import { componentBlockOf } from './registry.js';
import type { ComponentDefinition, ComponentRegistry } from './registry.js';
import type { Proxy } from '../proxy/types.js';
import type { BackendCall } from '../transport/backend-call.js';
import { BACKEND_ORDER, CLIENT_ORDER, ENDPOINT_ORDER, PROXY_ORDER, SERVICE_ORDER, SERVICE_WIDE } from './order.js';
import type { BuildContext, EndpointHandler, RequestListener } from './types.js';

type Block = NonNullable<ReturnType<typeof componentBlockOf>>;

/** The middlewares of one layer, outermost first: built once, then wrapped around the layer below. */
export type Layer<T> = readonly ((next: T) => T)[];

/**
 * Builds the middlewares of one layer: for each namespace of `order` present in `extra`, the factory
 * `build` picks from its component; absent namespaces and factories returning nothing add no layer.
 * A service-wide namespace (`SERVICE_WIDE`) set at the root reaches every endpoint and backend.
 */
function layerOf<T>(order: readonly string[], extra: ExtraConfig, context: BuildContext, build: (component: ComponentDefinition, block: Block) => ((next: T) => T) | undefined): Layer<T> {
  const registry: ComponentRegistry = context.components;
  const serviceExtra = context.service.extraConfig;
  const middlewares: ((next: T) => T)[] = [];
  for (const namespace of order) {
    const block = componentBlockOf(extra, namespace) ?? (SERVICE_WIDE.has(namespace) ? componentBlockOf(serviceExtra, namespace) : undefined);
    const component = block === undefined ? undefined : registry.get(namespace);
    const middleware = component && block !== undefined ? build(component, block) : undefined;
    if (middleware) middlewares.push(middleware);
  }
  return middlewares;
}

/** `inner` inside the layer's middlewares, the first of them outermost. */
export function wrapWith<T>(inner: T, layer: Layer<T>): T {
  let result = inner;
  for (let i = layer.length - 1; i >= 0; i--) result = (layer[i] as (next: T) => T)(result);
  return result;
}

function composeLayer<T>(inner: T, order: readonly string[], extra: ExtraConfig, context: BuildContext, build: (component: ComponentDefinition, block: Block) => ((next: T) => T) | undefined): T {
  return wrapWith(inner, layerOf(order, extra, context, build));
}

export function composeService(listener: RequestListener, context: BuildContext): RequestListener {
  return composeLayer(listener, SERVICE_ORDER, context.service.extraConfig, context, (component, block) => component.service?.(block, context));
}

export function composeEndpoint(handler: EndpointHandler, endpoint: EndpointConfig, context: BuildContext): EndpointHandler {
  return composeLayer(handler, ENDPOINT_ORDER, endpoint.extraConfig, context, (component, block) => component.endpoint?.(block, endpoint, context));
}

/** The proxy layer of one endpoint: the components around its merge (static, flatmap, CEL, Lua). */
export function proxyLayer(endpoint: EndpointConfig, context: BuildContext): Layer<Proxy> {
  return layerOf(PROXY_ORDER, endpoint.extraConfig, context, (component, block) => component.proxy?.(block, endpoint, context));
}

/** The backend layer of one backend: the components around its call (breaker, rate limit, Lua). */
export function backendLayer(backend: BackendConfig, endpoint: EndpointConfig, context: BuildContext): Layer<Proxy> {
  return layerOf(BACKEND_ORDER, backend.extraConfig, context, (component, block) => component.backend?.(block, backend, endpoint, context));
}

/** The raw exchange of one backend with its client-layer components; `undefined` when it has none. */
export function composeClient(call: BackendCall, backend: BackendConfig, endpoint: EndpointConfig, context: BuildContext): BackendCall | undefined {
  const composed = composeLayer(call, CLIENT_ORDER, backend.extraConfig, context, (component, block) => component.client?.(block, backend, endpoint, context));
  return composed === call ? undefined : composed;
}
