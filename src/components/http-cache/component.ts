/**
 * `qos/http-cache`: an in-memory cache of one backend's GET/HEAD responses, honouring the backend's
 * `Cache-Control`, `Expires` and `Vary` (RFC 9111; see `http-cache.ts` for the rules). Each backend has
 * its own cache (one per instance: with `run -w N` it lives in the primary process), keyed by method, the
 * URL sent (not the host: the hosts of a backend serve the same resources) and the request headers sent,
 * which may carry client-chosen values (`cache-key.ts`). Hits skip the network but are decoded and shaped
 * like fresh responses.
 *
 * ```json
 * "extra_config": { "qos/http-cache": { "shared": true, "max_items": 1000, "max_size": 10485760 } }
 * ```
 * Defaults differ from KrakenD's on purpose: `shared` is true (the gateway's cache serves every client,
 * so `private` answers must not be kept) and the cache is bounded (10 000 items, 64 MiB); `0` removes a
 * bound, as KrakenD has none.
 */
import type { ComponentDefinition } from '../registry.js';
import { wallClock } from '../clock.js';
import { createHttpCache } from './http-cache.js';
import { entryCodec } from './http-cache.js';
import { createSharedStore } from './store.js';
import { backendStateName } from '../../shared-state/protocol.js';

export const HTTP_CACHE_NAMESPACE = 'qos/http-cache';
const DEFAULT_MAX_ITEMS = 10_000;
const DEFAULT_MAX_SIZE = 64 << 20;

export const httpCacheComponent: ComponentDefinition = {
  namespace: HTTP_CACHE_NAMESPACE,
  schemas: {
    backend: {
      type: 'object',
      properties: {
        shared: { type: 'boolean', default: true, description: 'Shared cache rules (RFC 9111): private answers are not stored. Portico defaults to true; KrakenD to false.' },
        max_items: { type: 'integer', minimum: 0, default: DEFAULT_MAX_ITEMS, description: 'Most entries kept; 0: no bound.' },
        max_size: { type: 'integer', minimum: 0, default: DEFAULT_MAX_SIZE, description: 'Most bytes kept (bodies and headers); 0: no bound.' },
      },
      patternProperties: { '^[@$_#]': {} },
      additionalProperties: false,
    },
  },
  validate(block, _scope, at, issues) {
    if (block['max_items'] === 0 && block['max_size'] === 0) {
      issues.warning({ code: 'PRT_WARN_CONFIG_UNBOUNDED', at, message: 'the cache has neither max_items nor max_size: it may grow until the process runs out of memory (KrakenD behaviour)' });
    }
  },
  client(block, backend, _endpoint, context) {
    if (backend.method !== 'GET' && backend.method !== 'HEAD') {
      context.logger.debug(`[BACKEND: ${backend.urlPattern}][HTTPCache] ${backend.method} responses are never cached`);
      return undefined;
    }
    const number = (key: string, fallback: number): number => (typeof block[key] === 'number' ? (block[key] as number) : fallback);
    const maxItems = number('max_items', DEFAULT_MAX_ITEMS);
    const maxSizeBytes = number('max_size', DEFAULT_MAX_SIZE);
    const state = context.sharedState;
    return createHttpCache({
      shared: block['shared'] !== false,
      maxItems,
      maxSizeBytes,
      clock: wallClock,
      // With workers, one cache per backend for the whole instance, bounded once, in the primary.
      ...(state ? { store: createSharedStore(state, backendStateName(HTTP_CACHE_NAMESPACE, backend), maxItems, maxSizeBytes, entryCodec) } : {}),
    }).middleware;
  },
};
