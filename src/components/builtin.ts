/**
 * The built-in components, decoders and renderers, as one list: the registry a program builds from.
 * A new component exports its definition as a named const and is added to `builtinComponents`.
 */
import { coreDecoders } from '../encoding/decode.js';
import { ComponentRegistry } from '../pipeline/registry.js';
import type { ComponentDefinition } from '../pipeline/registry.js';
import { coreRenderers } from '../render/renderers.js';
import { apiKeysComponent } from './api-keys/api-keys.js';
import { basicAuthComponent } from './basic-auth/basic-auth.js';
import { botDetectorComponent } from './bot-detector/bot-detector.js';
import { circuitBreakerComponent } from './circuit-breaker/component.js';
import { clientCredentialsComponent } from './client-credentials/component.js';
import { backendHttpClientNamespace, backendHttpNamespace, routerNamespace } from './core-namespaces.js';
import { pluginHttpClientComponent, pluginHttpServerComponent, pluginModifierComponent } from '../plugins/components.js';
import { loadPluginSet } from '../plugins/plugin-set.js';
import { corsComponent } from './cors/cors.js';
import { extraDecoders, extraRenderers } from './encodings.js';
import { graphqlComponent } from './graphql-namespace.js';
import { httpCacheComponent } from './http-cache/component.js';
import { httpSecureComponent } from './httpsecure/httpsecure.js';
import { jwtSignerComponent } from './jwt/signer.js';
import { jwtValidatorComponent } from './jwt/validator.js';
import { luaEndpointComponent } from './lua/lua-endpoint.js';
import { luaBackendComponent, luaProxyComponent } from './lua/lua-proxy.js';
import { martianComponent } from './martian/component.js';
import { metricsComponent } from './metrics/component.js';
import { proxyComponent } from './proxy-namespace.js';
import { backendRateLimitComponent } from './ratelimit/proxy.js';
import { redisComponent } from './ratelimit/redis-settings.js';
import { routerRateLimitComponent } from './ratelimit/router.js';
import { retryComponent } from './retry/component.js';
import { revokerComponent } from './revoker/component.js';
import { celComponent } from './validation/cel.js';
import { jsonSchemaComponent } from './validation/json-schema.js';
import { loggingComponent, gelfComponent, logstashComponent } from './logging/component.js';
import { influxComponent } from './influx/component.js';
import { amqpProducerComponent } from './amqp/producer.js';
import { amqpConsumerComponent } from './amqp/consumer.js';
import { pubsubPublisherComponent, pubsubSubscriberComponent } from './pubsub/component.js';
import { lambdaComponent } from './lambda/component.js';
import { openTelemetryComponent, openCensusComponent } from './opentelemetry/component.js';
import { websocketComponent } from './websocket/component.js';
import { compressionComponent } from './compression/component.js';
import { conditionalComponent } from './conditional/component.js';
import { openApiDocumentationComponent } from './documentation-openapi.js';

export const builtinComponents: readonly ComponentDefinition[] = [
  routerNamespace,
  backendHttpNamespace,
  backendHttpClientNamespace,
  pluginHttpServerComponent,
  pluginHttpClientComponent,
  pluginModifierComponent,
  corsComponent,
  httpSecureComponent,
  botDetectorComponent,
  jwtValidatorComponent,
  jwtSignerComponent,
  apiKeysComponent,
  basicAuthComponent,
  proxyComponent,
  graphqlComponent,
  redisComponent,
  routerRateLimitComponent,
  backendRateLimitComponent,
  circuitBreakerComponent,
  httpCacheComponent,
  retryComponent,
  jsonSchemaComponent,
  celComponent,
  luaProxyComponent,
  luaBackendComponent,
  luaEndpointComponent,
  martianComponent,
  clientCredentialsComponent,
  revokerComponent,
  metricsComponent,
  openApiDocumentationComponent,
  conditionalComponent,
  compressionComponent,
  websocketComponent,
  openTelemetryComponent,
  openCensusComponent,
  lambdaComponent,
  pubsubPublisherComponent,
  pubsubSubscriberComponent,
  amqpConsumerComponent,
  amqpProducerComponent,
  influxComponent,
  loggingComponent,
  gelfComponent,
  logstashComponent,
];

export const builtinDecoders = { ...coreDecoders, ...extraDecoders };
export const builtinRenderers = { ...coreRenderers, ...extraRenderers };

/** The registry of everything built in, plus `extra` components (plugins). */
export function createBuiltinRegistry(extra: readonly ComponentDefinition[] = []): ComponentRegistry {
  return new ComponentRegistry({
    components: [...builtinComponents, ...extra],
    decoders: builtinDecoders,
    renderers: builtinRenderers,
    loadPlugins: loadPluginSet,
  });
}
