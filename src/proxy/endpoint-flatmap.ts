/**
 * Endpoint-level `flatmap_filter` (lura `NewFlatmapMiddleware`): runs over the merged answer of an
 * endpoint with more than one backend. Like lura, it leaves answers that carry an error untouched.
 */
import { createFlatmap } from './flatmap.js';
import type { FlatmapOperation } from './flatmap.js';
import type { Middleware } from './types.js';

export function createEndpointFlatmapMiddleware(operations: FlatmapOperation[]): Middleware | undefined {
  const flatmap = createFlatmap(operations);
  if (!flatmap) return undefined;
  return (next) =>
    async function flatmapMerged(request, cancel) {
      const response = await next(request, cancel);
      if (response.error === undefined) response.data = flatmap(response.data);
      return response;
    };
}
