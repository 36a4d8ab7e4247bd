import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { PassthroughMetadata } from './passthrough-metadata.js';
import type { HeaderMap } from './types.js';

const backendPairs = (): string[] => ['Content-Type', 'text/plain', 'Set-Cookie', 'a=1', 'X-Backend', 'one', 'Set-Cookie', 'b=2'];

describe('PassthroughMetadata', () => {
  it('hands over the backend list as it came while no layer read the map, once', () => {
    const metadata = new PassthroughMetadata(201, backendPairs());
    assert.deepEqual(PassthroughMetadata.takePairs(metadata), backendPairs());
    assert.equal(PassthroughMetadata.takePairs(metadata), undefined, 'a second taker reads the map');
    assert.equal(metadata.statusCode, 201);
  });

  it('groups repeated names in the map, keeping their order, and hands no list over once it was read', () => {
    const metadata = new PassthroughMetadata(200, backendPairs());
    assert.deepEqual({ ...metadata.headers }, { 'Content-Type': ['text/plain'], 'Set-Cookie': ['a=1', 'b=2'], 'X-Backend': ['one'] });
    metadata.headers['X-Added'] = ['yes'];
    assert.equal(PassthroughMetadata.takePairs(metadata), undefined);
    assert.deepEqual(metadata.headers['X-Added'], ['yes']);
  });

  it('keeps what the taker appended out of the map', () => {
    const metadata = new PassthroughMetadata(200, backendPairs());
    PassthroughMetadata.takePairs(metadata)?.push('X-Krakend-Completed', 'false');
    assert.equal(metadata.headers['X-Krakend-Completed'], undefined);
    assert.deepEqual(metadata.headers['Set-Cookie'], ['a=1', 'b=2']);
  });

  it('takes an assigned value as the truth, whatever it is, as a plain metadata object would', () => {
    const metadata = new PassthroughMetadata(200, backendPairs());
    metadata.headers = { 'X-Only': ['this'] };
    assert.equal(PassthroughMetadata.takePairs(metadata), undefined);
    assert.deepEqual(metadata.headers, { 'X-Only': ['this'] });
    metadata.headers = undefined as unknown as HeaderMap;
    assert.equal(metadata.headers, undefined);
  });

  it('serialises, copies and prints as plain metadata (a plugin may return `{ ...metadata, statusCode }`)', () => {
    assert.equal(JSON.stringify(new PassthroughMetadata(200, ['X-A', '1'])), '{"statusCode":200,"headers":{"X-A":["1"]}}');
    const copy = { ...new PassthroughMetadata(200, ['X-A', '1', 'X-A', '2']), statusCode: 201 };
    assert.deepEqual(copy, { statusCode: 201, headers: { 'X-A': ['1', '2'] } });
    assert.match(inspect(new PassthroughMetadata(200, ['X-A', '1'])), /headers: \{ 'X-A': \[ '1' \] \}/);
  });

  it('answers copies that kept the prototype but not the private state without throwing', () => {
    const metadata = new PassthroughMetadata(200, backendPairs());
    // What deep-clone helpers build: the prototype, and the own values read through the accessor.
    const clone = Object.assign(Object.create(PassthroughMetadata.prototype) as PassthroughMetadata, { statusCode: 200, headers: metadata.headers });
    assert.equal(PassthroughMetadata.takePairs(clone), undefined);
    assert.deepEqual(clone.headers['Set-Cookie'], ['a=1', 'b=2']);
    assert.deepEqual((Object.create(new PassthroughMetadata(200, backendPairs())) as PassthroughMetadata).headers, {});
    assert.equal(PassthroughMetadata.takePairs({ statusCode: 200, headers: {} }), undefined);
  });
});
