// S3-Net's hot kernels in WebAssembly SIMD, run directly on TF.js wasm-backend tensors (the module imports its memory).
//
// Layout: NHWC with batch 1, channels innermost, so every kernel vectorises over channels with 128-bit lanes.
// Rules that keep this module safe inside another module's memory: no static data, no libc, and every function
// works on pointers it is given; the stack pointer is set by the host to a block it allocated (see binding.ts).
#include <wasm_simd128.h>

typedef float f32;
#define EXPORT __attribute__((visibility("default")))

static inline v128_t ld(const f32 *p) { return wasm_v128_load(p); }
static inline void st(f32 *p, v128_t v) { wasm_v128_store(p, v); }
#ifdef S3_RELAXED_SIMD
// Built twice: with relaxed SIMD, madd is one fused multiply-add (vfmadd on x86 with FMA3); without, mul then add.
typedef float f32x4_t __attribute__((__vector_size__(16), __aligned__(16)));
static inline v128_t madd(v128_t acc, v128_t a, v128_t b) {
  return (v128_t)__builtin_wasm_relaxed_madd_f32x4((f32x4_t)a, (f32x4_t)b, (f32x4_t)acc);
}
#else
static inline v128_t madd(v128_t acc, v128_t a, v128_t b) { return wasm_f32x4_add(acc, wasm_f32x4_mul(a, b)); }
#endif

// ---------------------------------------------------------------------------------------------------------------
// Depthwise convolution, stride 1, 'same' padding, any odd K and dilation.
// sign = +1: forward, out[p] = bias + sum_k x[p + off_k] * w[k];
// sign = -1: input gradient, dx[p] = sum_k dy[p - off_k] * w[k] (the transposed convolution of stride 1).
// ---------------------------------------------------------------------------------------------------------------
// Two neighbouring pixels at a time share every filter load (1.5 loads per multiply-add instead of 2).
static inline void dw_pair16(const f32 *x, const f32 *w, const f32 *bias, f32 *o0, int y, int xx, int H, int W, int C,
                             int K, int dil, int sign, int c) {
  const int r = (K - 1) / 2;
  v128_t a0, a1, a2, a3;
  if (bias) { a0 = ld(bias + c); a1 = ld(bias + c + 4); a2 = ld(bias + c + 8); a3 = ld(bias + c + 12); }
  else { a0 = a1 = a2 = a3 = wasm_f32x4_splat(0.f); }
  v128_t b0 = a0, b1 = a1, b2 = a2, b3 = a3;
  for (int ky = 0; ky < K; ky++) {
    const int iy = y + sign * (ky - r) * dil;
    if (iy < 0 || iy >= H) continue;
    const f32 *row = x + (long)iy * W * C + c;
    for (int kx = 0; kx < K; kx++) {
      const int ix0 = xx + sign * (kx - r) * dil, ix1 = ix0 + 1;
      const int ok0 = ix0 >= 0 && ix0 < W, ok1 = ix1 >= 0 && ix1 < W;
      if (!ok0 && !ok1) continue;
      const f32 *wk = w + (ky * K + kx) * C + c;
      const v128_t w0 = ld(wk), w1 = ld(wk + 4), w2 = ld(wk + 8), w3 = ld(wk + 12);
      if (ok0) {
        const f32 *p = row + (long)ix0 * C;
        a0 = madd(a0, ld(p), w0); a1 = madd(a1, ld(p + 4), w1); a2 = madd(a2, ld(p + 8), w2); a3 = madd(a3, ld(p + 12), w3);
      }
      if (ok1) {
        const f32 *p = row + (long)ix1 * C;
        b0 = madd(b0, ld(p), w0); b1 = madd(b1, ld(p + 4), w1); b2 = madd(b2, ld(p + 8), w2); b3 = madd(b3, ld(p + 12), w3);
      }
    }
  }
  f32 *o1 = o0 + C;
  st(o0 + c, a0); st(o0 + c + 4, a1); st(o0 + c + 8, a2); st(o0 + c + 12, a3);
  st(o1 + c, b0); st(o1 + c + 4, b1); st(o1 + c + 8, b2); st(o1 + c + 12, b3);
}

// One pixel, all channels (the last pixel of an odd-width row, and channels past the last block of 16).
static void dw_pixel(const f32 *x, const f32 *w, const f32 *bias, f32 *o, int y, int xx, int H, int W, int C, int K,
                     int dil, int sign, int c_from) {
  const int r = (K - 1) / 2;
  const int C4 = C & ~3;
  int c = c_from;
  for (; c < C4; c += 4) {
    v128_t a0 = bias ? ld(bias + c) : wasm_f32x4_splat(0.f);
    for (int ky = 0; ky < K; ky++) {
      const int iy = y + sign * (ky - r) * dil;
      if (iy < 0 || iy >= H) continue;
      for (int kx = 0; kx < K; kx++) {
        const int ix = xx + sign * (kx - r) * dil;
        if (ix < 0 || ix >= W) continue;
        a0 = madd(a0, ld(x + ((long)iy * W + ix) * C + c), ld(w + (ky * K + kx) * C + c));
      }
    }
    st(o + c, a0);
  }
  for (; c < C; c++) {
    f32 a = bias ? bias[c] : 0.f;
    for (int ky = 0; ky < K; ky++) {
      const int iy = y + sign * (ky - r) * dil;
      if (iy < 0 || iy >= H) continue;
      for (int kx = 0; kx < K; kx++) {
        const int ix = xx + sign * (kx - r) * dil;
        if (ix < 0 || ix >= W) continue;
        a += x[((long)iy * W + ix) * C + c] * w[(ky * K + kx) * C + c];
      }
    }
    o[c] = a;
  }
}

EXPORT void dw_conv(const f32 *x, const f32 *w, const f32 *bias, f32 *out, int H, int W, int C, int K, int dil,
                    int sign) {
  const int C16 = C & ~15;
  const int W2 = W & ~1;
  for (int y = 0; y < H; y++) {
    for (int xx = 0; xx < W2; xx += 2) {
      f32 *o = out + ((long)y * W + xx) * C;
      for (int c = 0; c < C16; c += 16) dw_pair16(x, w, bias, o, y, xx, H, W, C, K, dil, sign, c);
      if (C16 < C) {
        dw_pixel(x, w, bias, o, y, xx, H, W, C, K, dil, sign, C16);
        dw_pixel(x, w, bias, o + C, y, xx + 1, H, W, C, K, dil, sign, C16);
      }
    }
    if (W2 < W) dw_pixel(x, w, bias, out + ((long)y * W + W2) * C, y, W2, H, W, C, K, dil, sign, 0);
  }
}

// Filter gradient of the depthwise convolution: dw[k][c] = sum_p x[p + off_k][c] * dy[p][c], accumulated in place
// (dw must be zeroed by the caller); the K*K*C accumulator stays in L1 while the image streams through once.
EXPORT void dw_filter_grad(const f32 *x, const f32 *dy, f32 *dw, int H, int W, int C, int K, int dil) {
  const int r = (K - 1) / 2;
  const int C4 = C & ~3;
  for (int y = 0; y < H; y++) {
    for (int xx = 0; xx < W; xx++) {
      const f32 *g = dy + ((long)y * W + xx) * C;
      for (int ky = 0; ky < K; ky++) {
        const int iy = y + (ky - r) * dil;
        if (iy < 0 || iy >= H) continue;
        for (int kx = 0; kx < K; kx++) {
          const int ix = xx + (kx - r) * dil;
          if (ix < 0 || ix >= W) continue;
          const f32 *xi = x + ((long)iy * W + ix) * C;
          f32 *acc = dw + (ky * K + kx) * C;
          int c = 0;
          for (; c < C4; c += 4) st(acc + c, madd(ld(acc + c), ld(xi + c), ld(g + c)));
          for (; c < C; c++) acc[c] += xi[c] * g[c];
        }
      }
    }
  }
}

// Filter gradient of a dense convolution, stride 1, dilation 1, symmetric padding pad:
// dw[ky][kx][ci][co] += sum_p x[p + (ky-pad, kx-pad)][ci] * dy[p][co]. Caller zeroes dw. (TF.js wasm lacks this kernel.)
EXPORT void conv_filter_grad(const f32 *x, const f32 *dy, f32 *dw, int H, int W, int Ci, int Ho, int Wo, int Co, int K,
                             int pad) {
  const int Co4 = Co & ~3;
  for (int y = 0; y < Ho; y++) {
    for (int xx = 0; xx < Wo; xx++) {
      const f32 *g = dy + ((long)y * Wo + xx) * Co;
      for (int ky = 0; ky < K; ky++) {
        const int iy = y + ky - pad;
        if (iy < 0 || iy >= H) continue;
        for (int kx = 0; kx < K; kx++) {
          const int ix = xx + kx - pad;
          if (ix < 0 || ix >= W) continue;
          const f32 *xi = x + ((long)iy * W + ix) * Ci;
          for (int ci = 0; ci < Ci; ci++) {
            const v128_t xv = wasm_f32x4_splat(xi[ci]);
            f32 *acc = dw + ((long)(ky * K + kx) * Ci + ci) * Co;
            int co = 0;
            for (; co < Co4; co += 4) st(acc + co, madd(ld(acc + co), xv, ld(g + co)));
            for (; co < Co; co++) acc[co] += xi[ci] * g[co];
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Modulated deformable 3×3 convolution (DCNv2 sampling), padding 1, stride 1.
// offset[p][2k] is the row shift and offset[p][2k+1] the column shift of tap k (k = ky*3 + kx); mask[p][k] scales it.
// cols[p][k*C + c] = mask * bilinear(x, y + ky - 1 + dy, x + kx - 1 + dx)[c]; the dense part is a matmul done by TF.js.
// Corners outside the image read as zero, as in torchvision's deform_conv2d.
// ---------------------------------------------------------------------------------------------------------------
typedef struct {
  int valid;
  long i00, i01, i10, i11;  // element offsets of the four corners (-1 when outside)
  f32 w00, w01, w10, w11;   // bilinear weights
  f32 ly, lx;
} Tap;

static inline Tap tap_at(f32 py, f32 px, int H, int W, int C) {
  Tap t;
  t.valid = !(py <= -1.f || py >= (f32)H || px <= -1.f || px >= (f32)W);
  const f32 fy = __builtin_floorf(py), fx = __builtin_floorf(px);
  const int y0 = (int)fy, x0 = (int)fx, y1 = y0 + 1, x1 = x0 + 1;
  t.ly = py - fy; t.lx = px - fx;
  const f32 hy = 1.f - t.ly, hx = 1.f - t.lx;
  t.w00 = hy * hx; t.w01 = hy * t.lx; t.w10 = t.ly * hx; t.w11 = t.ly * t.lx;
  const int in_y0 = y0 >= 0 && y0 < H, in_y1 = y1 >= 0 && y1 < H, in_x0 = x0 >= 0 && x0 < W, in_x1 = x1 >= 0 && x1 < W;
  t.i00 = (in_y0 && in_x0) ? ((long)y0 * W + x0) * C : -1;
  t.i01 = (in_y0 && in_x1) ? ((long)y0 * W + x1) * C : -1;
  t.i10 = (in_y1 && in_x0) ? ((long)y1 * W + x0) * C : -1;
  t.i11 = (in_y1 && in_x1) ? ((long)y1 * W + x1) * C : -1;
  return t;
}

static inline v128_t corner(const f32 *x, long i, int c) { return i >= 0 ? ld(x + i + c) : wasm_f32x4_splat(0.f); }
static inline f32 corner1(const f32 *x, long i, int c) { return i >= 0 ? x[i + c] : 0.f; }

// Rows [p0, p1) of the column matrix; cols points at row p0.
static void deform_im2col_rows(const f32 *x, const f32 *offset, const f32 *mask, f32 *cols, int H, int W, int C,
                               int p0, int p1) {
  const int C4 = C & ~3;
  for (int pp = p0; pp < p1; pp++) {
    {
      const long p = pp;
      const int y = pp / W, xx = pp % W;
      for (int k = 0; k < 9; k++) {
        f32 *out = cols + ((p - p0) * 9 + k) * C;
        const f32 py = (f32)(y + k / 3 - 1) + offset[p * 18 + 2 * k];
        const f32 px = (f32)(xx + k % 3 - 1) + offset[p * 18 + 2 * k + 1];
        const f32 m = mask[p * 9 + k];
        const Tap t = tap_at(py, px, H, W, C);
        if (!t.valid) {
          for (int c = 0; c < C; c++) out[c] = 0.f;
          continue;
        }
        const v128_t w00 = wasm_f32x4_splat(t.w00 * m), w01 = wasm_f32x4_splat(t.w01 * m);
        const v128_t w10 = wasm_f32x4_splat(t.w10 * m), w11 = wasm_f32x4_splat(t.w11 * m);
        int c = 0;
        for (; c < C4; c += 4) {
          v128_t v = wasm_f32x4_mul(corner(x, t.i00, c), w00);
          v = madd(v, corner(x, t.i01, c), w01);
          v = madd(v, corner(x, t.i10, c), w10);
          v = madd(v, corner(x, t.i11, c), w11);
          st(out + c, v);
        }
        for (; c < C; c++) {
          out[c] = m * (t.w00 * corner1(x, t.i00, c) + t.w01 * corner1(x, t.i01, c) + t.w10 * corner1(x, t.i10, c) +
                        t.w11 * corner1(x, t.i11, c));
        }
      }
    }
  }
}

EXPORT void deform_im2col(const f32 *x, const f32 *offset, const f32 *mask, f32 *cols, int H, int W, int C) {
  deform_im2col_rows(x, offset, mask, cols, H, W, C, 0, H * W);
}

static inline f32 hsum(v128_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) + wasm_f32x4_extract_lane(v, 2) +
         wasm_f32x4_extract_lane(v, 3);
}

// Backward of deform_im2col. dx (zeroed by the caller) receives the scattered input gradient; doffset and dmask are
// written. d(sample)/d(py) = (1-lx)(v10-v00) + lx(v11-v01), d/d(px) = (1-ly)(v01-v00) + ly(v11-v10).
static void deform_im2col_grad_rows(const f32 *x, const f32 *offset, const f32 *mask, const f32 *dcols, f32 *dx,
                                    f32 *doffset, f32 *dmask, int H, int W, int C, int p0, int p1) {
  const int C4 = C & ~3;
  for (int pp = p0; pp < p1; pp++) {
    {
      const long p = pp;
      const int y = pp / W, xx = pp % W;
      for (int k = 0; k < 9; k++) {
        const f32 *g = dcols + ((p - p0) * 9 + k) * C;
        const f32 py = (f32)(y + k / 3 - 1) + offset[p * 18 + 2 * k];
        const f32 px = (f32)(xx + k % 3 - 1) + offset[p * 18 + 2 * k + 1];
        const f32 m = mask[p * 9 + k];
        const Tap t = tap_at(py, px, H, W, C);
        if (!t.valid) {
          doffset[p * 18 + 2 * k] = 0.f;
          doffset[p * 18 + 2 * k + 1] = 0.f;
          dmask[p * 9 + k] = 0.f;
          continue;
        }
        const v128_t w00 = wasm_f32x4_splat(t.w00), w01 = wasm_f32x4_splat(t.w01);
        const v128_t w10 = wasm_f32x4_splat(t.w10), w11 = wasm_f32x4_splat(t.w11);
        const v128_t hy = wasm_f32x4_splat(1.f - t.ly), vy = wasm_f32x4_splat(t.ly);
        const v128_t hx = wasm_f32x4_splat(1.f - t.lx), vx = wasm_f32x4_splat(t.lx);
        const v128_t mv = wasm_f32x4_splat(m);
        v128_t sv = wasm_f32x4_splat(0.f), sy = sv, sx = sv;
        int c = 0;
        for (; c < C4; c += 4) {
          const v128_t gv = ld(g + c);
          const v128_t v00 = corner(x, t.i00, c), v01 = corner(x, t.i01, c);
          const v128_t v10 = corner(x, t.i10, c), v11 = corner(x, t.i11, c);
          v128_t val = wasm_f32x4_mul(v00, w00);
          val = madd(val, v01, w01);
          val = madd(val, v10, w10);
          val = madd(val, v11, w11);
          sv = madd(sv, gv, val);
          const v128_t dpy = wasm_f32x4_add(wasm_f32x4_mul(hx, wasm_f32x4_sub(v10, v00)),
                                            wasm_f32x4_mul(vx, wasm_f32x4_sub(v11, v01)));
          const v128_t dpx = wasm_f32x4_add(wasm_f32x4_mul(hy, wasm_f32x4_sub(v01, v00)),
                                            wasm_f32x4_mul(vy, wasm_f32x4_sub(v11, v10)));
          sy = madd(sy, gv, dpy);
          sx = madd(sx, gv, dpx);
          const v128_t gm = wasm_f32x4_mul(gv, mv);
          if (t.i00 >= 0) st(dx + t.i00 + c, madd(ld(dx + t.i00 + c), gm, w00));
          if (t.i01 >= 0) st(dx + t.i01 + c, madd(ld(dx + t.i01 + c), gm, w01));
          if (t.i10 >= 0) st(dx + t.i10 + c, madd(ld(dx + t.i10 + c), gm, w10));
          if (t.i11 >= 0) st(dx + t.i11 + c, madd(ld(dx + t.i11 + c), gm, w11));
        }
        f32 s_val = hsum(sv), s_y = hsum(sy), s_x = hsum(sx);
        for (; c < C; c++) {
          const f32 gc = g[c];
          const f32 v00 = corner1(x, t.i00, c), v01 = corner1(x, t.i01, c);
          const f32 v10 = corner1(x, t.i10, c), v11 = corner1(x, t.i11, c);
          s_val += gc * (t.w00 * v00 + t.w01 * v01 + t.w10 * v10 + t.w11 * v11);
          s_y += gc * ((1.f - t.lx) * (v10 - v00) + t.lx * (v11 - v01));
          s_x += gc * ((1.f - t.ly) * (v01 - v00) + t.ly * (v11 - v10));
          const f32 gm = gc * m;
          if (t.i00 >= 0) dx[t.i00 + c] += gm * t.w00;
          if (t.i01 >= 0) dx[t.i01 + c] += gm * t.w01;
          if (t.i10 >= 0) dx[t.i10 + c] += gm * t.w10;
          if (t.i11 >= 0) dx[t.i11 + c] += gm * t.w11;
        }
        doffset[p * 18 + 2 * k] = m * s_y;
        doffset[p * 18 + 2 * k + 1] = m * s_x;
        dmask[p * 9 + k] = s_val;
      }
    }
  }
}

EXPORT void deform_im2col_grad(const f32 *x, const f32 *offset, const f32 *mask, const f32 *dcols, f32 *dx,
                               f32 *doffset, f32 *dmask, int H, int W, int C) {
  deform_im2col_grad_rows(x, offset, mask, dcols, dx, doffset, dmask, H, W, C, 0, H * W);
}

// Scatter-add for the gather gradient (UnsortedSegmentSum with rows): out[ids[i]][:] += data[i][:]. Caller zeroes out.
EXPORT void segment_sum_rows(const f32 *data, const int *ids, f32 *out, int n, int rowLen, int numSegments) {
  for (int i = 0; i < n; i++) {
    const int s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const f32 *src = data + (long)i * rowLen;
    f32 *dst = out + (long)s * rowLen;
    for (int j = 0; j < rowLen; j++) dst[j] += src[j];
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Row-major [P, C] reductions and BatchNorm over rows (training mode, batch statistics, biased variance).
// TF.js's wasm backend reduces along axis 0 by transposing first and tiles for broadcasts in gradients; these avoid
// both with one or two streaming passes.
// ---------------------------------------------------------------------------------------------------------------

// out[c] = sum_p x[p][c] (overwrites out).
EXPORT void col_sum(const f32 *x, f32 *out, int P, int C) {
  const int C4 = C & ~3;
  for (int c = 0; c < C; c++) out[c] = 0.f;
  for (int p = 0; p < P; p++) {
    const f32 *row = x + (long)p * C;
    int c = 0;
    for (; c < C4; c += 4) st(out + c, wasm_f32x4_add(ld(out + c), ld(row + c)));
    for (; c < C; c++) out[c] += row[c];
  }
}

// y = (x - mean) * rstd * gamma + beta; writes mean[C] and rstd[C] = 1/sqrt(var + eps) for the backward pass.
// Sums run in blocks of rows so float error stays small at 65,536 rows.
EXPORT void bn_forward(const f32 *x, const f32 *gamma, const f32 *beta, f32 *y, f32 *mean, f32 *rstd, int P, int C,
                       f32 eps) {
  const int C4 = C & ~3;
  for (int c = 0; c < C; c++) { mean[c] = 0.f; rstd[c] = 0.f; }
  // Pass 1: mean, accumulated per block of 256 rows in y's first row as scratch-free partial sums.
  for (int p0 = 0; p0 < P; p0 += 256) {
    const int p1 = p0 + 256 < P ? p0 + 256 : P;
    int c = 0;
    for (; c < C4; c += 4) {
      v128_t s = wasm_f32x4_splat(0.f);
      for (int p = p0; p < p1; p++) s = wasm_f32x4_add(s, ld(x + (long)p * C + c));
      st(mean + c, wasm_f32x4_add(ld(mean + c), s));
    }
    for (; c < C; c++) {
      f32 s = 0.f;
      for (int p = p0; p < p1; p++) s += x[(long)p * C + c];
      mean[c] += s;
    }
  }
  const f32 invP = 1.f / (f32)P;
  for (int c = 0; c < C; c++) mean[c] *= invP;
  // Pass 2: variance about the mean (two-pass, stable).
  for (int p0 = 0; p0 < P; p0 += 256) {
    const int p1 = p0 + 256 < P ? p0 + 256 : P;
    int c = 0;
    for (; c < C4; c += 4) {
      const v128_t m = ld(mean + c);
      v128_t s = wasm_f32x4_splat(0.f);
      for (int p = p0; p < p1; p++) {
        const v128_t d = wasm_f32x4_sub(ld(x + (long)p * C + c), m);
        s = madd(s, d, d);
      }
      st(rstd + c, wasm_f32x4_add(ld(rstd + c), s));
    }
    for (; c < C; c++) {
      f32 s = 0.f;
      for (int p = p0; p < p1; p++) {
        const f32 d = x[(long)p * C + c] - mean[c];
        s += d * d;
      }
      rstd[c] += s;
    }
  }
  for (int c = 0; c < C; c++) rstd[c] = 1.f / __builtin_sqrtf(rstd[c] * invP + eps);
  // Pass 3: normalise, scale, shift.
  for (int p = 0; p < P; p++) {
    const f32 *xr = x + (long)p * C;
    f32 *yr = y + (long)p * C;
    int c = 0;
    for (; c < C4; c += 4) {
      const v128_t scale = wasm_f32x4_mul(ld(rstd + c), ld(gamma + c));
      st(yr + c, madd(ld(beta + c), wasm_f32x4_sub(ld(xr + c), ld(mean + c)), scale));
    }
    for (; c < C; c++) yr[c] = beta[c] + (xr[c] - mean[c]) * rstd[c] * gamma[c];
  }
}

// Backward of bn_forward: dbeta = sum dy, dgamma = sum dy * xhat,
// dx = gamma * rstd * (dy - dbeta/P - xhat * dgamma/P).
EXPORT void bn_backward(const f32 *dy, const f32 *x, const f32 *mean, const f32 *rstd, const f32 *gamma, f32 *dx,
                        f32 *dgamma, f32 *dbeta, int P, int C) {
  const int C4 = C & ~3;
  for (int c = 0; c < C; c++) { dgamma[c] = 0.f; dbeta[c] = 0.f; }
  for (int p0 = 0; p0 < P; p0 += 256) {
    const int p1 = p0 + 256 < P ? p0 + 256 : P;
    int c = 0;
    for (; c < C4; c += 4) {
      const v128_t m = ld(mean + c), r = ld(rstd + c);
      v128_t sb = wasm_f32x4_splat(0.f), sg = sb;
      for (int p = p0; p < p1; p++) {
        const v128_t g = ld(dy + (long)p * C + c);
        const v128_t xh = wasm_f32x4_mul(wasm_f32x4_sub(ld(x + (long)p * C + c), m), r);
        sb = wasm_f32x4_add(sb, g);
        sg = madd(sg, g, xh);
      }
      st(dbeta + c, wasm_f32x4_add(ld(dbeta + c), sb));
      st(dgamma + c, wasm_f32x4_add(ld(dgamma + c), sg));
    }
    for (; c < C; c++) {
      f32 sb = 0.f, sg = 0.f;
      for (int p = p0; p < p1; p++) {
        const f32 g = dy[(long)p * C + c];
        sb += g;
        sg += g * (x[(long)p * C + c] - mean[c]) * rstd[c];
      }
      dbeta[c] += sb;
      dgamma[c] += sg;
    }
  }
  const f32 invP = 1.f / (f32)P;
  for (int p = 0; p < P; p++) {
    const f32 *g = dy + (long)p * C, *xr = x + (long)p * C;
    f32 *o = dx + (long)p * C;
    int c = 0;
    for (; c < C4; c += 4) {
      const v128_t r = ld(rstd + c);
      const v128_t xh = wasm_f32x4_mul(wasm_f32x4_sub(ld(xr + c), ld(mean + c)), r);
      const v128_t mb = wasm_f32x4_mul(ld(dbeta + c), wasm_f32x4_splat(invP));
      const v128_t mg = wasm_f32x4_mul(ld(dgamma + c), wasm_f32x4_splat(invP));
      const v128_t inner = wasm_f32x4_sub(wasm_f32x4_sub(ld(g + c), mb), wasm_f32x4_mul(xh, mg));
      st(o + c, wasm_f32x4_mul(wasm_f32x4_mul(ld(gamma + c), r), inner));
    }
    for (; c < C; c++) {
      const f32 xh = (xr[c] - mean[c]) * rstd[c];
      o[c] = gamma[c] * rstd[c] * (g[c] - dbeta[c] * invP - xh * dgamma[c] * invP);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Softmax cross-entropy over rows of [P, C] logits, mean over rows, value and gradient in one pass.
// labels == 0 (null): the target is each row's own argmax (S3-Net's self-labelling); the argmax is written to
// argmax_out when it is not null. Given labels, a negative label marks a pixel outside the loss (S3-Net's affine
// consistency: pixels a transform brought in from outside the image); the mean runs over the N labelled rows.
// grad = (softmax - onehot(target)) / N, 0 on unlabelled rows. Returns the mean loss (0 when no row is labelled).
// ---------------------------------------------------------------------------------------------------------------
// exp for v <= 0 (softmax after subtracting the row max): Cody-Waite range reduction to |r| <= ln2/2, a degree-6
// polynomial for e^r (Cephes' single-precision coefficients, ~1 ulp), and 2^n assembled in the exponent bits.
static inline f32 fast_exp(f32 v) {
  if (v < -87.f) return 0.f;
  const f32 n = __builtin_floorf(v * 1.44269504088896341f + 0.5f);
  const f32 r = v - n * 0.693359375f + n * 2.12194440e-4f;
  f32 q = 1.9875691500e-4f;
  q = q * r + 1.3981999507e-3f;
  q = q * r + 8.3334519073e-3f;
  q = q * r + 4.1665795894e-2f;
  q = q * r + 1.6666665459e-1f;
  q = q * r + 5.0000001201e-1f;
  const f32 er = q * r * r + r + 1.f;
  union { int i; f32 f; } scale;
  scale.i = ((int)n + 127) << 23;
  return er * scale.f;
}

// Natural log from the host (Math.log): called once per row, so the call cost does not matter.
extern f32 host_log(f32 v) __attribute__((import_module("env"), import_name("log")));

EXPORT f32 softmax_xent(const f32 *logits, const int *labels, f32 *grad, int *argmax_out, int P, int C) {
  double total = 0.0;
  int labelled = P;
  if (labels) {
    labelled = 0;
    for (int p = 0; p < P; p++) labelled += labels[p] >= 0;
  }
  const f32 invP = labelled ? 1.f / (f32)labelled : 0.f;
  for (int p = 0; p < P; p++) {
    const f32 *l = logits + (long)p * C;
    f32 *g = grad + (long)p * C;
    int am = 0;
    f32 mx = l[0];
    for (int c = 1; c < C; c++) if (l[c] > mx) { mx = l[c]; am = c; }
    if (argmax_out) argmax_out[p] = am;
    const int target = labels ? labels[p] : am;
    if (target < 0) {
      for (int c = 0; c < C; c++) g[c] = 0.f;
      continue;
    }
    f32 sum = 0.f;
    for (int c = 0; c < C; c++) { const f32 e = fast_exp(l[c] - mx); g[c] = e; sum += e; }
    const f32 inv = 1.f / sum;
    for (int c = 0; c < C; c++) g[c] *= inv * invP;
    g[target] -= invP;
    // loss = logsumexp - l[target] = log(sum) + mx - l[target]
    total += (double)(host_log(sum) + mx - l[target]);
  }
  return labelled ? (f32)(total / (double)labelled) : 0.f;
}

// ---------------------------------------------------------------------------------------------------------------
// Weight gradients of dense layers: out[i][o] = sum_p a[p][i] * b[p][o] for a [P, M], b [P, N] (out = aᵀ·b, [M, N]).
// TF.js's wasm matMul packs its right operand on every call, which for 65,536-row operands costs more than the
// product; here rows stream once per block while a 2×16 tile of out stays in registers.
// ---------------------------------------------------------------------------------------------------------------
#define TN_ROWS 32

static void matmul_tn_acc(const f32 *a, const f32 *b, f32 *out, int P, int M, int N) {
  const int M2 = M & ~1, N16 = N & ~15;
  for (int p0 = 0; p0 < P; p0 += TN_ROWS) {
    const int p1 = p0 + TN_ROWS < P ? p0 + TN_ROWS : P;
    for (int i = 0; i < M2; i += 2) {
      f32 *o0 = out + (long)i * N, *o1 = o0 + N;
      for (int o = 0; o < N16; o += 16) {
        v128_t c00 = ld(o0 + o), c01 = ld(o0 + o + 4), c02 = ld(o0 + o + 8), c03 = ld(o0 + o + 12);
        v128_t c10 = ld(o1 + o), c11 = ld(o1 + o + 4), c12 = ld(o1 + o + 8), c13 = ld(o1 + o + 12);
        for (int p = p0; p < p1; p++) {
          const f32 *br = b + (long)p * N + o;
          const v128_t b0 = ld(br), b1 = ld(br + 4), b2 = ld(br + 8), b3 = ld(br + 12);
          const v128_t a0 = wasm_v128_load32_splat(a + (long)p * M + i);
          const v128_t a1 = wasm_v128_load32_splat(a + (long)p * M + i + 1);
          c00 = madd(c00, a0, b0); c01 = madd(c01, a0, b1); c02 = madd(c02, a0, b2); c03 = madd(c03, a0, b3);
          c10 = madd(c10, a1, b0); c11 = madd(c11, a1, b1); c12 = madd(c12, a1, b2); c13 = madd(c13, a1, b3);
        }
        st(o0 + o, c00); st(o0 + o + 4, c01); st(o0 + o + 8, c02); st(o0 + o + 12, c03);
        st(o1 + o, c10); st(o1 + o + 4, c11); st(o1 + o + 8, c12); st(o1 + o + 12, c13);
      }
      for (int o = N16; o < N; o++) {
        f32 s0 = 0.f, s1 = 0.f;
        for (int p = p0; p < p1; p++) {
          s0 += a[(long)p * M + i] * b[(long)p * N + o];
          s1 += a[(long)p * M + i + 1] * b[(long)p * N + o];
        }
        o0[o] += s0;
        o1[o] += s1;
      }
    }
    for (int i = M2; i < M; i++) {
      for (int o = 0; o < N; o++) {
        f32 s = 0.f;
        for (int p = p0; p < p1; p++) s += a[(long)p * M + i] * b[(long)p * N + o];
        out[(long)i * N + o] += s;
      }
    }
  }
}

EXPORT void matmul_tn(const f32 *a, const f32 *b, f32 *out, int P, int M, int N) {
  for (long i = 0; i < (long)M * N; i++) out[i] = 0.f;
  matmul_tn_acc(a, b, out, P, M, N);
}

// out[p][o] = sum_i a[p][i] * w[i][o] for a [P, K], w [K, N] (overwrites out). Two rows × 16 columns in registers.
void gemm_nn(const f32 *a, const f32 *w, f32 *out, int P, int K, int N);
EXPORT void gemm(const f32 *a, const f32 *w, f32 *out, int P, int K, int N) { gemm_nn(a, w, out, P, K, N); }
// Rows go in chunks of GEMM_ROWS: within a chunk each 16-column tile of w is reused by every row pair while it is in
// L1, so w streams from L2 once per chunk instead of once per row pair (a 576×64 or 64×576 w is 147 KB).
// The inner dimension goes in slices of GEMM_DEPTH so a 16-column tile of w (GEMM_DEPTH × 64 B) also stays in L1.
#define GEMM_ROWS 32
#define GEMM_DEPTH 192
void gemm_nn(const f32 *a, const f32 *w, f32 *out, int P, int K, int N) {
  const int N16 = N & ~15;
  for (int p0 = 0; p0 < P; p0 += GEMM_ROWS) {
    const int p1 = p0 + GEMM_ROWS < P ? p0 + GEMM_ROWS : P;
    const int p1e = p0 + ((p1 - p0) & ~1);
    for (int k0 = 0; k0 < K; k0 += GEMM_DEPTH) {
     const int k1 = k0 + GEMM_DEPTH < K ? k0 + GEMM_DEPTH : K;
     for (int o = 0; o < N16; o += 16) {
      for (int p = p0; p < p1e; p += 2) {
        const f32 *a0 = a + (long)p * K, *a1 = a0 + K;
        f32 *o0 = out + (long)p * N, *o1 = o0 + N;
        v128_t c00, c01, c02, c03, c10, c11, c12, c13;
        if (k0 == 0) {
          c00 = c01 = c02 = c03 = c10 = c11 = c12 = c13 = wasm_f32x4_splat(0.f);
        } else {
          c00 = ld(o0 + o); c01 = ld(o0 + o + 4); c02 = ld(o0 + o + 8); c03 = ld(o0 + o + 12);
          c10 = ld(o1 + o); c11 = ld(o1 + o + 4); c12 = ld(o1 + o + 8); c13 = ld(o1 + o + 12);
        }
        for (int i = k0; i < k1; i++) {
          const f32 *wr = w + (long)i * N + o;
          const v128_t w0 = ld(wr), w1 = ld(wr + 4), w2 = ld(wr + 8), w3 = ld(wr + 12);
          const v128_t x0 = wasm_v128_load32_splat(a0 + i), x1 = wasm_v128_load32_splat(a1 + i);
          c00 = madd(c00, x0, w0); c01 = madd(c01, x0, w1); c02 = madd(c02, x0, w2); c03 = madd(c03, x0, w3);
          c10 = madd(c10, x1, w0); c11 = madd(c11, x1, w1); c12 = madd(c12, x1, w2); c13 = madd(c13, x1, w3);
        }
        st(o0 + o, c00); st(o0 + o + 4, c01); st(o0 + o + 8, c02); st(o0 + o + 12, c03);
        st(o1 + o, c10); st(o1 + o + 4, c11); st(o1 + o + 8, c12); st(o1 + o + 12, c13);
      }
     }
    }
    // Columns past the last full tile, and an odd last row.
    for (int p = p0; p < p1; p++) {
      const int o_start = p < p1e ? N16 : 0;
      for (int o = o_start; o < N; o++) {
        f32 s0 = 0.f;
        for (int i = 0; i < K; i++) s0 += a[(long)p * K + i] * w[(long)i * N + o];
        out[(long)p * N + o] = s0;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The whole modulated deformable convolution, in blocks of rows so the 9·C-wide column matrix never exists in full
// (it would be 151 MB at 256×256×64): forward out = cols·w; backward recomputes each block's columns.
// scratch holds block × 9C floats; the backward also needs scratch2 (same size) and wt (Cout × 9C).
// ---------------------------------------------------------------------------------------------------------------
EXPORT void deform_conv_forward(const f32 *x, const f32 *offset, const f32 *mask, const f32 *w, f32 *out, f32 *scratch,
                                int H, int W, int C, int Cout, int block) {
  const int P = H * W, K = 9 * C;
  for (int p0 = 0; p0 < P; p0 += block) {
    const int p1 = p0 + block < P ? p0 + block : P;
    deform_im2col_rows(x, offset, mask, scratch, H, W, C, p0, p1);
    gemm_nn(scratch, w, out + (long)p0 * Cout, p1 - p0, K, Cout);
  }
}

EXPORT void deform_conv_backward(const f32 *x, const f32 *offset, const f32 *mask, const f32 *w, const f32 *dy, f32 *dx,
                                 f32 *doffset, f32 *dmask, f32 *dw, f32 *scratch, f32 *scratch2, f32 *wt, int H, int W,
                                 int C, int Cout, int block) {
  const int P = H * W, K = 9 * C;
  for (int i = 0; i < K; i++)
    for (int o = 0; o < Cout; o++) wt[(long)o * K + i] = w[(long)i * Cout + o];
  for (long i = 0; i < (long)K * Cout; i++) dw[i] = 0.f;
  for (long i = 0; i < (long)P * C; i++) dx[i] = 0.f;
  for (int p0 = 0; p0 < P; p0 += block) {
    const int p1 = p0 + block < P ? p0 + block : P;
    const f32 *dyb = dy + (long)p0 * Cout;
    deform_im2col_rows(x, offset, mask, scratch, H, W, C, p0, p1);
    matmul_tn_acc(scratch, dyb, dw, p1 - p0, K, Cout);
    gemm_nn(dyb, wt, scratch2, p1 - p0, Cout, K);
    deform_im2col_grad_rows(x, offset, mask, scratch2, dx, doffset, dmask, H, W, C, p0, p1);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// GELU (exact, erf form) and its gradient. erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7, as TF.js's erf).
// ---------------------------------------------------------------------------------------------------------------
static inline f32 erf_as(f32 v) {
  const f32 sign = v < 0.f ? -1.f : 1.f;
  const f32 a = v < 0.f ? -v : v;
  const f32 t = 1.f / (1.f + 0.3275911f * a);
  const f32 poly = t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f))));
  return sign * (1.f - poly * fast_exp(-a * a));
}

EXPORT void gelu_forward(const f32 *x, f32 *y, int n) {
  for (int i = 0; i < n; i++) y[i] = 0.5f * x[i] * (1.f + erf_as(x[i] * 0.70710678118654752f));
}

// dx = dy · (Φ(x) + x·φ(x)), Φ the normal CDF, φ its density.
EXPORT void gelu_backward(const f32 *x, const f32 *dy, f32 *dx, int n) {
  for (int i = 0; i < n; i++) {
    const f32 v = x[i];
    const f32 cdf = 0.5f * (1.f + erf_as(v * 0.70710678118654752f));
    const f32 pdf = 0.3989422804014327f * fast_exp(-0.5f * v * v);
    dx[i] = dy[i] * (cdf + v * pdf);
  }
}
