// The same kernel checks against the plain-SIMD build (no fused multiply-add), as runtimes without relaxed SIMD use.
import { expect, it } from 'vitest';

process.env.S3A_KERNELS = 'simd';
const { kernelVariant } = await import('../../model/kernels/binding');
await import('./kernels.test');

it('ran on the plain SIMD build', () => {
  expect(kernelVariant()).toBe('simd');
});
