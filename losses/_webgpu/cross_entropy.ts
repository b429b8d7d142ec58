/**
 * WebGPU kernels of `crossEntropy`, with the formulas of `cross_entropy.ts` (PyTorch 1.13's
 * composite of log_softmax and nll_loss, label smoothing, class-probability targets).
 *
 * What is fused: the log-softmax is never written. The forward is one lane kernel per sample
 * (one workgroup and fixed-order trees, or one invocation for short lanes: `laneShaders`):
 * the lane's max `m` and `log(sum(exp(x - m)))` (`ls`), then, in the same kernel, the nll
 * term at the target, the smoothing term
 * `-sum_c w_c * lsm_c` or the probability term `-sum_c w_c * y'_c * lsm_c`. It saves only
 * per-sample statistics for the backward (`m`, `ls`, and for probabilities `sum_c w_c * y'_c`:
 * 2 or 3 floats per row, the one extra row-sized buffer), so a vocabulary of any width costs
 * no extra (N, C) buffer. The backward is one map over the input that recomputes
 * `lsm = (x - m) - ls` bit for bit as the forward did and applies log_softmax's backward
 * `gx = dl - exp(lsm) * sum_c dl_c` with `sum_c dl_c` in closed form, so it needs no lane
 * reduction. Large inputs run in row blocks that fit one binding (`dispatchRows`).
 *
 * @module
 */

import { record } from "../_core/autograd.ts";
import { checkSameDevice } from "../_core/checks.ts";
import type { ClassLayout } from "../_core/lanes.ts";
import {
  gradBinding,
  ignoreParam,
  recordClassTotal,
  reductionCode,
  SAMPLE_SCALE,
  weightStorage,
} from "./nll_loss.ts";
import type { Reduction } from "../_core/reduction.ts";
import {
  dispatchLanes,
  dispatchRows,
  ITEM_INDEX,
  laneShaders,
  type RowParams,
  rowShader,
} from "./softmax.ts";
import { allocGpu, type GpuStorage } from "../_core/webgpu/buffers.ts";
import { recordSum } from "../_core/webgpu/kernels.ts";
import { GpuCommands, type Shader } from "../_core/webgpu/pipelines.ts";
import { gpuStorage, Tensor } from "../_core/tensor.ts";

/** Splits item `e` of a map over the input into class `k` and sample `j` (of this block). */
const ELEMENT_INDEX = `${ITEM_INDEX}
  let per = params.size * params.inner;
  let o = e / per;
  let r = e - o * per;
  let k = r / params.inner;
  let j = o * params.inner + (r - k * params.inner);`;

// Class indices, per sample j (lsm = log_softmax(x)):
//   nll_j = -w[t_j] * lsm[t_j]; smooth_j = -sum_c w_c * lsm_c (flag 1); both 0 when ignored
//   "none" with smoothing writes a * nll_j + smooth_j * b (a = 1 - ls, b = ls / C) as loss.
// stats: (m, ls) per sample.
const INDEX_FORWARD = laneShaders(
  "crossEntropy forward",
  [{ name: "x" }, { name: "tgt", type: "i32" }, { name: "w" }],
  ["stats", "nll", "smo", "kept"],
  `  let st = lane_stats(lt, base);
  let m = st.x;
  let ls = select(log(st.y), st.y, is_nan(st.y));
  var smooth_j = 0.0;
  if (params.flag == 1u) {
    var acc = 0.0;
    for (var k = lt; k < params.size; k += LSTEP) {
      acc += ((ld_x(base + k * params.inner) - m) - ls) * ld_w(k);
    }
    smooth_j = -tree_sum(lt, acc);
  }
  if (lt != 0u) { return; }
  st_stats(2u * g, m);
  st_stats(2u * g + 1u, ls);
  let tj = ld_tgt(g);
  if (tj == params.ignore) {
    st_nll(g, 0.0);
    st_smo(g, 0.0);
    st_kept(g, 0.0);
    return;
  }
  let c = u32(tj);
  let wt = ld_w(c);
  let nll = -(((ld_x(base + c * params.inner) - m) - ls) * wt);
  if (params.mode == 0u && params.flag == 1u) {
    st_nll(g, params.a * nll + smooth_j * params.b);
  } else {
    st_nll(g, nll);
  }
  st_smo(g, smooth_j);
  st_kept(g, wt);`,
);

// d loss / d lsm_c for a kept sample, s_j its gradOutput factor (SAMPLE_SCALE):
//   dl_c = -(1 - ls) * w[t_j] * s_j [c == t_j] - (ls / C) * s_j * w_c
//   sum_c dl_c = -(1 - ls) * w[t_j] * s_j - (ls / C) * s_j * sum_c w_c
// then log_softmax's backward: gx_c = dl_c - exp(lsm_c) * sum_c dl_c.
const INDEX_BACKWARD: Shader = rowShader(
  "crossEntropy backward",
  [
    { name: "x" },
    { name: "tgt", type: "i32" },
    { name: "w" },
    { name: "stats" },
    { name: "go" },
    { name: "tw" },
    { name: "wsum" },
  ],
  ["gx"],
  `${ELEMENT_INDEX}
  let tj = ld_tgt(j);
  var dl = 0.0;
  var total = 0.0;
  if (tj != params.ignore) {
    let s = sample_scale(j);
    let nll = (-params.a * ld_w(u32(tj))) * s;
    total = nll;
    if (u32(tj) == k) { dl = nll; }
    if (params.flag == 1u) {
      let q = -params.b * s;
      dl += q * ld_w(k);
      total += q * ld_wsum(0u);
    }
  }
  let lsm = (ld_x(e) - ld_stats(2u * j)) - ld_stats(2u * j + 1u);
  st_gx(e, dl - exp_safe(lsm) * total);`,
  { functions: SAMPLE_SCALE },
);

/** y' = y * (1 - ls) + ls / C when smoothing (flag 1). */
const SMOOTHED = `fn smoothed(v: f32) -> f32 {
  if (params.flag == 1u) { return v * params.a + params.b; }
  return v;
}`;

// Class probabilities: l_j = -sum_c w_c * y'_jc * lsm_jc; stats (m, ls, sum_c w_c * y'_jc).
const PROB_FORWARD = laneShaders(
  "crossEntropy forward (probabilities)",
  [{ name: "x" }, { name: "y" }, { name: "w" }],
  ["stats", "loss"],
  `  let st = lane_stats(lt, base);
  let m = st.x;
  let ls = select(log(st.y), st.y, is_nan(st.y));
  var acc = 0.0;
  var wy = 0.0;
  for (var k = lt; k < params.size; k += LSTEP) {
    let j = base + k * params.inner;
    let yv = smoothed(ld_y(j));
    let wk = ld_w(k);
    acc += (((ld_x(j) - m) - ls) * yv) * wk;
    wy += wk * yv;
  }
  let l = tree_sum(lt, acc);
  let swy = tree_sum(lt, wy);
  if (lt == 0u) {
    st_stats(3u * g, m);
    st_stats(3u * g + 1u, ls);
    st_stats(3u * g + 2u, swy);
    st_loss(g, -l);
  }`,
  SMOOTHED,
);

// dl_c = -s_j * w_c * y'_c, sum_c dl_c = -s_j * sum_c w_c * y'_c, gx = dl - exp(lsm) * sum;
// the target's gradient dy_c = -s_j * w_c * lsm_c * (1 - ls). s_j = g / N for "mean" (c = N).
const probBackward = (wantX: boolean, wantY: boolean): Shader =>
  rowShader(
    "crossEntropy backward (probabilities)",
    [{ name: "x" }, { name: "y" }, { name: "w" }, { name: "stats" }, { name: "go" }],
    [...(wantX ? ["gx"] : []), ...(wantY ? ["dy"] : [])],
    `${ELEMENT_INDEX}
  var s = ld_go(0u);
  if (params.mode == 0u) { s = ld_go(j); }
  if (params.mode == 1u) { s = s / params.c; }
  let ws = -s * ld_w(k);
  let lsm = (ld_x(e) - ld_stats(3u * j)) - ld_stats(3u * j + 1u);
${wantX ? "  st_gx(e, ws * smoothed(ld_y(e)) - exp_safe(lsm) * (-s * ld_stats(3u * j + 2u)));" : ""}
${wantY ? "  st_dy(e, (ws * lsm) * params.a);" : ""}`,
    { functions: SMOOTHED },
  );

const PROB_BACKWARD = [
  [probBackward(false, false), probBackward(false, true)],
  [probBackward(true, false), probBackward(true, true)],
];

/** `crossEntropy` with class-index targets on webgpu, after the CPU validation passed. */
export function crossEntropyIndexWebgpu(
  input: Tensor,
  target: Tensor,
  weight: Tensor | null | undefined,
  layout: ClassLayout,
  reduction: Reduction,
  ignoreIndex: number,
  labelSmoothing: number,
): Tensor {
  const fn = "crossEntropy";
  checkSameDevice(fn, { input, target, weight });
  const { outer, size, inner } = layout.lanes;
  const n = outer * inner;
  const smoothing = labelSmoothing > 0;
  const w = weightStorage(weight, size);
  const p: RowParams = {
    size,
    inner,
    ignore: ignoreParam(ignoreIndex),
    mode: reductionCode(reduction),
    flag: smoothing ? 1 : 0,
    a: Math.fround(1 - labelSmoothing),
    b: Math.fround(labelSmoothing / size),
  };
  const tgt = gpuStorage(target);
  const x = gpuStorage(input);
  const stats = allocGpu(2 * n);
  const nll = allocGpu(n);
  const smooth = allocGpu(n);
  const kept = allocGpu(n);
  const cmds = new GpuCommands(`${fn} forward`);
  dispatchLanes(
    cmds,
    INDEX_FORWARD,
    [
      { buffer: x.buffer, perRow: size * inner },
      { buffer: tgt.buffer, perRow: inner },
      { buffer: w.buffer, perRow: 0 },
      { buffer: stats.buffer, perRow: 2 * inner },
      { buffer: nll.buffer, perRow: inner },
      { buffer: smooth.buffer, perRow: inner },
      { buffer: kept.buffer, perRow: inner },
    ],
    layout.lanes,
    p,
  );
  let out = nll;
  let totalWeight: GpuStorage | null = null;
  if (reduction !== "none") {
    ({ out, totalWeight } = recordClassTotal(
      cmds,
      n,
      nll,
      smoothing ? smooth : null,
      kept,
      reduction,
      { a: p.a ?? 1, b: p.b ?? 0 },
    ));
  }
  let weightSum: GpuStorage | null = null;
  if (smoothing) {
    weightSum = allocGpu(1);
    recordSum(
      cmds,
      { label: "class weight sum", inputs: [{ name: "w", storage: w }], value: "  return w;" },
      size,
      weightSum,
      null,
    );
  }
  cmds.submit();
  const gradFn = smoothing ? "AddBackward0" : "NllLossBackward0";
  const node = record(gradFn, [input], (gradOutput) => {
    const gx = allocGpu(input.numel);
    const back = new GpuCommands(`${fn} backward`);
    dispatchRows(
      back,
      INDEX_BACKWARD,
      [
        { buffer: x.buffer, perRow: size * inner },
        { buffer: tgt.buffer, perRow: inner },
        { buffer: w.buffer, perRow: 0 },
        { buffer: stats.buffer, perRow: 2 * inner },
        gradBinding(gradOutput, reduction, inner),
        { buffer: (totalWeight ?? w).buffer, perRow: 0 },
        { buffer: (weightSum ?? w).buffer, perRow: 0 },
        { buffer: gx.buffer, perRow: size * inner },
      ],
      outer,
      { perRow: size * inner, lanes: false },
      p,
    );
    back.submit();
    return [new Tensor(gx, input.shape, input.dtype)];
  }, { holds: weight ? [input, target, weight] : [input, target] });
  return new Tensor(out, reduction === "none" ? layout.sampleShape : [], input.dtype, node);
}

/** `crossEntropy` with class-probability targets on webgpu, after the CPU validation. */
export function crossEntropyProbabilityWebgpu(
  input: Tensor,
  target: Tensor,
  weight: Tensor | null | undefined,
  layout: ClassLayout,
  reduction: Reduction,
  labelSmoothing: number,
): Tensor {
  const fn = "crossEntropy";
  checkSameDevice(fn, { input, target, weight });
  const { outer, size, inner } = layout.lanes;
  const n = outer * inner;
  const w = weightStorage(weight, size);
  const p: RowParams = {
    size,
    inner,
    mode: reductionCode(reduction),
    flag: labelSmoothing > 0 ? 1 : 0,
    a: Math.fround(1 - labelSmoothing),
    b: Math.fround(labelSmoothing / size),
    c: n,
  };
  const x = gpuStorage(input);
  const y = gpuStorage(target);
  const stats = allocGpu(3 * n);
  const losses = allocGpu(n);
  const cmds = new GpuCommands(`${fn} forward`);
  dispatchLanes(
    cmds,
    PROB_FORWARD,
    [
      { buffer: x.buffer, perRow: size * inner },
      { buffer: y.buffer, perRow: size * inner },
      { buffer: w.buffer, perRow: 0 },
      { buffer: stats.buffer, perRow: 3 * inner },
      { buffer: losses.buffer, perRow: inner },
    ],
    layout.lanes,
    p,
  );
  let out = losses;
  if (reduction !== "none") {
    out = allocGpu(1);
    recordSum(
      cmds,
      { label: "crossEntropy sum", inputs: [{ name: "l", storage: losses }], value: "  return l;" },
      n,
      out,
      reduction === "mean" ? n : null,
    );
  }
  cmds.submit();
  const gradFn = reduction === "mean" ? "DivBackward1" : "NegBackward0";
  const node = record(gradFn, [input, target], (gradOutput) => {
    const wantX = input.requiresGrad;
    const wantY = target.requiresGrad;
    const gx = wantX ? allocGpu(input.numel) : null;
    const dy = wantY ? allocGpu(input.numel) : null;
    const back = new GpuCommands(`${fn} backward`);
    const outs = [gx, dy].filter((s): s is GpuStorage => s !== null);
    dispatchRows(
      back,
      PROB_BACKWARD[wantX ? 1 : 0][wantY ? 1 : 0],
      [
        { buffer: x.buffer, perRow: size * inner },
        { buffer: y.buffer, perRow: size * inner },
        { buffer: w.buffer, perRow: 0 },
        { buffer: stats.buffer, perRow: 3 * inner },
        gradBinding(gradOutput, reduction, inner),
        ...outs.map((s) => ({ buffer: s.buffer, perRow: size * inner })),
      ],
      outer,
      { perRow: size * inner, lanes: false },
      p,
    );
    back.submit();
    return [
      gx === null ? null : new Tensor(gx, input.shape, input.dtype),
      dy === null ? null : new Tensor(dy, target.shape, target.dtype),
    ];
  }, { holds: weight ? [input, target, weight] : [input, target] });
  return new Tensor(out, reduction === "none" ? layout.sampleShape : [], input.dtype, node);
}
