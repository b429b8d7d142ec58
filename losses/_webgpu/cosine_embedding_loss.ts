/**
 * `cosineEmbeddingLoss` on WebGPU: one workgroup per output computes its pair's cosine
 * (PyTorch's composite: the sums over features as compensated partials and a fixed tree, for
 * the CPU path's float64 sums) and loss; the losses go through the tree sum. Backward: one
 * workgroup per pair for the gradients of the cosine's parts, then one per row of each input,
 * summing over the pairs and features it was broadcast to.
 *
 * @module
 */

import { record } from "../_core/autograd.ts";
import type { Reduction } from "../_core/reduction.ts";
import { recordRows, reduceRows, type RowArray, type RowParam } from "./rows.ts";
import { allocGpu } from "../_core/webgpu/buffers.ts";
import { GpuCommands, WORKGROUP } from "../_core/webgpu/pipelines.ts";
import { gpuStorage, Tensor } from "../_core/tensor.ts";

/** What {@linkcode cosineEmbeddingLossWebgpu} needs, validated by `cosineEmbeddingLoss`. */
export interface CosineEmbeddingGpuCall {
  readonly input1: Tensor;
  readonly input2: Tensor;
  readonly target: Tensor;
  readonly margin: number;
  readonly reduction: Reduction;
  /** The inputs' broadcast shape, (N, D) or (D). */
  readonly shape: readonly number[];
  /** Cosines (N, or 1 for 1-d inputs), target values, and losses. */
  readonly cosN: number;
  readonly tN: number;
  readonly outN: number;
}

// The CPU path's formulas (see cosine_embedding_loss.ts), PyTorch's composite:
//   prod = sum_d x1 x2;  ms = sum_d x^2 + 1e-12 (per row of each input, before broadcasting)
//   den = sqrt(ms1 * ms2);  cos = prod / den
//   l = y == 1 ? 1 - cos : y == -1 ? clamp_min(cos - margin, 0) : 0
//   backward: gcos = sum over the pair's outputs of (-g where y == 1, g where y == -1 and
//   cos - margin >= 0); gprod = gcos / den; gden = -gcos * ((prod / den) / den);
//   gms = gden / (2 den); grad x1 = gprod * x2 (summed where broadcast) + 2 * (gms1 * x1),
//   gms1 = sum of gms * ms2 over the pairs of x1's row (and the same for x2).
// One workgroup per pair (or output, or input row): its invocations take every 64th feature,
// then fixed trees sum the compensated partials.
const COSINE = `
fn target_at(o: u32) -> f32 {
  if (params.t_n == 1u) { return f32(tg[0]); }
  return f32(tg[o]);
}
fn at1(n: u32, k: u32) -> f32 {
  return x1[select(n, 0u, params.n1 == 1u) * params.d1 + select(k, 0u, params.d1 == 1u)];
}
fn at2(n: u32, k: u32) -> f32 {
  return x2[select(n, 0u, params.n2 == 1u) * params.d2 + select(k, 0u, params.d2 == 1u)];
}
struct Cos { prod: f32, den: f32, cos: f32, ms1: f32, ms2: f32 }
fn cos_row(n: u32, lid: u32) -> Cos {
  var p = vec2f(0.0, 0.0);
  var a = vec2f(0.0, 0.0);
  var b = vec2f(0.0, 0.0);
  for (var k = lid; k < params.d; k += ${WORKGROUP}u) { p = acc_add(p, at1(n, k) * at2(n, k)); }
  for (var k = lid; k < params.d1; k += ${WORKGROUP}u) { let v = at1(n, k); a = acc_add(a, v * v); }
  for (var k = lid; k < params.d2; k += ${WORKGROUP}u) { let v = at2(n, k); b = acc_add(b, v * v); }
  let prod = wg_sum(lid, p);
  let ms1 = wg_sum(lid, a) + params.eps;
  let ms2 = wg_sum(lid, b) + params.eps;
  let den = sqrt(ms1 * ms2);
  return Cos(prod, den, prod / den, ms1, ms2);
}
`;

const FORWARD = `
  let c = cos_row(select(t, 0u, params.cos_n == 1u), lid).cos;
  if (lid == 0u) {
    let y = target_at(t);
    var l = 0.0;
    if (y == 1.0) { l = 1.0 - c; }
    if (y == -1.0) {
      l = c - params.margin;
      if (!is_nan(l)) { l = max(l, 0.0); }
    }
    out[t] = l;
  }
`;

/** Per pair: [gprod, gms, ms1, ms2] into `parts`. */
const PAIR_BACKWARD = `
  let r = cos_row(t, lid);
  var first = t;
  var last = t + 1u;
  if (params.cos_n == 1u) { first = 0u; last = params.out_n; }
  var gmean = go[0];
  if (params.mode == 1u) { gmean = gmean / params.out_f; }
  var acc = vec2f(0.0, 0.0);
  for (var o = first + lid; o < last; o += ${WORKGROUP}u) {
    var g = gmean;
    if (params.mode == 0u) { g = go[o]; }
    let y = target_at(o);
    let v = r.cos - params.margin;
    if (y == 1.0) { acc = acc_add(acc, -g); }
    else if (y == -1.0 && !is_nan(v) && v >= 0.0) { acc = acc_add(acc, g); }
  }
  let gc = wg_sum(lid, acc);
  if (lid == 0u) {
    let gprod = gc / r.den;
    let gden = -gc * ((r.prod / r.den) / r.den);
    parts[4u * t] = gprod;
    parts[4u * t + 1u] = gden / (2.0 * r.den);
    parts[4u * t + 2u] = r.ms1;
    parts[4u * t + 3u] = r.ms2;
  }
`;

/**
 * The gradient of one input ("me", ns rows of ds features) against the other: gprod times
 * the other input, summed over the pairs and features the element was broadcast to, plus
 * 2 * (gms * me), gms summed over the element's pairs with the other's ms. One workgroup per
 * row of me when it has a row per pair (its invocations take every 64th feature), else (one
 * row broadcast to every pair) one per element, its invocations taking every 64th pair.
 */
const INPUT_BACKWARD = `
fn other_at(n: u32, k: u32) -> f32 {
  return other[select(n, 0u, params.no == 1u) * params.dd + select(k, 0u, params.dd == 1u)];
}
fn features(c: u32) -> vec2u {
  if (params.ds == 1u) { return vec2u(0u, params.d); }
  return vec2u(c, c + 1u);
}
`;

const INPUT_BACKWARD_BODY = `
  if (params.ns == 1u) {
    let ks = features(t);
    var acc = vec2f(0.0, 0.0);
    var gacc = vec2f(0.0, 0.0);
    for (var n = lid; n < params.cos_n; n += ${WORKGROUP}u) {
      let gprod = parts[4u * n];
      for (var k = ks.x; k < ks.y; k++) { acc = acc_add(acc, gprod * other_at(n, k)); }
      gacc = acc_add(gacc, parts[4u * n + 1u] * parts[4u * n + params.ms_other]);
    }
    let a = wg_sum(lid, acc);
    let g = wg_sum(lid, gacc);
    if (lid == 0u) { gx[t] = a + 2.0 * (g * me[t]); }
  } else {
    let base = t * params.ds;
    let gprod = parts[4u * t];
    let gm = parts[4u * t + 1u] * parts[4u * t + params.ms_other];
    for (var c = lid; c < params.ds; c += ${WORKGROUP}u) {
      let ks = features(c);
      var acc = vec2f(0.0, 0.0);
      for (var k = ks.x; k < ks.y; k++) { acc = acc_add(acc, gprod * other_at(t, k)); }
      gx[base + c] = acc_value(acc) + 2.0 * (gm * me[base + c]);
    }
  }
`;

function rowsOf(shape: readonly number[]): [number, number] {
  return shape.length === 2 ? [shape[0], shape[1]] : [1, shape[0]];
}

/** `cosineEmbeddingLoss` for webgpu tensors: one submit forward, one backward. */
export function cosineEmbeddingLossWebgpu(call: CosineEmbeddingGpuCall): Tensor {
  const { input1, input2, target, reduction, shape, cosN, tN, outN } = call;
  const [n1, d1] = rowsOf(input1.shape);
  const [n2, d2] = rowsOf(input2.shape);
  const d = shape[shape.length - 1];
  const type = target.dtype === "float32" ? "f32" : target.dtype === "int64" ? "i32" : "u32";
  // Windows follow the pairs (or the outputs); a broadcast operand is bound whole.
  const byPair = (rows: number, per: number): number | undefined => (rows > 1 ? per : undefined);
  const inputs: RowArray[] = [
    { name: "x1", storage: gpuStorage(input1), perRow: byPair(n1, d1) },
    { name: "x2", storage: gpuStorage(input2), perRow: byPair(n2, d2) },
    { name: "tg", storage: gpuStorage(target), type, perRow: byPair(tN, 1) },
  ];
  const params: RowParam[] = [
    ["n1", "u32", n1],
    ["d1", "u32", d1],
    ["n2", "u32", n2],
    ["d2", "u32", d2],
    ["d", "u32", d],
    ["cos_n", "u32", cosN],
    ["t_n", "u32", tN],
    ["out_n", "u32", outN],
    ["eps", "f32", Math.fround(1e-12)],
    ["margin", "f32", Math.fround(call.margin)],
  ];
  const cmds = new GpuCommands("cosineEmbeddingLoss forward");
  const losses = allocGpu(outN);
  recordRows(cmds, {
    label: "cosineEmbeddingLoss forward",
    inputs,
    outputs: [{ name: "out", storage: losses, perRow: 1 }],
    params,
    functions: COSINE,
    body: FORWARD,
  }, outN);
  const out = reduceRows(cmds, losses, outN, reduction);
  cmds.submit();
  const gradFn = { none: "AddBackward0", mean: "MeanBackward0", sum: "SumBackward0" }[reduction];
  const node = record(gradFn, [input1, input2], (gradOutput) => {
    const back = new GpuCommands("cosineEmbeddingLoss backward");
    const parts = { buffer: back.scratch(Math.max(cosN, 1) * 16), bytes: cosN * 16 };
    recordRows(back, {
      label: "cosineEmbeddingLoss backward, pairs",
      inputs: [
        ...inputs.slice(0, 2),
        // One pair against many outputs loops over them all: bound whole.
        { ...inputs[2], perRow: cosN === 1 ? undefined : inputs[2].perRow },
        {
          name: "go",
          storage: gpuStorage(gradOutput),
          perRow: reduction === "none" && cosN > 1 ? 1 : undefined,
        },
      ],
      outputs: [{ name: "parts", storage: parts, perRow: 4 }],
      params: [
        ...params,
        ["mode", "u32", { none: 0, mean: 1, sum: 2 }[reduction]],
        ["out_f", "f32", outN],
      ],
      functions: COSINE,
      body: PAIR_BACKWARD,
    }, cosN);
    const grad = (me: Tensor, other: Tensor, first: boolean): Tensor | null => {
      if (!me.requiresGrad) return null;
      const [ns, ds] = first ? [n1, d1] : [n2, d2];
      const [no, dd] = first ? [n2, d2] : [n1, d1];
      const gx = allocGpu(me.numel);
      const byRow = ns > 1 ? ds : undefined;
      recordRows(back, {
        label: "cosineEmbeddingLoss backward, inputs",
        inputs: [
          { name: "me", storage: gpuStorage(me), perRow: byRow },
          {
            name: "other",
            storage: gpuStorage(other),
            perRow: ns > 1 ? byPair(no, dd) : undefined,
          },
          { name: "parts", storage: parts, perRow: ns > 1 ? 4 : undefined },
        ],
        outputs: [{ name: "gx", storage: gx, perRow: byRow }],
        params: [
          ["ns", "u32", ns],
          ["ds", "u32", ds],
          ["no", "u32", no],
          ["dd", "u32", dd],
          ["d", "u32", d],
          ["cos_n", "u32", cosN],
          ["ms_other", "u32", first ? 3 : 2],
        ],
        functions: INPUT_BACKWARD,
        body: INPUT_BACKWARD_BODY,
      }, ns > 1 ? ns : ds);
      return new Tensor(gx, me.shape, me.dtype);
    };
    const grads = [grad(input1, input2, true), grad(input2, input1, false)];
    back.submit();
    return grads;
  }, { holds: [input1, input2, target] });
  const outShape = reduction === "none" && shape.length === 2 ? [outN] : [];
  return new Tensor(out, outShape, input1.dtype, node);
}
