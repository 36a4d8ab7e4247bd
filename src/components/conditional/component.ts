/**
 * `backend/conditional` (KrakenD EE): the namespace's schema and start-up checks. The rules are compiled
 * into the endpoint's pipeline by `selectBackends` (conditional.ts).
 */
import type { ComponentDefinition } from '../registry.js';
import { blockOf } from '../registry.js';
import { loadCel } from '../validation/cel-program.js';
import { compileCondition, CONDITIONAL_NAMESPACE, withConditions } from './conditional.js';

export const conditionalComponent: ComponentDefinition = {
  namespace: CONDITIONAL_NAMESPACE,
  schemas: {
    backend: {
      type: 'object',
      required: ['strategy'],
      properties: {
        strategy: { type: 'string', enum: ['header', 'policy', 'fallback'] },
        name: { type: 'string', description: 'header strategy: the header to read (declare it in the endpoint input_headers)' },
        value: { type: 'string', description: 'header strategy: the exact value; policy strategy: a CEL expression' },
      },
      patternProperties: { '^[@$_#]': {} },
      additionalProperties: false,
    },
  },
  selectBackends: withConditions,
  // The policy strategy compiles CEL at start-up.
  prepare: loadCel,
  validate(block, _scope, at, issues, _service, { endpoint, backend }) {
    if (block['strategy'] === 'fallback') {
      const fallbacks = endpoint?.backends.filter((candidate) => blockOf(candidate.extraConfig, CONDITIONAL_NAMESPACE)?.['strategy'] === 'fallback') ?? [];
      if (fallbacks.length > 1 && fallbacks[0] !== backend) {
        issues.error({ code: 'PRT_ERR_CONFIG_VALUE', at: [...at, 'strategy'], message: 'only one fallback backend per endpoint (as in KrakenD EE)', found: 'fallback' });
      }
      return;
    }
    if (block['strategy'] === 'header' && typeof block['name'] === 'string' && block['name'] !== '') {
      const name = block['name'].toLowerCase();
      if (endpoint && !endpoint.inputHeaders.includes('*') && !endpoint.inputHeaders.some((header) => header.toLowerCase() === name)) {
        issues.warning({
          code: 'PRT_WARN_CONFIG_CONDITION_HEADER',
          at: [...at, 'name'],
          message: `the endpoint does not forward ${block['name']} (input_headers), so this backend never runs (as in KrakenD EE)`,
          hint: `add "${block['name']}" to the endpoint's input_headers`,
        });
      }
    }
    // An unknown strategy was reported by the schema.
    if (block['strategy'] !== 'header' && block['strategy'] !== 'policy') return;
    try {
      compileCondition(block);
    } catch (error) {
      issues.error({ code: 'PRT_ERR_CONFIG_VALUE', at: [...at, block['strategy'] === 'header' ? 'name' : 'value'], message: `invalid condition: ${(error as Error).message}`, found: block['value'] ?? block['name'] });
    }
  },
};
