import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createShaper } from './shaping.js';
import type { Data } from './shaping.js';

type ShapeConfig = Parameters<typeof createShaper>[0];
const NONE: ShapeConfig = { target: '', allow: [], deny: [], mapping: {}, group: '' };

function shape(config: Partial<ShapeConfig>, data: Data): Data {
  const shaper = createShaper({ ...NONE, ...config });
  assert.ok(shaper, 'a shaper is built when something is configured');
  return shaper(structuredClone(data));
}

const SAMPLE: Data = {
  id: 1,
  name: 'Ada',
  profile: { email: 'ada@example.com', address: { city: 'London', zip: 'N1' }, tags: ['a', 'b'] },
  items: [{ id: 1 }, { id: 2 }],
};

describe('createShaper', () => {
  it('is not in the chain when nothing is configured', () => {
    assert.equal(createShaper(NONE), undefined);
  });

  describe('target', () => {
    it('extracts a nested object', () => {
      assert.deepEqual(shape({ target: 'profile.address' }, SAMPLE), { city: 'London', zip: 'N1' });
    });

    it('gives {} for a missing path or a non-object', () => {
      assert.deepEqual(shape({ target: 'profile.missing' }, SAMPLE), {});
      assert.deepEqual(shape({ target: 'name' }, SAMPLE), {});
      assert.deepEqual(shape({ target: 'items' }, SAMPLE), {});
      assert.deepEqual(shape({ target: 'name.deeper' }, SAMPLE), {});
    });
  });

  describe('allow', () => {
    it('keeps top-level and nested paths only', () => {
      assert.deepEqual(shape({ allow: ['id', 'profile.address.city', 'profile.tags'] }, SAMPLE), {
        id: 1,
        profile: { address: { city: 'London' }, tags: ['a', 'b'] },
      });
    });

    it('drops a parent whose allowed children are all missing', () => {
      assert.deepEqual(shape({ allow: ['id', 'profile.nothing'] }, SAMPLE), { id: 1 });
    });

    it('keeps a whole subtree when both the parent and a child are listed', () => {
      assert.deepEqual(shape({ allow: ['profile', 'profile.email'] }, SAMPLE), { profile: SAMPLE['profile'] });
      assert.deepEqual(shape({ allow: ['profile.email', 'profile'] }, SAMPLE), { profile: SAMPLE['profile'] });
    });

    it('does not walk into arrays', () => {
      assert.deepEqual(shape({ allow: ['items.id'] }, SAMPLE), {});
    });

    it('wins over deny when both are set', () => {
      assert.deepEqual(shape({ allow: ['id'], deny: ['id'] }, SAMPLE), { id: 1 });
    });

    it('never reads inherited properties', () => {
      assert.deepEqual(shape({ allow: ['toString', 'constructor', '__proto__'] }, SAMPLE), {});
    });
  });

  describe('deny', () => {
    it('drops top-level and one-level nested keys', () => {
      assert.deepEqual(shape({ deny: ['name', 'profile.email', 'items'] }, SAMPLE), {
        id: 1,
        profile: { address: { city: 'London', zip: 'N1' }, tags: ['a', 'b'] },
      });
    });

    it('ignores paths that do not exist', () => {
      assert.deepEqual(shape({ deny: ['nothing', 'name.deeper', 'profile.nothing'] }, SAMPLE), SAMPLE);
    });

    it('removes only the leaf of a deeper path, never its parents', () => {
      assert.deepEqual(shape({ deny: ['profile.address.zip'] }, SAMPLE), {
        ...SAMPLE,
        profile: { email: 'ada@example.com', address: { city: 'London' }, tags: ['a', 'b'] },
      });
      assert.deepEqual(shape({ deny: ['data.user.email'] }, { data: { user: { id: 1, email: 'x' }, n: 2 } }), { data: { user: { id: 1 }, n: 2 } });
    });

    it('a shorter path wins over a longer one under it, in either order (lura buildDenyTree)', () => {
      const expected = { id: 1, name: 'Ada', items: [{ id: 1 }, { id: 2 }] };
      assert.deepEqual(shape({ deny: ['profile.address.zip', 'profile'] }, SAMPLE), expected);
      assert.deepEqual(shape({ deny: ['profile', 'profile.address.zip'] }, SAMPLE), expected);
    });
  });

  describe('mapping', () => {
    it('renames top-level keys and leaves others', () => {
      assert.deepEqual(shape({ mapping: { name: 'full_name', missing: 'x' } }, { id: 1, name: 'Ada' }), { id: 1, full_name: 'Ada' });
    });

    it('overwrites an existing key with the renamed one, as lura does', () => {
      assert.deepEqual(shape({ mapping: { a: 'b' } }, { a: 1, b: 2 }), { b: 1 });
    });
  });

  describe('group', () => {
    it('nests the data under the group name', () => {
      assert.deepEqual(shape({ group: 'user' }, { id: 1 }), { user: { id: 1 } });
    });
  });

  it('runs target → allow → mapping → group in that order', () => {
    assert.deepEqual(shape({ target: 'profile', allow: ['email', 'address.city'], mapping: { email: 'contact' }, group: 'person' }, SAMPLE), {
      person: { contact: 'ada@example.com', address: { city: 'London' } },
    });
  });

  it('runs target → deny → mapping → group in that order', () => {
    assert.deepEqual(shape({ target: 'profile', deny: ['tags', 'address.zip'], mapping: { email: 'mail' }, group: 'p' }, SAMPLE), {
      p: { mail: 'ada@example.com', address: { city: 'London' } },
    });
  });
});
