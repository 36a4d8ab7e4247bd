/**
 * Per-backend response shaping, in KrakenD's order (lura `entityFormatter.Format`):
 * `target` → `allow` / `deny` → `mapping` → `group`. A backend `proxy.flatmap_filter` replaces
 * allow/deny/mapping (`target` → flatmap → `group`), as lura's `flatmapFormatter` does. Built once per
 * backend; each step is only in the chain when configured.
 */
import type { BackendConfig } from '../config/types.js';
import { createFlatmap } from './flatmap.js';

export type Data = Record<string, unknown>;
export type Shaper = (data: Data) => Data;

function isObject(value: unknown): value is Data {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function createShaper(
  backend: Pick<BackendConfig, 'target' | 'allow' | 'deny' | 'mapping' | 'group'> & Partial<Pick<BackendConfig, 'proxy'>>,
): Shaper | undefined {
  const steps: Shaper[] = [];
  if (backend.target !== '') steps.push(createTargetStep(backend.target));
  const flatmap = backend.proxy && createFlatmap(backend.proxy.flatmapFilter);
  if (flatmap) steps.push(flatmap);
  else {
    if (backend.allow.length > 0) steps.push(createAllowStep(backend.allow));
    else if (backend.deny.length > 0) steps.push(createDenyStep(backend.deny));
    const mapping = Object.entries(backend.mapping);
    if (mapping.length > 0) steps.push(createMappingStep(mapping));
  }
  if (backend.group !== '') steps.push(createGroupStep(backend.group));
  if (steps.length === 0) return undefined;
  if (steps.length === 1) return steps[0];
  return function shape(data) {
    let result = data;
    for (const step of steps) result = step(result);
    return result;
  };
}

/** `target: "a.b"`: the object at that path becomes the data; anything else gives `{}`. */
function createTargetStep(target: string): Shaper {
  const path = target.split('.');
  return function extractTarget(data) {
    let current: unknown = data;
    for (const key of path) {
      if (!isObject(current)) return {};
      current = current[key];
    }
    return isObject(current) ? current : {};
  };
}

interface AllowTree {
  [key: string]: AllowTree | true;
}

/** `allow`: keep only the listed dot paths (objects are walked; arrays are kept whole). */
function createAllowStep(allow: string[]): Shaper {
  const tree: AllowTree = {};
  for (const entry of allow) {
    const keys = entry.split('.');
    let node = tree;
    keys.forEach((key, index) => {
      if (index === keys.length - 1) node[key] = true;
      else {
        const next = node[key];
        if (next === true) return;
        node = next ?? (node[key] = {});
      }
    });
  }
  return function allowFields(data) {
    return pick(data, tree);
  };
}

function pick(data: Data, tree: AllowTree): Data {
  const out: Data = {};
  for (const key in tree) {
    if (!Object.prototype.hasOwnProperty.call(data, key)) continue;
    const rule = tree[key] as AllowTree | true;
    const value = data[key];
    if (rule === true) out[key] = value;
    else if (isObject(value)) {
      const nested = pick(value, rule);
      if (Object.keys(nested).length > 0) out[key] = nested;
    }
  }
  return out;
}

/** A deny tree node: `null` deletes the key (and all under it), an object walks into it. */
interface DenyTree {
  [key: string]: DenyTree | null;
}

/** lura `buildDenyTree`: a shorter path wins over a longer one under it, in any order. */
export function buildDenyTree(deny: string[]): DenyTree {
  const tree: DenyTree = {};
  for (const entry of deny) {
    const keys = entry.split('.');
    let node = tree;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      if (i === keys.length - 1) {
        node[key] = null;
        break;
      }
      const next = Object.prototype.hasOwnProperty.call(node, key) ? node[key] : undefined;
      if (next === null) break;
      node = next ?? (node[key] = {});
    }
  }
  return tree;
}

/** `deny`: drop the listed dot paths at any depth, walking objects only (lura `newDenylistingFilter`). */
function createDenyStep(deny: string[]): Shaper {
  const tree = buildDenyTree(deny);
  return function denyFields(data) {
    removeDenied(data, tree);
    return data;
  };
}

function removeDenied(data: Data, tree: DenyTree): void {
  for (const key in tree) {
    if (!Object.prototype.hasOwnProperty.call(data, key)) continue;
    const rule = tree[key] as DenyTree | null;
    if (rule === null) delete data[key];
    else {
      const value = data[key];
      if (isObject(value)) removeDenied(value, rule);
    }
  }
}

/** `mapping`: rename top-level keys. */
function createMappingStep(mapping: [string, string][]): Shaper {
  const pairs = mapping.map(([from, to]) => [from, to.split('.')[0] as string] as const);
  return function renameFields(data) {
    for (const [from, to] of pairs) {
      if (Object.prototype.hasOwnProperty.call(data, from)) {
        const value = data[from];
        delete data[from];
        data[to] = value;
      }
    }
    return data;
  };
}

function createGroupStep(group: string): Shaper {
  return function groupUnder(data) {
    return { [group]: data };
  };
}
