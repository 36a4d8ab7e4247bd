/**
 * `plugin/req-resp-modifier`: request modifiers run in the order of `name` before the call, response
 * modifiers in that order after it (lura `proxy/plugin.go`), at the endpoint (inside static data, around
 * the merge) or around one backend. A response that carries an error (a partial merge) skips the
 * response modifiers, as lura returns it with its error untouched.
 */
import type { Middleware, ProxyRequest, ProxyResponse } from '../proxy/types.js';
import type { Modifiers } from './api.js';
import { requestFailure } from './failures.js';

export interface NamedModifiers {
  plugin: string;
  modifiers: Modifiers;
}

type Step<T> = { plugin: string; run: (value: T) => T | void | Promise<T | void> };

export function createModifierMiddleware(entries: readonly NamedModifiers[]): Middleware | undefined {
  const requestSteps: Step<ProxyRequest>[] = [];
  const responseSteps: Step<ProxyResponse>[] = [];
  for (const { plugin, modifiers } of entries) {
    if (typeof modifiers.request === 'function') requestSteps.push({ plugin, run: modifiers.request.bind(modifiers) });
    if (typeof modifiers.response === 'function') responseSteps.push({ plugin, run: modifiers.response.bind(modifiers) });
  }
  if (requestSteps.length === 0 && responseSteps.length === 0) return undefined;
  return (next) =>
    async function pluginModifiers(request, cancel) {
      const modified = requestSteps.length === 0 ? request : await apply(requestSteps, request, 'request modifier');
      const response = await next(modified, cancel);
      if (responseSteps.length === 0 || response.error !== undefined) return response;
      return apply(responseSteps, response, 'response modifier');
    };
}

async function apply<T extends object>(steps: readonly Step<T>[], value: T, what: string): Promise<T> {
  let current = value;
  for (const step of steps) {
    let result: T | void;
    try {
      result = await step.run(current);
    } catch (error) {
      throw requestFailure(step.plugin, what, error);
    }
    if (result !== undefined && result !== null) {
      if (typeof result !== 'object') throw requestFailure(step.plugin, what, new Error(`it returned a ${typeof result}, not an object`));
      current = result;
    }
  }
  return current;
}
