/**
 * Conditional backends (KrakenD EE's `backend/conditional`): a backend runs only when its rule holds
 * for the request, else it is skipped; a `fallback` backend runs only when no other conditional backend
 * of the endpoint runs. Rules are compiled once; a request evaluates plain functions.
 *
 * ```json
 * { "url_pattern": "/v2", "extra_config": { "backend/conditional": { "strategy": "header", "name": "X-Version", "value": "2" } } }
 * { "url_pattern": "/gold", "extra_config": { "backend/conditional": { "strategy": "policy", "value": "req_querystring['tier'][0] == 'gold'" } } }
 * { "url_pattern": "/v1", "extra_config": { "backend/conditional": { "strategy": "fallback" } } }
 * ```
 */
import { blockOf } from '../registry.js';
import { compileCheck, rfc3339Now, titleCasedParams } from '../validation/cel-program.js';
import { canonicalHeaderName } from '../../config/headers.js';
import type { BackendConfig } from '../../config/types.js';
import type { Proxy, ProxyRequest } from '../../proxy/types.js';
import { skippedResponse } from '../../proxy/skipped.js';

export const CONDITIONAL_NAMESPACE = 'backend/conditional';

export type Condition = (request: ProxyRequest) => boolean;


/** The rule of one block; `fallback` is handled by the caller. Throws on an invalid rule. */
export function compileCondition(block: Record<string, unknown>): Condition {
  const strategy = block['strategy'];
  const value = typeof block['value'] === 'string' ? block['value'] : undefined;
  if (strategy === 'header') {
    const name = canonicalHeaderName(typeof block['name'] === 'string' ? block['name'] : '');
    if (name === '') throw new Error('the header strategy needs "name"');
    // Portico reads `value` as the exact header value; without it, the header only has to be present.
    return value === undefined
      ? function hasHeader(request) {
          return (request.headers[name]?.length ?? 0) > 0;
        }
      : function headerEquals(request) {
          return request.headers[name]?.includes(value) === true;
        };
  }
  if (strategy === 'policy') {
    if (value === undefined || value === '') throw new Error('the policy strategy needs "value", a CEL expression');
    const program = compileCheck(value, 0);
    return function policyHolds(request) {
      return program.passes({
        req_method: request.method,
        req_path: request.path,
        req_params: titleCasedParams(request.params),
        req_headers: request.headers,
        req_querystring: request.query ?? {},
        now: rfc3339Now(),
      });
    };
  }
  throw new Error(`unknown strategy ${JSON.stringify(strategy)}`);
}

/**
 * Wraps the proxies of backends with a `backend/conditional` block; the others are returned as they are.
 * Returns the input array untouched when no backend is conditional.
 */
export function withConditions(backends: readonly BackendConfig[], proxies: readonly Proxy[]): readonly Proxy[] {
  const blocks = backends.map((backend) => blockOf(backend.extraConfig, CONDITIONAL_NAMESPACE));
  if (blocks.every((block) => block === undefined)) return proxies;
  const rules: Condition[] = [];
  const compiled = blocks.map((block) => (block === undefined || block['strategy'] === 'fallback' ? undefined : compileCondition(block)));
  for (const rule of compiled) if (rule) rules.push(rule);
  const noRuleHolds: Condition = (request) => !rules.some((rule) => rule(request));
  return proxies.map((proxy, index) => {
    const block = blocks[index];
    if (block === undefined) return proxy;
    const holds = compiled[index] ?? noRuleHolds;
    return function callIfConditionHolds(request, cancel) {
      return holds(request) ? proxy(request, cancel) : Promise.resolve(skippedResponse());
    };
  });
}
