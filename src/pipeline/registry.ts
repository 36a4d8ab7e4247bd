/**
 * The explicit component registry. A component owns a KrakenD namespace under `extra_config`: it
 * contributes the JSON Schema of its block (so `check --lint` knows it), optional checks run at load
 * time, and middleware factories per layer, wired in the order listed in `order.ts`. The registry is
 * built from a list (`components/builtin.ts`, plus plugins) and handed to config loading and to the
 * gateway build; nothing registers itself on import.
 */
import type { ConfigExtensions, LoadedPluginSet } from '../config/extensions.js';
import type { ConfigIssues } from '../config/issues.js';
import type { NamespaceSchemas, JsonSchema } from '../config/schema.js';
import type { KeyPath } from '../config/source.js';
import type { BackendConfig, EndpointConfig, ServiceConfig } from '../config/types.js';
import type { Proxy } from '../proxy/types.js';
import { coreDecoders } from '../encoding/decode.js';
import type { Decoder, DecoderFactory } from '../encoding/decode.js';
import { coreRenderers } from '../render/renderers.js';
import type { Renderer } from '../render/renderers.js';
import type { BuildContext, ClaimsRejecter, ComponentFactories } from './types.js';

export type Scope = 'service' | 'endpoint' | 'backend';

/** Where a block sits: its endpoint (or async agent's pipe) and backend; none at service scope. */
export interface BlockOwner {
  endpoint?: EndpointConfig;
  backend?: BackendConfig;
}

export interface ComponentDefinition extends ComponentFactories {
  /** Chooses, per request, which of an endpoint's backends run (`backend/conditional`); wraps them at build time. */
  selectBackends?(backends: readonly BackendConfig[], proxies: readonly Proxy[]): readonly Proxy[];
  namespace: string;
  /** Schema of the block at each scope where it may appear. */
  schemas: Partial<Record<Scope, JsonSchema>>;
  /**
   * Asynchronous set-up needed before `validate` and the factories run (loading a WebAssembly runtime),
   * done once, only when the namespace appears in the config being loaded.
   */
  prepare?(): Promise<void>;
  /**
   * Semantic checks beyond the schema; report through `issues` at `at` (the namespace's key path).
   * `owner` names the endpoint (or async agent) and the backend the block is in.
   */
  validate?(block: Record<string, unknown>, scope: Scope, at: KeyPath, issues: ConfigIssues, service: ServiceConfig, owner: BlockOwner): void;
  /**
   * krakend-jose's `RejecterFactory`: refuses, by its claims, a token `auth/validator` has verified on
   * `endpoint` (a bare 401, before roles and scopes are checked). Asked whether or not the namespace is
   * set; returns `undefined` when it has nothing to refuse there.
   */
  tokenRejecter?(endpoint: EndpointConfig, context: BuildContext): ClaimsRejecter | undefined;
}

export interface RegistryContents {
  components: readonly ComponentDefinition[];
  /** Backend `encoding` names and their decoders; an unknown encoding decodes as `json`, as in KrakenD. */
  decoders: Readonly<Record<string, DecoderFactory>>;
  /** `output_encoding` names and their renderers; an unknown one renders as `json` (lura `getRender`). */
  renderers: Readonly<Record<string, Renderer>>;
  /** Imports the TypeScript plugins a config names (src/plugins). */
  loadPlugins?: ConfigExtensions['loadPlugins'];
}

export class ComponentRegistry implements ConfigExtensions {
  readonly #components = new Map<string, ComponentDefinition>();
  readonly #decoders: ReadonlyMap<string, DecoderFactory>;
  readonly #renderers: ReadonlyMap<string, Renderer>;
  #schemas: NamespaceSchemas | undefined;
  readonly #loadPlugins: RegistryContents['loadPlugins'];

  constructor(contents: RegistryContents) {
    this.#loadPlugins = contents.loadPlugins;
    for (const definition of contents.components) {
      if (this.#components.has(definition.namespace)) throw new Error(`component ${definition.namespace} listed twice`);
      this.#components.set(definition.namespace, definition);
    }
    this.#decoders = new Map(Object.entries(contents.decoders));
    this.#renderers = new Map(Object.entries(contents.renderers));
    if (!this.#decoders.has('json') || !this.#renderers.has('json')) throw new Error('a registry needs the json decoder and renderer');
  }

  /** The TypeScript plugins a config names; none without a plugin loader. */
  loadPlugins(raw: Record<string, unknown>, issues: ConfigIssues): Promise<LoadedPluginSet> {
    return this.#loadPlugins ? this.#loadPlugins(raw, issues) : Promise.resolve({ provided: new Map(), attach: () => undefined });
  }

  get(namespace: string): ComponentDefinition | undefined {
    return this.#components.get(namespace);
  }

  list(): ComponentDefinition[] {
    return [...this.#components.values()];
  }

  namespaceSchemas(): NamespaceSchemas {
    if (this.#schemas) return this.#schemas;
    const result: NamespaceSchemas = { service: {}, endpoint: {}, backend: {} };
    for (const component of this.#components.values()) {
      for (const scope of ['service', 'endpoint', 'backend'] as const) {
        const schema = component.schemas[scope];
        if (schema) result[scope][component.namespace] = schema;
      }
    }
    this.#schemas = result;
    return result;
  }

  /** Runs the `prepare` step of every component whose namespace the config uses. */
  async prepare(service: ServiceConfig): Promise<void> {
    const used = new Set<string>(Object.keys(service.extraConfig));
    for (const endpoint of pipesOf(service)) {
      for (const namespace of Object.keys(endpoint.extraConfig)) used.add(namespace);
      for (const backend of endpoint.backends) for (const namespace of Object.keys(backend.extraConfig)) used.add(namespace);
    }
    const steps: Promise<void>[] = [];
    for (const namespace of used) {
      const step = this.#components.get(namespace)?.prepare?.();
      if (step) steps.push(step);
    }
    await Promise.all(steps);
  }

  /** Runs every component's own checks on the blocks present in the config. */
  validate(service: ServiceConfig, issues: ConfigIssues): void {
    const visit = (extra: Readonly<Record<string, unknown>>, scope: Scope, at: KeyPath, owner: BlockOwner): void => {
      for (const [namespace, block] of Object.entries(extra)) {
        const component = this.#components.get(namespace);
        // A list reaches only a component whose schema asks for one (a misplaced list is a schema error).
        if (component?.validate && block !== null && typeof block === 'object' && (!Array.isArray(block) || component.schemas[scope]?.['type'] === 'array')) {
          component.validate(block as Record<string, unknown>, scope, [...at, 'extra_config', namespace], issues, service, owner);
        }
      }
    };
    visit(service.extraConfig, 'service', [], {});
    for (const endpoint of pipesOf(service)) {
      visit(endpoint.extraConfig, 'endpoint', endpoint.at, { endpoint });
      for (const backend of endpoint.backends) visit(backend.extraConfig, 'backend', backend.at, { endpoint, backend });
    }
  }

  decoderFor(encoding: string, isCollection: boolean): Decoder {
    return (this.#decoders.get(encoding) ?? (this.#decoders.get('json') as DecoderFactory))(isCollection);
  }

  /** True when `encoding` decodes with lura's own `json` decoder (no component replaced it). */
  decodesAsCoreJson(encoding: string): boolean {
    return (this.#decoders.get(encoding) ?? this.#decoders.get('json')) === coreDecoders.json;
  }

  /** True when `outputEncoding` renders with lura's own `json` renderer (no component replaced it). */
  rendersAsCoreJson(outputEncoding: string): boolean {
    return this.rendererFor(outputEncoding) === coreRenderers.json;
  }

  rendererFor(outputEncoding: string): Renderer {
    return this.#renderers.get(outputEncoding) ?? (this.#renderers.get('json') as Renderer);
  }

  /** The token rejecters every component offers for `endpoint`, chained; `undefined` when there is none. */
  tokenRejecterFor(endpoint: EndpointConfig, context: BuildContext): ClaimsRejecter | undefined {
    const rejecters: ClaimsRejecter[] = [];
    for (const component of this.#components.values()) {
      const rejecter = component.tokenRejecter?.(endpoint, context);
      if (rejecter) rejecters.push(rejecter);
    }
    if (rejecters.length === 0) return undefined;
    if (rejecters.length === 1) return rejecters[0];
    return (claims) => rejecters.some((rejecter) => rejecter(claims));
  }
}

/**
 * The block a component's factories and `validate` receive. Most namespaces hold an object; a few hold a
 * list (`validation/cel`), which is handed over as is (its schema has already said which): such a
 * component reads it with `Array.isArray`.
 */
export function componentBlockOf(extra: Readonly<Record<string, unknown>>, namespace: string): Record<string, unknown> | undefined {
  const block = extra[namespace];
  return block !== null && typeof block === 'object' ? (block as Record<string, unknown>) : undefined;
}

/** Reads a component's block; `undefined` when the namespace is absent. */
export function blockOf(extra: Readonly<Record<string, unknown>>, namespace: string): Record<string, unknown> | undefined {
  const block = extra[namespace];
  return block !== null && typeof block === 'object' && !Array.isArray(block) ? (block as Record<string, unknown>) : undefined;
}

/** The endpoints, and the pipes async agents send their messages through (built like endpoints). */
function pipesOf(service: ServiceConfig): EndpointConfig[] {
  return service.asyncAgents === undefined ? service.endpoints : [...service.endpoints, ...service.asyncAgents.map((agent) => agent.endpoint)];
}
