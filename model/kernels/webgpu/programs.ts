// WGSL compute programs for S3-Net's kernels on TF.js's WebGPU backend, one output each (the same maths as s3kernels.c).
//
// Shapes are baked into each shader as constants (a training run keeps its shapes, so each pipeline compiles once
// and is then served from the backend's cache, keyed by shaderKey). TF.js adds the bindings: `result` (the output)
// and one read-only array per entry of variableNames, in order.

/** The subset of TF.js's WebGPUProgram these programs fill in (its type lives in a module Node cannot import). */
export interface S3Program {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  variableNames: string[];
  workgroupSize: [number, number, number];
  size?: boolean;
  atomic?: boolean;
  getUserCode: () => string;
}

const WG = 64;
const f = (v: number) => (Number.isInteger(v) ? `${v}.0` : `${v}`);

/** One invocation per output element (or per `count` work items): `body` sees `index` and writes the result. */
export function elementwise(key: string, variableNames: string[], outputShape: number[], body: string, count?: number, atomic = false): S3Program {
  const n = count ?? outputShape.reduce((a, d) => a * d, 1);
  return {
    outputShape,
    shaderKey: `s3_${key}_${n}`,
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: [Math.ceil(n / WG), 1, 1],
    variableNames,
    workgroupSize: [WG, 1, 1],
    atomic,
    size: true,
    getUserCode: () => `
      ${HELPERS}
      fn main(index : i32) {
        // uniforms.size is never negative: reading it keeps the uniform binding in the auto layout TF.js binds.
        if (index >= ${n} || uniforms.size < 0) { return; }
        ${body}
      }`,
  };
}

/**
 * One workgroup per output element o: result[o] = finish(Σ_{p < count} term(o, p)). Each of the 64 invocations sums a
 * strided share, then a tree in workgroup memory adds the partial sums (small float error at 65,536 rows).
 */
export function reduction(key: string, variableNames: string[], outputShape: number[], count: number, term: string, finish = 'total'): S3Program {
  const n = outputShape.reduce((a, d) => a * d, 1);
  return {
    outputShape,
    shaderKey: `s3r_${key}_${n}_${count}`,
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: [n, 1, 1],
    variableNames,
    workgroupSize: [WG, 1, 1],
    size: true,
    getUserCode: () => `
      ${HELPERS}
      var<workgroup> partial : array<f32, ${WG}>;
      fn term(o : i32, p : i32) -> f32 { ${term} }
      fn main(unused : i32) {
        // The backend may fold a long dispatch into two dimensions: recover the flat workgroup index.
        let o = i32(workgroupId.y * numWorkgroups.x + workgroupId.x);
        let lid = i32(localIndex);
        var acc = 0.0;
        if (o < ${n} && uniforms.size >= 0) {
          for (var p = lid; p < ${count}; p = p + ${WG}) { acc = acc + term(o, p); }
        }
        partial[lid] = acc;
        workgroupBarrier();
        for (var s = ${WG / 2}; s > 0; s = s / 2) {
          if (lid < s) { partial[lid] = partial[lid] + partial[lid + s]; }
          workgroupBarrier();
        }
        if (lid == 0 && o < ${n}) {
          let total = partial[0];
          result[o] = ${finish};
        }
      }`,
  };
}

// erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), as the wasm kernel; float atomics by compare-and-swap on bits.
const HELPERS = `
  fn s3erf(v : f32) -> f32 {
    let a = abs(v);
    let t = 1.0 / (1.0 + 0.3275911 * a);
    let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
    return sign(v) * (1.0 - poly * exp(-a * a));
  }`;

export const atomicAddF32 = (ptr: string, v: string) => `
  {
    var old = atomicLoad(${ptr});
    loop {
      let res = atomicCompareExchangeWeak(${ptr}, old, bitcast<i32>(bitcast<f32>(old) + (${v})));
      if (res.exchanged) { break; }
      old = res.old_value;
    }
  }`;

// ---- depthwise convolution, stride 1, 'same', any odd K and dilation ----

/** sign +1: out = bias + Σ_k x[p + off_k]·w[k]; sign −1: the input gradient Σ_k dy[p − off_k]·w[k]. */
export function depthwise(H: number, W: number, C: number, K: number, dil: number, sign: 1 | -1, bias: boolean): S3Program {
  const r = (K - 1) / 2;
  return elementwise(`dw_${H}_${W}_${C}_${K}_${dil}_${sign}_${bias}`, bias ? ['X', 'Wt', 'Bias'] : ['X', 'Wt'], [1, H, W, C], `
    let c = index % ${C};
    let pix = index / ${C};
    let xx = pix % ${W};
    let y = pix / ${W};
    var acc = ${bias ? 'Bias[c]' : '0.0'};
    for (var ky = 0; ky < ${K}; ky = ky + 1) {
      let iy = y + ${sign} * (ky - ${r}) * ${dil};
      if (iy < 0 || iy >= ${H}) { continue; }
      for (var kx = 0; kx < ${K}; kx = kx + 1) {
        let ix = xx + ${sign} * (kx - ${r}) * ${dil};
        if (ix < 0 || ix >= ${W}) { continue; }
        acc = acc + X[(iy * ${W} + ix) * ${C} + c] * Wt[(ky * ${K} + kx) * ${C} + c];
      }
    }
    result[index] = acc;`);
}

/** dw[ky][kx][c] = Σ_p x[p + off_k][c]·dy[p][c]. */
export function depthwiseFilterGrad(H: number, W: number, C: number, K: number, dil: number): S3Program {
  const r = (K - 1) / 2;
  return reduction(`dwf_${H}_${W}_${C}_${K}_${dil}`, ['X', 'Dy'], [K, K, C], H * W, `
    let c = o % ${C};
    let tap = o / ${C};
    let iy = p / ${W} + (tap / ${K} - ${r}) * ${dil};
    let ix = p % ${W} + (tap % ${K} - ${r}) * ${dil};
    if (iy < 0 || iy >= ${H} || ix < 0 || ix >= ${W}) { return 0.0; }
    return X[(iy * ${W} + ix) * ${C} + c] * Dy[p * ${C} + c];`);
}

/** out[c] = Σ_p x[p][c]. */
export const colSum = (P: number, C: number): S3Program => reduction(`colsum_${C}`, ['X'], [C], P, `return X[p * ${C} + o];`);

// ---- GELU (exact, erf form) ----

export const gelu = (shape: number[]): S3Program =>
  elementwise('gelu', ['X'], shape, `let v = X[index]; result[index] = 0.5 * v * (1.0 + s3erf(v * 0.70710678118654752));`);

export const geluGrad = (shape: number[]): S3Program =>
  elementwise('gelugrad', ['X', 'Dy'], shape, `
    let v = X[index];
    let cdf = 0.5 * (1.0 + s3erf(v * 0.70710678118654752));
    let pdf = 0.3989422804014327 * exp(-0.5 * v * v);
    result[index] = Dy[index] * (cdf + v * pdf);`);

// ---- training-mode BatchNorm over the rows of [P, C] (two-pass variance, as the wasm kernel) ----

export const bnMean = (P: number, C: number): S3Program => reduction(`bnmean_${C}`, ['X'], [C], P, `return X[p * ${C} + o];`, `total / ${f(P)}`);

export const bnRstd = (P: number, C: number, eps: number): S3Program =>
  reduction(`bnrstd_${C}_${eps}`, ['X', 'Mean'], [C], P, `let d = X[p * ${C} + o] - Mean[o]; return d * d;`, `1.0 / sqrt(total / ${f(P)} + ${eps})`);

export const bnApply = (P: number, C: number): S3Program =>
  elementwise(`bnapply_${C}`, ['X', 'Mean', 'Rstd', 'Gamma', 'Beta'], [P, C], `
    let c = index % ${C};
    result[index] = Beta[c] + (X[index] - Mean[c]) * Rstd[c] * Gamma[c];`);

/** dbeta = Σ dy (which 0) or dgamma = Σ dy·x̂ (which 1). */
export const bnParamGrad = (P: number, C: number, which: 0 | 1): S3Program =>
  which === 0
    ? reduction(`bndbeta_${C}`, ['Dy'], [C], P, `return Dy[p * ${C} + o];`)
    : reduction(`bndgamma_${C}`, ['Dy', 'X', 'Mean', 'Rstd'], [C], P, `let i = p * ${C} + o; return Dy[i] * (X[i] - Mean[o]) * Rstd[o];`);

/** dx = γ·rstd·(dy − dbeta/P − x̂·dgamma/P). */
export const bnInputGrad = (P: number, C: number): S3Program =>
  elementwise(`bndx_${C}`, ['Dy', 'X', 'Mean', 'Rstd', 'Gamma', 'Dgamma', 'Dbeta'], [P, C], `
    let c = index % ${C};
    let xh = (X[index] - Mean[c]) * Rstd[c];
    result[index] = Gamma[c] * Rstd[c] * (Dy[index] - Dbeta[c] / ${f(P)} - xh * Dgamma[c] / ${f(P)});`);

// ---- softmax cross-entropy (mean over rows with a label ≥ 0) ----

/** The first index of each row's maximum (int32). */
export const rowArgmax = (P: number, C: number): S3Program =>
  elementwise(`argmax_${C}`, ['Logits'], [P], `
    var best = 0;
    var mx = Logits[index * ${C}];
    for (var c = 1; c < ${C}; c = c + 1) {
      let v = Logits[index * ${C} + c];
      if (v > mx) { mx = v; best = c; }
    }
    result[index] = best;`);

/** log Σ exp of each row, about its maximum. */
export const rowLogSumExp = (P: number, C: number): S3Program =>
  elementwise(`lse_${C}`, ['Logits'], [P], `
    var mx = Logits[index * ${C}];
    for (var c = 1; c < ${C}; c = c + 1) { mx = max(mx, Logits[index * ${C} + c]); }
    var s = 0.0;
    for (var c = 0; c < ${C}; c = c + 1) { s = s + exp(Logits[index * ${C} + c] - mx); }
    result[index] = mx + log(s);`);

/** Number of rows with a label ≥ 0, as a float [1]. */
export const labelledCount = (P: number): S3Program => reduction('labelled', ['Tgt'], [1], P, 'return select(0.0, 1.0, Tgt[p] >= 0);');

/** Mean of lse − logit[target] over labelled rows (Cnt holds their number). */
export const xentLoss = (P: number, C: number): S3Program =>
  reduction(`xent_${C}`, ['Logits', 'Lse', 'Tgt', 'Cnt'], [1], P, `
    let t = Tgt[p];
    if (t < 0) { return 0.0; }
    return Lse[p] - Logits[p * ${C} + t];`, 'total / max(Cnt[0], 1.0)');

/** (softmax − onehot(target)) / labelled rows; zero on unlabelled rows. */
export const xentGrad = (P: number, C: number): S3Program =>
  elementwise(`xentgrad_${C}`, ['Logits', 'Lse', 'Tgt', 'Cnt'], [P, C], `
    let p = index / ${C};
    let c = index % ${C};
    let t = Tgt[p];
    if (t < 0) { result[index] = 0.0; return; }
    let inv = 1.0 / max(Cnt[0], 1.0);
    result[index] = (exp(Logits[index] - Lse[p]) - select(0.0, 1.0, c == t)) * inv;`);

// ---- modulated deformable 3×3 sampling (DCNv2 im2col), padding 1, corners outside the image read as zero ----

/** WGSL that sets, for pixel p and tap k: py, px, valid, the corner indices i00…i11 (−1 outside) and lx, ly. */
function tapSnippet(H: number, W: number, C: number): string {
  return `
    let y = p / ${W};
    let xx = p % ${W};
    let py = f32(y + k / 3 - 1) + Off[p * 18 + 2 * k];
    let px = f32(xx + k % 3 - 1) + Off[p * 18 + 2 * k + 1];
    let m = Msk[p * 9 + k];
    let valid = !(py <= -1.0 || py >= ${f(H)} || px <= -1.0 || px >= ${f(W)});
    let fy = floor(py);
    let fx = floor(px);
    let y0 = i32(fy);
    let x0 = i32(fx);
    let ly = py - fy;
    let lx = px - fx;
    let hy = 1.0 - ly;
    let hx = 1.0 - lx;
    let iny0 = y0 >= 0 && y0 < ${H};
    let iny1 = y0 + 1 >= 0 && y0 + 1 < ${H};
    let inx0 = x0 >= 0 && x0 < ${W};
    let inx1 = x0 + 1 >= 0 && x0 + 1 < ${W};
    let i00 = select(-1, (y0 * ${W} + x0) * ${C}, iny0 && inx0);
    let i01 = select(-1, (y0 * ${W} + x0 + 1) * ${C}, iny0 && inx1);
    let i10 = select(-1, ((y0 + 1) * ${W} + x0) * ${C}, iny1 && inx0);
    let i11 = select(-1, ((y0 + 1) * ${W} + x0 + 1) * ${C}, iny1 && inx1);`;
}
const CORNER = `
  fn corner(i : i32, c : i32) -> f32 {
    if (i < 0) { return 0.0; }
    return X[i + c];
  }`;

/** cols[p][k·C + c] = mask · bilinear(x at p + tap k + offset)[c]. */
export function deformIm2col(H: number, W: number, C: number): S3Program {
  const p = elementwise(`dim2col_${H}_${W}_${C}`, ['X', 'Off', 'Msk'], [H * W, 9 * C], `
    let c = index % ${C};
    let k = (index / ${C}) % 9;
    let p = index / ${9 * C};
    ${tapSnippet(H, W, C)}
    if (!valid) { result[index] = 0.0; return; }
    result[index] = m * (hy * hx * corner(i00, c) + hy * lx * corner(i01, c) + ly * hx * corner(i10, c) + ly * lx * corner(i11, c));`);
  const user = p.getUserCode;
  p.getUserCode = () => CORNER + user();
  return p;
}

/** d offset (row and column shift of each tap, [P, 18]) or d mask ([P, 9]) from dcols. */
export function deformSamplingGrad(H: number, W: number, C: number, part: 'offset' | 'mask'): S3Program {
  const per = part === 'offset' ? 18 : 9;
  const p = elementwise(`dim2col_d${part}_${H}_${W}_${C}`, ['X', 'Off', 'Msk', 'Dc'], [1, H, W, per], `
    let p = index / ${per};
    let k = ${part === 'offset' ? '(index % 18) / 2' : 'index % 9'};
    ${tapSnippet(H, W, C)}
    if (!valid) { result[index] = 0.0; return; }
    var s = 0.0;
    for (var c = 0; c < ${C}; c = c + 1) {
      let g = Dc[(p * 9 + k) * ${C} + c];
      let v00 = corner(i00, c);
      let v01 = corner(i01, c);
      let v10 = corner(i10, c);
      let v11 = corner(i11, c);
      ${part === 'mask'
        ? 's = s + g * (hy * hx * v00 + hy * lx * v01 + ly * hx * v10 + ly * lx * v11);'
        : `if (index % 2 == 0) { s = s + g * (hx * (v10 - v00) + lx * (v11 - v01)); }
           else { s = s + g * (hy * (v01 - v00) + ly * (v11 - v10)); }`}
    }
    result[index] = ${part === 'mask' ? 's' : 'm * s'};`);
  const user = p.getUserCode;
  p.getUserCode = () => CORNER + user();
  return p;
}

/** dx += the bilinear weights × mask × dcols, scattered to the four corners (atomically: taps overlap). */
export function deformInputGrad(H: number, W: number, C: number): S3Program {
  return elementwise(`dim2col_dx_${H}_${W}_${C}`, ['Off', 'Msk', 'Dc'], [1, H, W, C], `
    let c = index % ${C};
    let k = (index / ${C}) % 9;
    let p = index / ${9 * C};
    ${tapSnippet(H, W, C)}
    if (!valid) { return; }
    let gm = Dc[index] * m;
    if (i00 >= 0) { ${atomicAddF32('&result[i00 + c]', 'gm * hy * hx')} }
    if (i01 >= 0) { ${atomicAddF32('&result[i01 + c]', 'gm * hy * lx')} }
    if (i10 >= 0) { ${atomicAddF32('&result[i10 + c]', 'gm * ly * hx')} }
    if (i11 >= 0) { ${atomicAddF32('&result[i11 + c]', 'gm * ly * lx')} }`, H * W * 9 * C, true);
}
