/**
 * Where components import their contract from. The registry itself is `pipeline/registry.ts`, built
 * from the list in `builtin.ts`.
 */
import type { ComponentDefinition } from '../pipeline/registry.js';

export type { ComponentDefinition, Scope } from '../pipeline/registry.js';
export { blockOf, componentBlockOf } from '../pipeline/registry.js';

const lateRegistrations: ComponentDefinition[] = [];

/**
 * @deprecated For one release, so branches written against the side-effect API merge unchanged: a module
 * imported (for its side effect) by `builtin.ts` may still call this, and the built-in registry includes
 * it. New code lists its definition in `builtinComponents` instead.
 */
export function registerComponent(definition: ComponentDefinition): void {
  lateRegistrations.push(definition);
}

/** @deprecated See `registerComponent`. */
export function lateRegisteredComponents(): readonly ComponentDefinition[] {
  return lateRegistrations;
}
