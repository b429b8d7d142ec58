/**
 * WebGPU kernels of `nllLoss`, and the reduction of per-sample losses that `crossEntropy`
 * shares. Targets live on the GPU as i32 and were validated on the CPU from their host
 * values before dispatch; the kernels skip `params.ignore` and trust the rest.
 *
 * Forward (one submit): a gather writes each sample's loss `-(x[j, t_j] * w[t_j])` and its
 * kept weight (0 when ignored); `"none"` returns the losses, `"sum"` tree-sums them, `"mean"`
 * tree-sums both and divides (PyTorch's denominator: the kept targets' total weight, 0 / 0 =
 * nan). The per-sample arrays are 1/C of the input. Backward (one submit): one invocation per
 * input element writes `-(w[t_j] * s_j)` at the target class and 0 elsewhere.
 *
 * @module
 */

import { record } from "../_core/autograd.ts";
import { checkSameDevice } from "../_core/checks.ts";
import type { ClassLayout } from "../_core/lanes.ts";
import type { Reduction } from "../_core/reduction.ts";
import { dispatchRows, ITEM_INDEX, type RowBinding, type RowParams, rowShader } from "./softmax.ts";
import { allocGpu, type GpuStorage } from "../_core/webgpu/buffers.ts";
import { filledGpu, recordSum } from "../_core/webgpu/kernels.ts";
import { GpuCommands } from "../_core/webgpu/pipelines.ts";
import { gpuStorage, Tensor } from "../_core/tensor.ts";

/** The reduction as a shader switch: 0 none, 1 mean, 2 sum. */
export function reductionCode(reduction: Reduction): number {
  return reduction === "none" ? 0 : reduction === "mean" ? 1 : 2;
}

/**
 * The ignored index as the kernels compare it (an i32). Targets on the GPU fit in i32, so an
 * `ignoreIndex` outside that range matches none of them, as -1 does (no valid class is -1,
 * and a -1 target that is not ignored failed validation).
 */
export function ignoreParam(ignoreIndex: number): number {
  return ignoreIndex >= -(2 ** 31) && ignoreIndex < 2 ** 31 ? ignoreIndex : -1;
}

/** The class weight's GPU storage, or C ones when there is none (x * 1 is exact). */
export function weightStorage(weight: Tensor | null | undefined, classes: number): GpuStorage {
  return weight === null || weight === undefined
    ? filledGpu(Math.max(classes, 1), 1)
    : gpuStorage(weight);
}

/** Where sample `j` (of this block) reads class `k`: `(o * C + k) * inner + i`. */
const SAMPLE_AT = `fn sample_at(j: u32, k: u32) -> u32 {
  let o = j / params.inner;
  return (o * params.size + k) * params.inner + (j - o * params.inner);
}`;

// torch (LossNLL.cpp): l_j = -w[t_j] * x[j, t_j], 0 where t_j == ignore_index; the kept
// weight w[t_j] (0 when ignored) sums to the mean's denominator.
const GATHER = rowShader(
  "nllLoss forward",
  [{ name: "x" }, { name: "tgt", type: "i32" }, { name: "w" }],
  ["loss", "kept"],
  `${ITEM_INDEX}
  let tj = ld_tgt(e);
  if (tj == params.ignore) {
    st_loss(e, 0.0);
    st_kept(e, 0.0);
    return;
  }
  let wt = ld_w(u32(tj));
  st_loss(e, -(ld_x(sample_at(e, u32(tj))) * wt));
  st_kept(e, wt);`,
  { functions: SAMPLE_AT },
);

// One invocation: the reduced loss from the sums. mode 1 (mean) divides by the kept weight
// (0 / 0 = nan, as PyTorch); flag 1 mixes in label smoothing: a * nll + smooth * b.
const COMBINE = rowShader(
  "class loss total",
  [{ name: "nll" }, { name: "smo" }, { name: "tw" }],
  ["out"],
  `${ITEM_INDEX}
  var v = ld_nll(0u);
  var s = ld_smo(0u);
  if (params.mode == 1u) {
    v = mean_of(v, ld_tw(0u));
    s = mean_of(s, ld_tw(0u));
  }
  if (params.flag == 1u) { v = params.a * v + s * params.b; }
  st_out(e, v);`,
  {
    functions: `fn mean_of(s: f32, d: f32) -> f32 {
  if (is_nan(s) || is_nan(d)) { return nan_f32(); }
  if (d == 0.0) {
    if (s == 0.0) { return nan_f32(); }
    return select(-inf_f32(), inf_f32(), s > 0.0);
  }
  return s / d;
}`,
  },
);

/**
 * Records the reduced class loss into a new one-element storage: the tree sums of `nll` (and
 * `smooth` when `smoothing`, and the kept weights `kept` for `"mean"`) over `n` samples, then
 * the total. Returns it and the kept weight total (for the backward of `"mean"`).
 */
export function recordClassTotal(
  cmds: GpuCommands,
  n: number,
  nll: GpuStorage,
  smooth: GpuStorage | null,
  kept: GpuStorage,
  reduction: "mean" | "sum",
  p: { a: number; b: number },
): { out: GpuStorage; totalWeight: GpuStorage } {
  const sum = (x: GpuStorage): GpuStorage => {
    const s = allocGpu(1);
    recordSum(
      cmds,
      { label: "class loss sum", inputs: [{ name: "x", storage: x }], value: "  return x;" },
      n,
      s,
      null,
    );
    return s;
  };
  const nllSum = sum(nll);
  const smoothSum = smooth === null ? nllSum : sum(smooth);
  const totalWeight = reduction === "mean" ? sum(kept) : nllSum;
  const out = allocGpu(1);
  dispatchRows(
    cmds,
    COMBINE,
    [
      { buffer: nllSum.buffer, perRow: 0 },
      { buffer: smoothSum.buffer, perRow: 0 },
      { buffer: totalWeight.buffer, perRow: 0 },
      { buffer: out.buffer, perRow: 0 },
    ],
    1,
    { perRow: 1, lanes: false },
    {
      mode: reductionCode(reduction),
      flag: smooth === null ? 0 : 1,
      a: p.a,
      b: p.b,
    },
  );
  return { out, totalWeight };
}

/**
 * `sample_scale(j)`: gradOutput's factor for sample `j` (mode 0 none: `go[j]`; 1 mean:
 * `go / tw`, the kept weight total; 2 sum: `go`).
 */
export const SAMPLE_SCALE = `fn sample_scale(j: u32) -> f32 {
  if (params.mode == 0u) { return ld_go(j); }
  if (params.mode == 1u) { return ld_go(0u) / ld_tw(0u); }
  return ld_go(0u);
}`;

// torch (nll_loss_backward_out_frame): grad x[j, t_j] = w[t_j] * -s_j, with s_j = g_j for
// "none", g for "sum", g / total_weight for "mean"; 0 elsewhere and for ignored samples.
const NLL_BACKWARD = rowShader(
  "nllLoss backward",
  [{ name: "go" }, { name: "tgt", type: "i32" }, { name: "w" }, { name: "tw" }],
  ["gx"],
  `${ITEM_INDEX}
  let per = params.size * params.inner;
  let o = e / per;
  let r = e - o * per;
  let k = r / params.inner;
  let j = o * params.inner + (r - k * params.inner);
  let tj = ld_tgt(j);
  var v = 0.0;
  if (tj != params.ignore && u32(tj) == k) {
    v = -(ld_w(k) * sample_scale(j));
  }
  st_gx(e, v);`,
  { functions: SAMPLE_SCALE },
);

/** gradOutput as a row binding: per sample for `"none"`, else its one element. */
export function gradBinding(gradOutput: Tensor, reduction: Reduction, inner: number): RowBinding {
  return { buffer: gpuStorage(gradOutput).buffer, perRow: reduction === "none" ? inner : 0 };
}

/**
 * `nllLoss` of webgpu tensors, after the CPU validation (shapes, target range) passed.
 */
export function nllLossWebgpu(
  input: Tensor,
  target: Tensor,
  weight: Tensor | null | undefined,
  layout: ClassLayout,
  reduction: Reduction,
  ignoreIndex: number,
): Tensor {
  const fn = "nllLoss";
  checkSameDevice(fn, { input, target, weight });
  const { outer, size, inner } = layout.lanes;
  const n = outer * inner;
  const w = weightStorage(weight, size);
  const p: RowParams = {
    size,
    inner,
    ignore: ignoreParam(ignoreIndex),
    mode: reductionCode(reduction),
  };
  const cmds = new GpuCommands(`${fn} forward`);
  const losses = allocGpu(n);
  const kept = allocGpu(n);
  const tgt = gpuStorage(target);
  dispatchRows(
    cmds,
    GATHER,
    [
      { buffer: gpuStorage(input).buffer, perRow: size * inner },
      { buffer: tgt.buffer, perRow: inner },
      { buffer: w.buffer, perRow: 0 },
      { buffer: losses.buffer, perRow: inner },
      { buffer: kept.buffer, perRow: inner },
    ],
    outer,
    { perRow: inner, lanes: false },
    p,
  );
  let out = losses;
  let totalWeight: GpuStorage | null = null;
  if (reduction !== "none") {
    ({ out, totalWeight } = recordClassTotal(cmds, n, losses, null, kept, reduction, {
      a: 1,
      b: 0,
    }));
  }
  cmds.submit();
  const node = record("NllLossBackward0", [input], (gradOutput) => {
    const gx = allocGpu(input.numel);
    const back = new GpuCommands(`${fn} backward`);
    const go = gradBinding(gradOutput, reduction, inner);
    dispatchRows(
      back,
      NLL_BACKWARD,
      [
        go,
        { buffer: tgt.buffer, perRow: inner },
        { buffer: w.buffer, perRow: 0 },
        { buffer: (totalWeight ?? w).buffer, perRow: 0 },
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
