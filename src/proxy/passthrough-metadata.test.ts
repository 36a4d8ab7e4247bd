import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassthroughMetadata } from './passthrough-metadata.js';

const backendPairs = (): string[] => ['Content-Type', 'text/plain', 'Set-Cookie', 'a=1', 'X-Backend', 'one', 'Set-Cookie', 'b=2'];

describe('PassthroughMetadata', () => {
  it('hands over the backend list as it came while no layer read the map', () => {
    const metadata = new PassthroughMetadata(201, backendPairs());
    const pairs = metadata.takePairs();
    assert.deepEqual(pairs, backendPairs());
    assert.equal(metadata.statusCode, 201);
  });

  it('groups repeated names in the map, keeping their order, and hands no list over once it was read', () => {
    const metadata = new PassthroughMetadata(200, backendPairs());
    assert.deepEqual({ ...metadata.headers }, { 'Content-Type': ['text/plain'], 'Set-Cookie': ['a=1', 'b=2'], 'X-Backend': ['one'] });
    metadata.headers['X-Added'] = ['yes'];
    assert.equal(metadata.takePairs(), undefined);
    assert.deepEqual(metadata.headers['X-Added'], ['yes']);
  });

  it('keeps what the taker appended out of the map', () => {
    const metadata = new PassthroughMetadata(200, backendPairs());
    metadata.takePairs()?.push('X-Krakend-Completed', 'false');
    assert.equal(metadata.headers['X-Krakend-Completed'], undefined);
    assert.deepEqual(metadata.headers['Set-Cookie'], ['a=1', 'b=2']);
  });

  it('takes a replaced map as the truth', () => {
    const metadata = new PassthroughMetadata(200, backendPairs());
    metadata.headers = { 'X-Only': ['this'] };
    assert.equal(metadata.takePairs(), undefined);
    assert.deepEqual(metadata.headers, { 'X-Only': ['this'] });
  });

  it('serialises and copies as plain metadata (a plugin may return `{ ...metadata, statusCode }`)', () => {
    assert.equal(JSON.stringify(new PassthroughMetadata(200, ['X-A', '1'])), '{"statusCode":200,"headers":{"X-A":["1"]}}');
    const copy = { ...new PassthroughMetadata(200, ['X-A', '1', 'X-A', '2']), statusCode: 201 };
    assert.deepEqual(copy, { statusCode: 201, headers: { 'X-A': ['1', '2'] } });
  });
});
