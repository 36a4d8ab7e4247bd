import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileUrlPattern, encodeQuery, escapePathSegment, escapeQueryComponent, isUnsafePathValue } from './url-template.js';

describe('compileUrlPattern', () => {
  it('renders a constant pattern as is', () => {
    const template = compileUrlPattern('/users/all?x=1');
    assert.equal(template.render({}), '/users/all?x=1');
    assert.deepEqual(template.pathParams, []);
    assert.equal(template.hasQuery, true);
  });

  it('substitutes path and query placeholders, each encoded for its place', () => {
    const template = compileUrlPattern('/users/{id}/posts?sort={sort}&id={id}');
    assert.deepEqual(template.pathParams, ['id']);
    assert.deepEqual(template.queryParams, ['sort', 'id']);
    assert.equal(template.render({ id: 'a b', sort: 'x&y=z' }), '/users/a%20b/posts?sort=x%26y%3Dz&id=a+b');
  });

  it('renders a missing value as empty', () => {
    assert.equal(compileUrlPattern('/a/{x}/b').render({}), '/a//b');
  });

  it('accepts placeholder names with dots, dashes and colons (JWT.sub, resp0_x)', () => {
    const template = compileUrlPattern('/u/{JWT.sub}/{resp0_user-id}/{a:b}');
    assert.deepEqual(template.pathParams, ['JWT.sub', 'resp0_user-id', 'a:b']);
    assert.equal(template.render({ 'JWT.sub': 's1', 'resp0_user-id': 'u2', 'a:b': 'c' }), '/u/s1/u2/c');
  });

  it('lists the path placeholders that make up a whole segment', () => {
    assert.deepEqual(compileUrlPattern('/u/{a}/x{b}/{c}.json/{d}?q={e}').segmentParams, ['a', 'd']);
    assert.deepEqual(compileUrlPattern('/u/{a}').segmentParams, ['a']);
  });

  it('places the same value differently in path and query', () => {
    const template = compileUrlPattern('/p/{v}?q={v}');
    assert.equal(template.render({ v: 'é/?' }), '/p/%C3%A9%2F%3F?q=%C3%A9%2F%3F');
  });
});

describe('escapePathSegment', () => {
  it('keeps characters a segment may hold', () => {
    assert.equal(escapePathSegment("abc-._~!$&'()*+,;=:@"), "abc-._~!$&'()*+,;=:@");
  });

  it('encodes separators, spaces and non-ASCII', () => {
    assert.equal(escapePathSegment('a/b?c#d e%'), 'a%2Fb%3Fc%23d%20e%25');
    assert.equal(escapePathSegment('ü'), '%C3%BC');
  });
});

describe('escapeQueryComponent', () => {
  it("encodes like Go's url.QueryEscape", () => {
    assert.equal(escapeQueryComponent("a b&c=d/e?f#g!'()*~"), 'a+b%26c%3Dd%2Fe%3Ff%23g%21%27%28%29%2A~');
  });
});

describe('encodeQuery', () => {
  it('sorts keys and keeps value order, like url.Values.Encode', () => {
    assert.equal(encodeQuery({ z: ['1'], a: ['2', '1'], 'k y': ['v w'] }), 'a=2&a=1&k+y=v+w&z=1');
  });

  it('is empty for an empty query', () => {
    assert.equal(encodeQuery({}), '');
  });
});

describe('isUnsafePathValue', () => {
  for (const value of ['a/b', 'a\\b', 'a?b', 'a#b', '.', '..', 'a%2Fb', '%2e', 'a\u0000b', 'a\r\nb', 'tab\there', '\u007f']) {
    it(`refuses ${JSON.stringify(value)}`, () => {
      assert.equal(isUnsafePathValue(value), true);
    });
  }

  for (const value of ['abc', 'a b', 'a.b', '...', '.hidden', 'ünï', 'a%zz', '100%', 'a+b', 'user@example.com', '']) {
    it(`accepts ${JSON.stringify(value)}`, () => {
      assert.equal(isUnsafePathValue(value), false);
    });
  }
});
