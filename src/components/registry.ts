/**
 * Where components import their contract from. The registry itself is `pipeline/registry.ts`, built
 * from the list in `builtin.ts`.
 */
export type { ComponentDefinition, Scope } from '../pipeline/registry.js';
export { blockOf, componentBlockOf } from '../pipeline/registry.js';
