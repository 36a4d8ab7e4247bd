/** The comparison built-ins (eq ne lt le gt ge) with Go's rules: basic kinds only, no int/float mixing. */
import { goTypeName } from './values.js';
import type { GoValue } from './values.js';

type Kind = 'bool' | 'int' | 'float' | 'string' | 'invalid';

function basicKind(value: GoValue): Kind {
  switch (typeof value) {
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
    case 'string':
      return 'string';
  }
  return 'invalid';
}

const isNil = (value: GoValue): boolean => value === undefined || value === null;

export function eq(first: GoValue, ...others: GoValue[]): boolean {
  if (others.length === 0) throw new Error('missing argument for comparison');
  const k1 = basicKind(first);
  for (const other of others) {
    const k2 = basicKind(other);
    let truth: boolean;
    if (k1 !== k2) {
      if (!isNil(first) && !isNil(other)) throw new Error(`incompatible types for comparison: ${goTypeName(first)} and ${goTypeName(other)}`);
      truth = false;
    } else if (k1 !== 'invalid') {
      truth = first === other;
    } else if (isNil(first) || isNil(other)) {
      truth = isNil(first) === isNil(other);
    } else {
      throw new Error(`non-comparable type ${goTypeName(other)}`);
    }
    if (truth) return true;
  }
  return false;
}

export function ne(a: GoValue, b: GoValue): boolean {
  return !eq(a, b);
}

export function lt(a: GoValue, b: GoValue): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === 'invalid' || k2 === 'invalid') throw new Error('invalid type for comparison');
  if (k1 !== k2) throw new Error(`incompatible types for comparison: ${goTypeName(a)} and ${goTypeName(b)}`);
  if (k1 === 'bool') throw new Error('invalid type for comparison');
  return (a as string | number | bigint) < (b as string | number | bigint);
}

export function le(a: GoValue, b: GoValue): boolean {
  return lt(a, b) || eq(a, b);
}

export function gt(a: GoValue, b: GoValue): boolean {
  return !le(a, b);
}

export function ge(a: GoValue, b: GoValue): boolean {
  return !lt(a, b);
}
