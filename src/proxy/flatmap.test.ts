import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createFlatmap, readFlatmapOperations } from './flatmap.js';
import type { Data } from './flatmap.js';

function apply(data: Data, operations: { type: string; args: string[] }[]): Data {
  const flatmap = createFlatmap(readFlatmapOperations(operations));
  assert.ok(flatmap, 'operations compile');
  return flatmap(structuredClone(data));
}

const del = (path: string) => ({ type: 'del', args: [path] });
const move = (from: string, to: string) => ({ type: 'move', args: [from, to] });
const append = (from: string, to: string) => ({ type: 'append', args: [from, to] });

describe('flatmap del', () => {
  it('leaves the data alone when the path is unknown', () => {
    assert.deepEqual(apply({ supu: 42, tupu: false }, [del('abc')]), { supu: 42, tupu: false });
  });

  it('keeps empty lists and objects that had nothing to delete', () => {
    assert.deepEqual(apply({ data: [] }, [del('data.*.password')]), { data: [] });
    assert.deepEqual(apply({ data: {} }, [del('data.*.password')]), { data: {} });
  });

  it('deletes every path it lists', () => {
    assert.deepEqual(apply({ a: 1, b: { c: 2, d: 3 }, e: [{ f: 1, g: 2 }] }, [{ type: 'del', args: ['a', 'b.c', 'e.*.g'] }]), { b: { d: 3 }, e: [{ f: 1 }] });
  });

  it('deletes a key, a nested key and a whole object', () => {
    assert.deepEqual(apply({ supu: 42, tupu: false }, [del('supu')]), { tupu: false });
    assert.deepEqual(apply({ internal: { supu: 42, tupu: false }, tupu: false }, [del('internal.supu')]), { internal: { tupu: false }, tupu: false });
    assert.deepEqual(apply({ internal: { supu: 42 }, tupu: false }, [del('internal')]), { tupu: false });
  });

  it('deletes under every key of an object with a wildcard', () => {
    const data = { a: { first: { supu: 42, tupu: false }, 0: { supu: 42, tupu: true } }, tupu: false };
    assert.deepEqual(apply(data, [del('a.*.supu')]), { a: { first: { tupu: false }, 0: { tupu: true } }, tupu: false });
  });

  it('matches whole segments only', () => {
    const data = { a: { a: { a: { a: 1 }, aa: 1 }, aa: 1 }, tupu: false };
    assert.deepEqual(apply(data, [del('a.a.a')]), { a: { a: { aa: 1 }, aa: 1 }, tupu: false });
  });

  it('deletes inside every element of nested lists', () => {
    const data = {
      a: [
        { b: [{ c: { a: 1 }, aa: 1 }, { c: { a: 2 }, aa: 1 }], aa: 1 },
        { b: [{ c: { a: 1 }, aa: 1 }], aa: 1 },
      ],
    };
    assert.deepEqual(apply(data, [del('a.*.b.*.c')]), { a: [{ b: [{ aa: 1 }, { aa: 1 }], aa: 1 }, { b: [{ aa: 1 }], aa: 1 }] });
  });

  it('addresses list elements by their original index until every operation ran', () => {
    assert.deepEqual(apply({ a: ['x', 'y', 'z'] }, [del('a.0'), del('a.1')]), { a: ['z'] });
    assert.deepEqual(apply({ a: [{ n: 1 }, { n: 2 }] }, [del('a.1.n')]), { a: [{ n: 1 }, null] });
  });

  it('turns an object or list that lost all its children into null, as the flatmap tree does', () => {
    assert.deepEqual(apply({ a: { x: 1 }, b: 2 }, [del('a.*')]), { a: null, b: 2 });
    assert.deepEqual(apply({ a: [1, 2], b: 2 }, [del('a.*')]), { a: null, b: 2 });
  });
});

describe('flatmap move', () => {
  it('renames a key', () => {
    assert.deepEqual(apply({ a: 42 }, [move('a', 'b')]), { b: 42 });
    assert.deepEqual(apply({ a: 1, b: { a: 42 } }, [move('b.a', 'b.c')]), { a: 1, b: { c: 42 } });
  });

  it('embeds a value deeper, creating the objects on the way', () => {
    assert.deepEqual(apply({ a: 1, b: { a: 42 } }, [move('b.a', 'b.b.a.b.a.b.c')]), { a: 1, b: { b: { a: { b: { a: { b: { c: 42 } } } } } } });
  });

  it('promotes a value and leaves an emptied parent as null', () => {
    assert.deepEqual(apply({ a: 1, b: { a: 42 } }, [move('b.a', 'c')]), { a: 1, b: null, c: 42 });
    assert.deepEqual(apply({ a: 42, b: { a: 42, bb: true, b: { a: 42 } } }, [move('b.b', 'c')]), { a: 42, b: { a: 42, bb: true }, c: { a: 42 } });
  });

  it('renames under every key or element with a wildcard', () => {
    const data = { c: 42, b: { first: { c: { d: 42 } }, last: { m: 42, c: { d: 42 } } } };
    assert.deepEqual(apply(data, [move('b.*.c', 'b.*.x')]), { c: 42, b: { first: { x: { d: 42 } }, last: { m: 42, x: { d: 42 } } } });
    assert.deepEqual(apply({ a: 42, b: [{ c: 42 }, { c: { d: 42 } }] }, [move('b.*.c', 'b.*.x')]), { a: 42, b: [{ x: 42 }, { x: { d: 42 } }] });
    const nested = { a: [{ b: [{ c: { a: 1 }, aa: 1 }, { c: { a: 2 }, aa: 1 }], aa: 1 }] };
    assert.deepEqual(apply(nested, [move('a.*.b.*.c', 'a.*.b.*.x')]), { a: [{ b: [{ x: { a: 1 }, aa: 1 }, { x: { a: 2 }, aa: 1 }], aa: 1 }] });
  });

  it('embeds under every key with a wildcard', () => {
    const data = { c: 42, b: { first: { c: { d: 42 } }, last: { m: 42, c: { d: 42 } } } };
    assert.deepEqual(apply(data, [move('b.*.c', 'b.*.c.b.x')]), {
      c: 42,
      b: { first: { c: { b: { x: { d: 42 } } } }, last: { m: 42, c: { b: { x: { d: 42 } } } } },
    });
  });

  it('promotes out of every element, keeping each in its own element', () => {
    const data = { a: [{ b: { c: 1 }, k: 'x' }, { b: { c: 2 }, k: 'y' }] };
    assert.deepEqual(apply(data, [move('a.*.b.c', 'a.*.c')]), { a: [{ b: null, c: 1, k: 'x' }, { b: null, c: 2, k: 'y' }] });
  });
});

describe('flatmap append', () => {
  it('appends a list to another and removes the source', () => {
    assert.deepEqual(apply({ a: [42], b: [1] }, [append('a', 'b')]), { b: [1, 42] });
  });

  it('does nothing unless both ends are lists', () => {
    assert.deepEqual(apply({ a: [42], b: 'x' }, [append('a', 'b')]), { a: [42], b: 'x' });
    assert.deepEqual(apply({ a: [42] }, [append('a', 'missing')]), { a: [42] });
  });

  it('appends the values a wildcard collects', () => {
    const data = { users: [{ id: 1 }, { id: 2 }], ids: [0] };
    // Each element lost its only key, so it becomes null (the tree rule above).
    assert.deepEqual(apply(data, [append('users.*.id', 'ids')]), { users: [null, null], ids: [0, 1, 2] });
  });
});

describe('flatmap in sequence', () => {
  it('reproduces KrakenD spec flatmap_1', () => {
    const collection = Array.from({ length: 10 }, (_, i) => ({ path: '/collection/2', i }));
    const result = apply({ collection }, [move('collection', 'paths'), del('paths.*.i'), move('paths.*.path', 'paths.*.url')]);
    assert.deepEqual(result, { paths: Array.from({ length: 10 }, () => ({ url: '/collection/2' })) });
  });

  it('skips malformed operations and compiles to nothing when none is left', () => {
    assert.equal(createFlatmap(readFlatmapOperations([{ type: 'move', args: ['a'] }, { type: 'nope', args: ['a'] }])), undefined);
    assert.equal(readFlatmapOperations('not a list').length, 0);
  });
});
