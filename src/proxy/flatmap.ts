/**
 * `flatmap_filter` (KrakenD's array manipulation): `move`, `del` and `append` over dot paths where `*`
 * matches every key or element and a number addresses one array element.
 *
 * KrakenD flattens the data into a tree, applies the operations and expands it back
 * (devopsfaith/flatmap). This module edits the decoded data in place instead and reproduces the
 * observable rules of that tree:
 * - a move to a path of the same length only renames the last segment (`a.*.b` → `a.*.c`);
 *   a shorter destination promotes the value, a longer one embeds it, creating objects on the way;
 * - array indexes keep their original numbering until every operation ran (deleting `a.0` and then
 *   `a.1` removes the first two elements), then arrays are compacted;
 * - an object or array that had children and lost all of them becomes `null`;
 * - `append` concatenates the source list to the destination list and deletes the source; it does
 *   nothing unless both are lists.
 *
 * ```json
 * "extra_config": { "proxy": { "flatmap_filter": [
 *   { "type": "move", "args": ["collection", "paths"] },
 *   { "type": "del", "args": ["paths.*.i"] },
 *   { "type": "move", "args": ["paths.*.path", "paths.*.url"] }
 * ] } }
 * ```
 */
export type Data = Record<string, unknown>;

import type { FlatmapOperation } from '../config/types.js';

export type { FlatmapOperation };
export { readFlatmapOperations } from '../config/core-namespaces.js';

const WILDCARD = '*';
/** Marks a removed array element until the operations finish, so indexes keep their meaning. */
const HOLE: unique symbol = Symbol('flatmap-removed');

type Container = Data | unknown[];

function isPlainObject(value: unknown): value is Data {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

function isContainer(value: unknown): value is Container {
  return Array.isArray(value) || isPlainObject(value);
}

/** Where a value sits, so it can be replaced. */
interface Slot {
  value: unknown;
  parent: Container | undefined;
  key: string;
  /** Labels from the root, used to resolve `*` in a promotion's destination. */
  path: string[];
}

/** State of one run of the operations over one response. */
class Run {
  readonly holed = new Set<unknown[]>();
  readonly emptied: Slot[] = [];
}

function arrayIndex(array: unknown[], label: string): number {
  if (label === '' || label.length > 10) return -1;
  for (let i = 0; i < label.length; i++) {
    const code = label.charCodeAt(i);
    if (code < 48 || code > 57) return -1;
  }
  if (label.length > 1 && label.charCodeAt(0) === 48) return -1;
  const index = Number(label);
  return index < array.length && array[index] !== HOLE ? index : -1;
}

function hasChild(container: Container, label: string): boolean {
  return Array.isArray(container) ? arrayIndex(container, label) !== -1 : Object.prototype.hasOwnProperty.call(container, label);
}

function childOf(container: Container, label: string): unknown {
  if (Array.isArray(container)) {
    const index = arrayIndex(container, label);
    return index === -1 ? undefined : container[index];
  }
  return container[label];
}

function liveCount(container: Container): number {
  if (!Array.isArray(container)) return Object.keys(container).length;
  let count = 0;
  for (const item of container) if (item !== HOLE) count++;
  return count;
}

function forEachChild(container: Container, visit: (label: string, value: unknown) => void): void {
  if (Array.isArray(container)) {
    for (let i = 0; i < container.length; i++) if (container[i] !== HOLE) visit(String(i), container[i]);
    return;
  }
  for (const key of Object.keys(container)) visit(key, container[key]);
}

function removeChild(run: Run, slot: Slot, label: string): unknown {
  const container = slot.value as Container;
  let removed: unknown;
  if (Array.isArray(container)) {
    const index = arrayIndex(container, label);
    removed = container[index];
    container[index] = HOLE;
    run.holed.add(container);
  } else {
    removed = container[label];
    delete container[label];
  }
  if (liveCount(container) === 0) run.emptied.push(slot);
  return removed;
}

function setChild(container: Container, label: string, value: unknown): void {
  if (Array.isArray(container)) container.push(value);
  else container[label] = value;
}

/** A slot's value as a container; a scalar in the way becomes an object, as in KrakenD's tree. */
function containerAt(slot: Slot): Container {
  if (isContainer(slot.value)) return slot.value;
  const created: Data = {};
  if (slot.parent !== undefined) replaceIn(slot.parent, slot.key, created);
  slot.value = created;
  return created;
}

function replaceIn(parent: Container, key: string, value: unknown): void {
  if (Array.isArray(parent)) {
    const index = arrayIndex(parent, key);
    if (index !== -1) parent[index] = value;
  } else parent[key] = value;
}

function childSlot(slot: Slot, label: string): Slot | undefined {
  const container = slot.value;
  if (!isContainer(container) || !hasChild(container, label)) return undefined;
  return { value: childOf(container, label), parent: container, key: label, path: [...slot.path, label] };
}

/** Slots matching `segments` (wildcards expand to every child, leaves included). */
function collect(root: Slot, segments: string[]): Slot[] {
  let current = [root];
  for (const segment of segments) {
    const next: Slot[] = [];
    for (const slot of current) {
      const container = slot.value;
      if (!isContainer(container)) continue;
      if (segment === WILDCARD) {
        forEachChild(container, (label, value) => next.push({ value, parent: container, key: label, path: [...slot.path, label] }));
      } else {
        const child = childSlot(slot, segment);
        if (child) next.push(child);
      }
    }
    current = next;
  }
  return current;
}

function del(run: Run, slot: Slot, segments: string[], depth: number): void {
  const container = slot.value;
  if (!isContainer(container) || liveCount(container) === 0) return;
  const segment = segments[depth] as string;
  const isLast = depth === segments.length - 1;
  if (segment === WILDCARD) {
    if (!isLast) {
      forEachChild(container, (label, value) => del(run, { value, parent: container, key: label, path: [] }, segments, depth + 1));
      return;
    }
    if (Array.isArray(container)) container.length = 0;
    else for (const key of Object.keys(container)) delete container[key];
    run.emptied.push(slot);
    return;
  }
  if (!hasChild(container, segment)) return;
  if (isLast) {
    removeChild(run, slot, segment);
    return;
  }
  del(run, { value: childOf(container, segment), parent: container, key: segment, path: [] }, segments, depth + 1);
}

/** The tree's `Get`: a wildcard gives a list of what each child holds; `undefined` when nothing is there. */
function get(value: unknown, segments: string[], depth: number): unknown {
  if (depth === segments.length) return Array.isArray(value) ? value.filter((item) => item !== HOLE) : value;
  if (!isContainer(value) || liveCount(value) === 0) return undefined;
  const segment = segments[depth] as string;
  if (segment === WILDCARD) {
    const out: unknown[] = [];
    forEachChild(value, (_label, child) => out.push(get(child, segments, depth + 1) ?? null));
    return out;
  }
  if (!hasChild(value, segment)) return undefined;
  return get(childOf(value, segment), segments, depth + 1);
}

function move(run: Run, root: Slot, source: string[], destination: string[]): void {
  const candidates = source.length > 1 ? collect(root, source.slice(0, -1)) : [root];
  const sourceLabel = source[source.length - 1] as string;
  const destinationLabel = destination[destination.length - 1] as string;
  if (source.length === destination.length) {
    // Relabelling; array elements keep their place (the tree expands lists by position).
    for (const candidate of candidates) {
      const container = candidate.value;
      if (!isPlainObject(container) || !Object.prototype.hasOwnProperty.call(container, sourceLabel) || sourceLabel === destinationLabel) continue;
      const value = container[sourceLabel];
      delete container[sourceLabel];
      container[destinationLabel] = value;
    }
    return;
  }
  const moved: { value: unknown; from: Slot }[] = [];
  for (const candidate of candidates) {
    const container = candidate.value;
    if (!isContainer(container) || !hasChild(container, sourceLabel)) continue;
    moved.push({ value: removeChild(run, candidate, sourceLabel), from: candidate });
  }
  if (source.length > destination.length) {
    // Promotion: walk the destination from the root; `*` takes the label the value came from.
    for (const { value, from } of moved) {
      let target = root;
      for (let i = 0; i < destination.length - 1; i++) {
        const segment = destination[i] as string;
        const label = segment === WILDCARD ? (from.path[i] ?? segment) : segment;
        const next = childSlot(target, label);
        if (!next) break;
        target = next;
      }
      setChild(containerAt(target), destinationLabel, value);
    }
    return;
  }
  // Embedding: the destination continues where the source's parent is, creating objects on the way.
  const tail = destination.slice(source.length - 1, -1);
  for (const { value, from } of moved) {
    let target = from;
    for (const segment of tail) {
      const container = containerAt(target);
      let next = childSlot(target, segment);
      if (!next) {
        const created: Data = {};
        setChild(container, segment, created);
        next = { value: created, parent: container, key: segment, path: [...target.path, segment] };
      }
      target = next;
    }
    setChild(containerAt(target), destinationLabel, value);
  }
}

function append(run: Run, root: Slot, source: string[], destination: string[]): void {
  if (destination.includes(WILDCARD)) return;
  const additions = get(root.value, source, 0);
  if (!Array.isArray(additions)) return;
  const existing = get(root.value, destination, 0);
  if (!Array.isArray(existing)) return;
  const parentSlot = destination.length > 1 ? collect(root, destination.slice(0, -1))[0] : root;
  if (parentSlot === undefined || !isContainer(parentSlot.value)) return;
  replaceIn(parentSlot.value, destination[destination.length - 1] as string, [...existing, ...additions]);
  del(run, root, source, 0);
}

function finish(run: Run, root: Data): Data {
  for (const slot of run.emptied) {
    const container = slot.value as Container;
    if (slot.parent === undefined || liveCount(container) !== 0) continue;
    if (childOf(slot.parent, slot.key) === container) replaceIn(slot.parent, slot.key, null);
  }
  for (const array of run.holed) {
    let write = 0;
    for (let read = 0; read < array.length; read++) if (array[read] !== HOLE) array[write++] = array[read];
    array.length = write;
  }
  return root;
}

/** Builds the operations' runner once; returns undefined when there is nothing to do. */
export function createFlatmap(operations: readonly FlatmapOperation[]): ((data: Data) => Data) | undefined {
  if (operations.length === 0) return undefined;
  const steps = operations.map((operation) => {
    const [first = [], second = []] = operation.args;
    switch (operation.type) {
      case 'move':
        return (run: Run, root: Slot) => move(run, root, first, second);
      case 'append':
        return (run: Run, root: Slot) => append(run, root, first, second);
      case 'del': {
        // lura deletes every path a `del` lists, one after the other.
        const paths = operation.args;
        return (run: Run, root: Slot) => {
          for (const path of paths) del(run, root, path, 0);
        };
      }
    }
  });
  return function applyFlatmap(data) {
    const run = new Run();
    const root: Slot = { value: data, parent: undefined, key: '', path: [] };
    for (const step of steps) step(run, root);
    return finish(run, data);
  };
}
