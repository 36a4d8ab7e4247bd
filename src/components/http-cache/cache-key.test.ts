import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { cacheKeyOf } from './cache-key.js';

const get = (headerLines: string, body: Buffer | Readable | null = null) => cacheKeyOf({ method: 'GET', target: '/a?b=1', headerLines, body }, true);

describe('cacheKeyOf', () => {
  it('holds every client-chosen header the backend is sent', () => {
    assert.notEqual(get('X-Forwarded-Host: shop.example\r\n'), get('X-Forwarded-Host: evil.example\r\n'));
    assert.notEqual(get('X-Theme: dark\r\n'), get(''));
  });

  it('leaves out the resolved client address and the cache directives', () => {
    const base = get('X-Forwarded-Host: shop.example\r\n');
    assert.equal(get('X-Forwarded-For: 10.0.0.1\r\nX-Forwarded-Host: shop.example\r\nCache-Control: no-cache\r\nPragma: no-cache\r\n'), base);
  });

  it('ignores name case and the order of distinct names, not the order of repeated ones', () => {
    assert.equal(get('A: 1\r\nB: 2\r\n'), get('b: 2\r\na: 1\r\n'));
    assert.notEqual(get('A: 1\r\nA: 2\r\n'), get('A: 2\r\nA: 1\r\n'));
  });

  it('keeps method, decoding and target apart', () => {
    assert.notEqual(cacheKeyOf({ method: 'HEAD', target: '/a?b=1', headerLines: '', body: null }, true), get(''));
    assert.notEqual(cacheKeyOf({ method: 'GET', target: '/a?b=1', headerLines: '', body: null }, false), get(''));
    assert.notEqual(cacheKeyOf({ method: 'GET', target: '/a?b=2', headerLines: '', body: null }, true), get(''));
  });

  it('gives no key to a request with a body', () => {
    assert.equal(get('', Buffer.from('x')), undefined);
    assert.equal(get('', Readable.from(['x'])), undefined);
    assert.notEqual(get('', Buffer.alloc(0)), undefined);
  });
});
