/**
 * What the passes over the raw config (v2-era names, weak types, Go plugins) share: where an endpoint or
 * backend is, as a key path made only when a pass reports something, and a map that copies only when
 * something changed, so thousands of endpoints are not copied for nothing.
 */
import type { KeyPath } from './source.js';

/** `[list, index]`, `[list, index, 'backend', backend]`, or the root's `[]` when `index` is absent. */
export function ownerKeyPath(list: string, index?: number, backend?: number): KeyPath {
  if (index === undefined) return [];
  return backend === undefined ? [list, index] : [list, index, 'backend', backend];
}

/** `items.map(change)`, or `items` itself when `change` returned every item as it was. */
export function mapChanged<T>(items: T[], change: (item: T, index: number) => T): T[] {
  let changed = false;
  const result = items.map((item, index) => {
    const next = change(item, index);
    if (next !== item) changed = true;
    return next;
  });
  return changed ? result : items;
}
