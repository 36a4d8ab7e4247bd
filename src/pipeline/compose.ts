import type { BackendConfig, EndpointConfig } from '../config/types.js';
import { componentBlockOf, componentFor } from '../components/registry.js';
import type { Middleware, Proxy } from '../proxy/types.js';
import type { BackendCall } from '../transport/backend-call.js';
import { BACKEND_ORDER, CLIENT_ORDER, ENDPOINT_ORDER, PROXY_ORDER, SERVICE_ORDER } from './order.js';
import type { BackendCallMiddleware, BuildContext, EndpointHandler, HandlerMiddleware, RequestListener, ServiceMiddleware } from './types.js';

/** Applies middlewares so the first in `order` is the outermost. */
function wrap<T>(inner: T, middlewares: ((next: T) => T)[]): T {
  let result = inner;
  for (let i = middlewares.length - 1; i >= 0; i--) result = (middlewares[i] as (next: T) => T)(result);
  return result;
}

export function composeService(listener: RequestListener, context: BuildContext): RequestListener {
  const middlewares: ServiceMiddleware[] = [];
  for (const namespace of SERVICE_ORDER) {
    const block = componentBlockOf(context.service.extraConfig, namespace);
    const middleware = block && componentFor(namespace)?.service?.(block, context);
    if (middleware) middlewares.push(middleware);
  }
  return wrap(listener, middlewares);
}

export function composeEndpoint(handler: EndpointHandler, endpoint: EndpointConfig, context: BuildContext): EndpointHandler {
  const middlewares: HandlerMiddleware[] = [];
  for (const namespace of ENDPOINT_ORDER) {
    const block = componentBlockOf(endpoint.extraConfig, namespace);
    const middleware = block && componentFor(namespace)?.endpoint?.(block, endpoint, context);
    if (middleware) middlewares.push(middleware);
  }
  return wrap(handler, middlewares);
}

export function composeProxy(proxy: Proxy, endpoint: EndpointConfig, context: BuildContext): Proxy {
  const middlewares: Middleware[] = [];
  for (const namespace of PROXY_ORDER) {
    const block = componentBlockOf(endpoint.extraConfig, namespace);
    const middleware = block && componentFor(namespace)?.proxy?.(block, endpoint, context);
    if (middleware) middlewares.push(middleware);
  }
  return wrap(proxy, middlewares);
}

export function composeBackend(proxy: Proxy, backend: BackendConfig, endpoint: EndpointConfig, context: BuildContext): Proxy {
  const middlewares: Middleware[] = [];
  for (const namespace of BACKEND_ORDER) {
    const block = componentBlockOf(backend.extraConfig, namespace);
    const middleware = block && componentFor(namespace)?.backend?.(block, backend, endpoint, context);
    if (middleware) middlewares.push(middleware);
  }
  return wrap(proxy, middlewares);
}

/** The raw exchange of one backend with its client-layer components; `undefined` when it has none. */
export function composeClient(call: BackendCall, backend: BackendConfig, endpoint: EndpointConfig, context: BuildContext): BackendCall | undefined {
  const middlewares: BackendCallMiddleware[] = [];
  for (const namespace of CLIENT_ORDER) {
    const block = componentBlockOf(backend.extraConfig, namespace);
    const middleware = block && componentFor(namespace)?.client?.(block, backend, endpoint, context);
    if (middleware) middlewares.push(middleware);
  }
  return middlewares.length === 0 ? undefined : wrap(call, middlewares);
}
