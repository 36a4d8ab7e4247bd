/**
 * Components own a KrakenD namespace under `extra_config`. Each contributes the JSON Schema of its block
 * (so `check --lint` knows it) and, optionally, semantic checks run at load time. The middleware each
 * one adds is wired by the layer that owns it, in the order listed in `src/pipeline/order.ts`.
 */
import type { ConfigIssues } from '../config/issues.js';
import type { NamespaceSchemas, JsonSchema } from '../config/schema.js';
import type { KeyPath } from '../config/source.js';
import type { EndpointConfig, ServiceConfig } from '../config/types.js';
import type { ComponentFactories } from '../pipeline/types.js';

export type Scope = 'service' | 'endpoint' | 'backend';

export interface ComponentDefinition extends ComponentFactories {
  namespace: string;
  /** Schema of the block at each scope where it may appear. */
  schemas: Partial<Record<Scope, JsonSchema>>;
  /**
   * Asynchronous set-up needed before `validate` and the factories run (loading a WebAssembly runtime),
   * done once, only when the namespace appears in the config being loaded.
   */
  prepare?(): Promise<void>;
  /** Semantic checks beyond the schema; report through `issues` at `at` (the namespace's key path). */
  validate?(block: Record<string, unknown>, scope: Scope, at: KeyPath, issues: ConfigIssues, service: ServiceConfig): void;
}

const components = new Map<string, ComponentDefinition>();

export function registerComponent(definition: ComponentDefinition): void {
  if (components.has(definition.namespace)) throw new Error(`component ${definition.namespace} registered twice`);
  components.set(definition.namespace, definition);
}

export function registeredComponents(): ComponentDefinition[] {
  return [...components.values()];
}

export function namespaceSchemas(): NamespaceSchemas {
  const result: NamespaceSchemas = { service: {}, endpoint: {}, backend: {} };
  for (const component of components.values()) {
    for (const scope of ['service', 'endpoint', 'backend'] as const) {
      const schema = component.schemas[scope];
      if (schema) result[scope][component.namespace] = schema;
    }
  }
  return result;
}

/** Runs the `prepare` step of every component whose namespace the config uses. */
export async function prepareComponents(service: ServiceConfig): Promise<void> {
  const used = new Set<string>(Object.keys(service.extraConfig));
  for (const endpoint of pipesOf(service)) {
    for (const namespace of Object.keys(endpoint.extraConfig)) used.add(namespace);
    for (const backend of endpoint.backends) for (const namespace of Object.keys(backend.extraConfig)) used.add(namespace);
  }
  const steps: Promise<void>[] = [];
  for (const namespace of used) {
    const step = components.get(namespace)?.prepare?.();
    if (step) steps.push(step);
  }
  await Promise.all(steps);
}

/** Runs every component's own checks on the blocks present in the config. */
export function validateComponentConfigs(service: ServiceConfig, issues: ConfigIssues): void {
  const visit = (extra: Readonly<Record<string, unknown>>, scope: Scope, at: KeyPath): void => {
    for (const [namespace, block] of Object.entries(extra)) {
      const component = components.get(namespace);
      // A list reaches only a component whose schema asks for one (a misplaced list is a schema error).
      if (component?.validate && block !== null && typeof block === 'object' && (!Array.isArray(block) || component.schemas[scope]?.['type'] === 'array')) {
        component.validate(block as Record<string, unknown>, scope, [...at, 'extra_config', namespace], issues, service);
      }
    }
  };
  visit(service.extraConfig, 'service', []);
  for (const endpoint of pipesOf(service)) {
    visit(endpoint.extraConfig, 'endpoint', endpoint.at);
    for (const backend of endpoint.backends) visit(backend.extraConfig, 'backend', backend.at);
  }
}

/** The endpoints, and the pipes async agents send their messages through (built like endpoints). */
function pipesOf(service: ServiceConfig): EndpointConfig[] {
  return service.asyncAgents === undefined ? service.endpoints : [...service.endpoints, ...service.asyncAgents.map((agent) => agent.endpoint)];
}

export function componentFor(namespace: string): ComponentDefinition | undefined {
  return components.get(namespace);
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
