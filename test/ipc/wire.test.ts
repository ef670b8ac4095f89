// The test host's wire format carries typed arrays intact, in any nesting, next to plain JSON.
import { describe, expect, it } from 'vitest';
import { decode, encode } from '../e2e/host/wire';

describe('wire codec', () => {
  it('round-trips Results with pixels of several types', () => {
    const hu = Int16Array.from([-1000, 0, 3071, -32768]);
    const value = { ok: true, value: { kind: 'slice', hu, nested: [{ mask: Uint8Array.from([0, 1, 2]) }, Float32Array.from([0.5])], n: null } };
    const back = decode(encode(value)) as typeof value;
    expect(back.value.hu).toBeInstanceOf(Int16Array);
    expect([...back.value.hu]).toEqual([...hu]);
    expect(back.value.nested[0]).toEqual({ mask: Uint8Array.from([0, 1, 2]) });
    expect(back.value.nested[1]).toEqual(Float32Array.from([0.5]));
    expect(back.value.n).toBeNull();
    expect(decode(encode(undefined))).toBeNull();
  });
});
