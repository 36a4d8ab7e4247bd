/**
 * Static proxy (lura `NewStaticMiddleware`): decorates the endpoint's answer with fixed data when the
 * strategy matches. Static keys win over backend keys. When the backends failed and the strategy still
 * matches (`always`, `errored`, `incomplete`), the answer is the static data alone, rendered with
 * status 200 and `X-Krakend-Completed: false`, as KrakenD does.
 *
 * ```json
 * "extra_config": { "proxy": { "static": { "strategy": "errored", "data": { "fallback": true } } } }
 * ```
 */
import { emptyMetadata } from './types.js';
import type { Middleware, ProxyResponse } from './types.js';

export const STATIC_STRATEGIES = ['always', 'success', 'complete', 'errored', 'incomplete'] as const;
export type StaticStrategy = (typeof STATIC_STRATEGIES)[number];

type Matcher = (response: ProxyResponse | undefined, failed: boolean) => boolean;

const MATCHERS: Record<StaticStrategy, Matcher> = {
  always: () => true,
  success: (_response, failed) => !failed,
  errored: (_response, failed) => failed,
  complete: (response, failed) => !failed && response !== undefined && response.isComplete,
  incomplete: (response) => response === undefined || !response.isComplete,
};

export interface StaticSettings {
  /** Unknown names fall back to `always`, as in lura. */
  strategy: string;
  data: Record<string, unknown>;
}

/** Plain JSON values, copied per request so no layer above can change the configured data. */
function copyJson(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copyJson);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = copyJson((value as Record<string, unknown>)[key]);
  return out;
}

export function createStaticMiddleware(settings: StaticSettings): Middleware {
  const matches = MATCHERS[settings.strategy as StaticStrategy] ?? MATCHERS.always;
  const entries = Object.entries(settings.data);
  const needsCopy = entries.some(([, value]) => value !== null && typeof value === 'object');
  return (next) =>
    async function addStaticData(request, cancel) {
      let response: ProxyResponse | undefined;
      let error: Error | undefined;
      try {
        response = await next(request, cancel);
      } catch (caught) {
        error = caught as Error;
      }
      const failed = error !== undefined || response?.error !== undefined;
      if (!matches(response, failed)) {
        if (error !== undefined) throw error;
        return response as ProxyResponse;
      }
      // A no-op answer streams the backend body; data cannot be added to it.
      if (response?.body) return response;
      response ??= { data: {}, isComplete: false, metadata: emptyMetadata(), body: null, ...(error ? { error } : {}) };
      const data = response.data;
      for (const [key, value] of entries) data[key] = needsCopy ? copyJson(value) : value;
      return response;
    };
}
