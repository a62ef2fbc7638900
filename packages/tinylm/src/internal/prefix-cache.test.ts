import { describe, expect, it } from 'vitest';
import { PrefixCache } from './prefix-cache.ts';
import type { DecoderSnapshot } from './transformer.ts';

/** A snapshot of `length` tokens taking 4·(2·floats + 2) bytes in the cache (two logits). */
function snapshot(length: number, floats = 1): DecoderSnapshot {
  return {
    length,
    keys: [new Float32Array(floats)],
    values: [new Float32Array(floats)],
    logits: new Float32Array([length, -length]),
  };
}

/** Bytes the cache counts for `snapshot(_, floats)`. */
const size = (floats = 1) => 4 * (2 * floats + 2);

describe('PrefixCache', () => {
  it('misses when nothing cached begins the prompt, and counts no hit', () => {
    const cache = new PrefixCache(1024);
    expect(cache.longest([1, 2, 3])).toBeUndefined();
    cache.add([1, 2, 4], snapshot(3));
    cache.add([9], snapshot(1));
    // A state read past the prompt, or one that differs at the first or a middle token, cannot be continued.
    cache.add([1, 2, 3, 4], snapshot(4));
    cache.add([0, 2], snapshot(2));
    expect(cache.longest([1, 2, 3])).toBeUndefined();
    expect({ hits: cache.hits, tokensSkipped: cache.tokensSkipped }).toEqual({ hits: 0, tokensSkipped: 0 });
  });

  it('returns the longest cached prefix of the prompt, the whole prompt included, and counts what it skipped', () => {
    const cache = new PrefixCache(1024);
    const short = snapshot(1);
    const long = snapshot(3);
    const whole = snapshot(4);
    cache.add([5], short);
    cache.add([5, 6, 7], long);
    cache.add([5, 6, 8], snapshot(3));
    expect(cache.longest([5, 6, 7, 9, 9])).toBe(long);
    expect(cache.longest([5, 6])).toBe(short);
    cache.add([5, 6, 7, 9], whole);
    expect(cache.longest([5, 6, 7, 9])).toBe(whole);
    expect({ hits: cache.hits, tokensSkipped: cache.tokensSkipped }).toEqual({ hits: 3, tokensSkipped: 3 + 1 + 4 });
  });

  it('evicts the least recently used state when over budget; a hit makes a state recent', () => {
    const cache = new PrefixCache(2 * size());
    const a = snapshot(1);
    const b = snapshot(1);
    cache.add([1], a);
    cache.add([2], b);
    cache.add([3], snapshot(1));
    expect(cache.longest([1])).toBeUndefined();
    expect(cache.longest([2])).toBe(b);

    // [2] was just used, so adding [4] drops [3].
    cache.add([4], snapshot(1));
    expect(cache.longest([3])).toBeUndefined();
    expect(cache.longest([2])).toBe(b);
    expect(cache.longest([4])).toBeDefined();
  });

  it('stores nothing larger than its budget and keeps what it had', () => {
    const cache = new PrefixCache(size(4));
    const kept = snapshot(1);
    cache.add([1], kept);
    cache.add([1, 2], snapshot(2, 100));
    expect(cache.longest([1, 2])).toBe(kept);
    // One state bigger than the rest of the budget evicts the older ones to fit.
    cache.add([1, 2, 3], snapshot(3, 4));
    expect(cache.longest([1])).toBeUndefined();
    expect(cache.longest([1, 2, 3])?.length).toBe(3);
  });

  it('forgets everything on clear, and counts bytes from zero again', () => {
    const cache = new PrefixCache(2 * size());
    cache.add([1], snapshot(1));
    cache.add([2], snapshot(1));
    cache.clear();
    expect(cache.longest([1])).toBeUndefined();
    expect(cache.longest([2])).toBeUndefined();
    cache.add([3], snapshot(1));
    cache.add([4], snapshot(1));
    expect(cache.longest([3])).toBeDefined();
    expect(cache.longest([4])).toBeDefined();
  });
});
