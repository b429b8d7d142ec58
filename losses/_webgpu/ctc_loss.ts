/**
 * The WebGPU kernels of `ctcLoss` (losses/ctc_loss.ts): the alpha recursion (forward), then
 * beta and the gradient (backward), with the same formulas and the same order of operations
 * as the CPU code, in f32 as torch computes them in `scalar_t`.
 *
 * One workgroup runs one sample's recursion: its 64 invocations share the 2L+1 extended-label
 * positions of a time step, and a storage barrier separates the time steps. Alpha and beta
 * live in storage buffers (T_b × (2L_b + 1) per sample), so workgroup memory stays empty.
 * Targets and lengths are known on the CPU, so the per-sample offsets, the labels and, for
 * the gradient, each sample's classes with their extended positions are laid out in JS and
 * uploaded as one small i32 buffer.
 *
 * @module
 */

import { record } from "../_core/autograd.ts";
import { fail } from "../_core/checks.ts";
import type { Reduction } from "../_core/reduction.ts";
import { gpuStorage, hostElements, Tensor } from "../_core/tensor.ts";
import { allocGpu, type GpuStorage } from "../_core/webgpu/buffers.ts";
import { recordSumOf, scratchU32, windowElements } from "../_core/webgpu/kernels.ts";
import {
  type Binding,
  GpuCommands,
  packParams,
  PRELUDE,
  type Shader,
  WORKGROUP,
} from "../_core/webgpu/pipelines.ts";

/** What `ctcLoss` has checked, for {@linkcode ctcLossWebgpu}. */
export interface CtcGpuCall {
  /** (T, N, C) or (T, C), float32, on webgpu. */
  readonly logProbs: Tensor;
  /** Whether `logProbs` has a batch dimension. */
  readonly batched: boolean;
  readonly blank: number;
  readonly inputLengths: readonly number[];
  readonly targetLengths: readonly number[];
  /** The used labels of each sample, checked to be in [0, C). */
  readonly labels: readonly Int32Array[];
  readonly reduction: Reduction;
  readonly zeroInfinity: boolean;
}

/**
 * The CPU elements of a tensor that validation reads (targets, lengths), on either device.
 *
 * @throws {Error} If a webgpu tensor was not uploaded from the CPU (its values are unknown).
 */
export function hostValues(fn: string, name: string, t: Tensor): ArrayLike<number | bigint> {
  const host = hostElements(t);
  if (host === null) {
    fail(fn, `${name} must have known values: this webgpu tensor was not made on the cpu`);
  }
  return host;
}

// The i32 layout read by the kernels: a header of HEADER entries per sample
//   [T_b, L_b, first label, first alpha element, first class entry, number of classes]
// then the labels, then per sample its distinct classes of l' in increasing order as
// (class, first position, count), then the positions s of each class in decreasing order.
const HEADER = 6;

/** Per sample: where its alpha (and beta) rows start; and the i32 layout above. */
function layout(call: CtcGpuCall, batch: number): { meta: Int32Array; cells: number } {
  const { labels, inputLengths, blank } = call;
  let labelCount = 0;
  let cells = 0;
  const classes: [number, number[]][][] = [];
  let classCount = 0;
  let positionCount = 0;
  for (let b = 0; b < batch; b++) {
    const l = labels[b];
    labelCount += l.length;
    cells += inputLengths[b] * (2 * l.length + 1);
    const byClass = new Map<number, number[]>();
    for (let s = 2 * l.length; s >= 0; s--) {
      const c = s % 2 === 0 ? blank : l[(s - 1) / 2];
      const list = byClass.get(c);
      if (list === undefined) byClass.set(c, [s]);
      else list.push(s);
    }
    const sorted = [...byClass.entries()].sort((x, y) => x[0] - y[0]);
    classes.push(sorted);
    classCount += sorted.length;
    positionCount += 2 * l.length + 1;
  }
  const meta = new Int32Array(HEADER * batch + labelCount + 3 * classCount + positionCount);
  let label = HEADER * batch;
  let cls = label + labelCount;
  let pos = cls + 3 * classCount;
  let alpha = 0;
  for (let b = 0; b < batch; b++) {
    const l = labels[b];
    const h = HEADER * b;
    meta[h] = inputLengths[b];
    meta[h + 1] = l.length;
    meta[h + 2] = label;
    meta[h + 3] = alpha;
    meta[h + 4] = cls;
    meta[h + 5] = classes[b].length;
    meta.set(l, label);
    label += l.length;
    alpha += inputLengths[b] * (2 * l.length + 1);
    for (const [c, positions] of classes[b]) {
      meta[cls] = c;
      meta[cls + 1] = pos;
      meta[cls + 2] = positions.length;
      cls += 3;
      meta.set(positions, pos);
      pos += positions.length;
    }
  }
  return { meta, cells };
}

// WGSL shared by the kernels: the sample's header, lp_t(c), the extended label, and torch's
// log-sum-exps with their order of operations (LossCTC.cpp), as in ctc_loss.ts:
//   logSum3: m = max(a, b, c) (0 when -inf); log(exp(a - m) + exp(b - m) + exp(c - m)) + m
//   logSum2: m = std::max(a, b) (0 when -inf); log(exp(a - m) + exp(b - m)) + m
// exp and log are WGSL_MATH's (losses/_core/webgpu/math.ts), in the prelude.
const COMMON = /* wgsl */ `
struct Params { batch: u32, classes: u32, blank: u32, zero_inf: u32, mode: u32 }
@group(1) @binding(0) var<uniform> params: Params;
fn log_sum3(a: f32, b: f32, c: f32) -> f32 {
  var m = a;
  if (b > m) { m = b; }
  if (c > m) { m = c; }
  if (is_neg_inf(m)) { m = 0.0; }
  let sum = (exp_f32(a - m) + exp_f32(b - m)) + exp_f32(c - m);
  return log_f32(sum) + m;
}
fn log_sum2(a: f32, b: f32) -> f32 {
  var m = a;
  if (a < b) { m = b; }
  if (is_neg_inf(m)) { m = 0.0; }
  return log_f32(exp_f32(a - m) + exp_f32(b - m)) + m;
}
fn steps_of(b: u32) -> u32 { return u32(info[b * ${HEADER}u]); }
fn length_of(b: u32) -> u32 { return u32(info[b * ${HEADER}u + 1u]); }
fn cells_of(b: u32) -> u32 { return u32(info[b * ${HEADER}u + 3u]); }
fn lp_at(t: u32, b: u32, c: u32) -> f32 { return lp[(t * params.batch + b) * params.classes + c]; }
// The label at extended position s: the blank at even s, target (s - 1) / 2 at odd s.
fn prime(b: u32, s: u32) -> u32 {
  if (s % 2u == 0u) { return params.blank; }
  return u32(info[u32(info[b * ${HEADER}u + 2u]) + (s - 1u) / 2u]);
}
`;

// alpha_0(0) = lp_0(blank), alpha_0(1) = lp_0(l'_1), alpha_0(s) = -inf otherwise
// alpha_t(s) = logSum3(alpha_{t-1}(s), alpha_{t-1}(s-1), alpha_{t-1}(s-2) if l'_s != l'_{s-2})
//              + lp_t(l'_s)
// nll = -logSum2(alpha_{T-1}(2L), alpha_{T-1}(2L-1))   (-alpha_{T-1}(0) when L = 0;
//       0 when T_b = 0 and L = 0, else inf)
// value = nll, 0 for inf with zeroInfinity; divided by max(L, 1) when mode is 1 ("mean").
const ALPHA: Shader = {
  label: "ctcLoss alpha",
  inputs: 2,
  outputs: 3,
  uniform: true,
  code: `${PRELUDE}
@group(0) @binding(0) var<storage, read> lp: array<f32>;
@group(0) @binding(1) var<storage, read> info: array<i32>;
@group(0) @binding(2) var<storage, read_write> alpha: array<f32>;
@group(0) @binding(3) var<storage, read_write> nll: array<f32>;
@group(0) @binding(4) var<storage, read_write> value: array<f32>;
${COMMON}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let b = group_index(wid, nwg);
  if (b >= params.batch) { return; }
  let steps = steps_of(b);
  let len = length_of(b);
  let width = 2u * len + 1u;
  let base = cells_of(b);
  if (steps > 0u) {
    for (var s = lid; s < width; s += ${WORKGROUP}u) {
      var a = neg_inf();
      if (s < 2u) { a = lp_at(0u, b, prime(b, s)); }
      alpha[base + s] = a;
    }
  }
  storageBarrier();
  for (var t = 1u; t < steps; t++) {
    let prev = base + (t - 1u) * width;
    for (var s = lid; s < width; s += ${WORKGROUP}u) {
      let cur = prime(b, s);
      var la2 = neg_inf();
      if (s > 0u) { la2 = alpha[prev + s - 1u]; }
      var la3 = neg_inf();
      if (s > 1u && prime(b, s - 2u) != cur) { la3 = alpha[prev + s - 2u]; }
      alpha[prev + width + s] = log_sum3(alpha[prev + s], la2, la3) + lp_at(t, b, cur);
    }
    storageBarrier();
  }
  if (lid != 0u) { return; }
  var loss = 0.0;
  if (steps == 0u) {
    if (len > 0u) { loss = inf_f32(); }
  } else {
    let last = base + (steps - 1u) * width;
    if (len == 0u) {
      loss = -alpha[last];
    } else {
      loss = -log_sum2(alpha[last + width - 1u], alpha[last + width - 2u]);
    }
  }
  nll[b] = loss;
  var v = loss;
  if (params.zero_inf == 1u && is_pos_inf(v)) { v = 0.0; }
  if (params.mode == 1u) { v = v / f32(max(len, 1u)); }
  value[b] = v;
}
`,
};

// beta_{T-1}(2L) = lp_{T-1}(blank), beta_{T-1}(2L-1) = lp_{T-1}(l_L), -inf otherwise
// beta_t(s) = logSum3(beta_{t+1}(s), beta_{t+1}(s+1), beta_{t+1}(s+2) if l'_s != l'_{s+2})
//             + lp_t(l'_s)
const BETA: Shader = {
  label: "ctcLoss beta",
  inputs: 2,
  outputs: 1,
  uniform: true,
  code: `${PRELUDE}
@group(0) @binding(0) var<storage, read> lp: array<f32>;
@group(0) @binding(1) var<storage, read> info: array<i32>;
@group(0) @binding(2) var<storage, read_write> beta: array<f32>;
${COMMON}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let b = group_index(wid, nwg);
  if (b >= params.batch) { return; }
  let steps = steps_of(b);
  if (steps == 0u) { return; }
  let len = length_of(b);
  let width = 2u * len + 1u;
  let top = width - 1u;
  let base = cells_of(b);
  let end = base + (steps - 1u) * width;
  for (var s = lid; s < width; s += ${WORKGROUP}u) {
    var v = neg_inf();
    if (s + 1u >= top) { v = lp_at(steps - 1u, b, prime(b, s)); }
    beta[end + s] = v;
  }
  storageBarrier();
  for (var t = i32(steps) - 2; t >= 0; t--) {
    let row = base + u32(t) * width;
    let next = row + width;
    for (var s = lid; s < width; s += ${WORKGROUP}u) {
      let cur = prime(b, s);
      var lb2 = neg_inf();
      if (s < top) { lb2 = beta[next + s + 1u]; }
      var lb3 = neg_inf();
      if (s + 1u < top && prime(b, s + 2u) != cur) { lb3 = beta[next + s + 2u]; }
      beta[row + s] = log_sum3(beta[next + s], lb2, lb3) + lp_at(u32(t), b, cur);
    }
    storageBarrier();
  }
}
`,
};

// For t < T_b, collected_t(c) = log sum over s with l'_s = c of alpha_t(s) + beta_t(s), added
// in decreasing s as torch does (a -inf total is replaced, not log-added); at t = T_b - 1 only
// s = 2L (the blank) then s = 2L - 1 (set, not log-added) count. Then
//   grad lp_t(c) = (exp(lp_t(c)) - exp((collected_t(c) + nll) - lp_t(c))) * g_b
// and 0 for t >= T_b or for a zeroed infinite loss. g_b: gradOutput[b] ("none", mode 0),
// gradOutput[0] ("sum", mode 1) or (gradOutput[0] / N) / max(L_b, 1) ("mean", mode 2).
const GRAD: Shader = {
  label: "ctcLoss gradient",
  inputs: 6,
  outputs: 1,
  uniform: true,
  code: `${PRELUDE}
@group(0) @binding(0) var<storage, read> lp: array<f32>;
@group(0) @binding(1) var<storage, read> info: array<i32>;
@group(0) @binding(2) var<storage, read> alpha: array<f32>;
@group(0) @binding(3) var<storage, read> beta: array<f32>;
@group(0) @binding(4) var<storage, read> nll: array<f32>;
@group(0) @binding(5) var<storage, read> go: array<f32>;
@group(0) @binding(6) var<storage, read_write> grad: array<f32>;
${COMMON}
fn ab(cell: u32) -> f32 { return alpha[cell] + beta[cell]; }
fn collected(b: u32, t: u32, c: u32, steps: u32) -> f32 {
  let len = length_of(b);
  let width = 2u * len + 1u;
  let row = cells_of(b) + t * width;
  if (t + 1u == steps) {
    if (len > 0u && prime(b, width - 2u) == c) { return ab(row + width - 2u); }
    if (c == params.blank) { return ab(row + width - 1u); }
    return neg_inf();
  }
  // The sample's classes are sorted: find c by bisection.
  var lo = info[b * ${HEADER}u + 4u];
  var hi = lo + 3 * (info[b * ${HEADER}u + 5u] - 1);
  loop {
    if (lo > hi) { return neg_inf(); }
    let mid = lo + 3 * ((hi - lo) / 6);
    let k = u32(info[mid]);
    if (k == c) { lo = mid; break; }
    if (k < c) { lo = mid + 3; } else { hi = mid - 3; }
  }
  let first = info[lo + 1];
  let count = info[lo + 2];
  var acc = neg_inf();
  for (var j = 0; j < count; j++) {
    let v = ab(row + u32(info[first + j]));
    if (is_neg_inf(acc)) { acc = v; } else { acc = log_sum2(acc, v); }
  }
  return acc;
}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * ${WORKGROUP}u;
  let per_step = params.batch * params.classes;
  if (i >= arrayLength(&lp) || per_step == 0u) { return; }
  let t = i / per_step;
  let b = (i / params.classes) % params.batch;
  let c = i % params.classes;
  let steps = steps_of(b);
  let loss = nll[b];
  if (t >= steps || (params.zero_inf == 1u && is_pos_inf(loss))) {
    grad[i] = 0.0;
    return;
  }
  var g = go[0];
  if (params.mode == 0u) { g = go[b]; }
  if (params.mode == 2u) { g = (g / f32(params.batch)) / f32(max(length_of(b), 1u)); }
  let x = lp[i];
  let post = exp_f32((collected(b, t, c, steps) + loss) - x);
  grad[i] = (exp_f32(x) - post) * g;
}
`,
};

function gradFnName(call: CtcGpuCall): string {
  if (call.reduction === "mean") return "MeanBackward0";
  if (call.reduction === "sum") return "SumBackward0";
  if (!call.batched) return "SqueezeBackward1";
  return call.zeroInfinity ? "WhereBackward0" : "CtcLossBackward0";
}

function checkBinding(fn: string, elements: number, what: string): void {
  if (elements > windowElements()) {
    fail(
      fn,
      `${what} must fit one WebGPU binding (${windowElements()} elements) on this adapter: it has ${elements}`,
      RangeError,
    );
  }
}

/** The first `n` 4-byte elements of a buffer (pooled buffers can be larger than a binding). */
function elements(buffer: GPUBuffer, n: number): Binding {
  return { buffer, offset: 0, size: Math.max(n, 1) * 4 };
}

/**
 * `ctcLoss` on WebGPU, after `ctcLoss` has validated everything: the forward is one submit
 * (alpha, then the reduction), the backward another (beta, then the gradient).
 */
export function ctcLossWebgpu(call: CtcGpuCall): Tensor {
  const fn = "ctcLoss";
  const { logProbs, reduction, zeroInfinity, batched } = call;
  const batch = batched ? logProbs.shape[1] : 1;
  const classes = logProbs.shape[logProbs.shape.length - 1];
  const { meta, cells } = layout(call, batch);
  checkBinding(fn, logProbs.numel, "logProbs");
  checkBinding(fn, cells, "alpha (the sum over samples of inputLength × (2 × targetLength + 1))");
  const lp = gpuStorage(logProbs);
  const keep = logProbs.requiresGrad;
  const cmds = new GpuCommands(`${fn} forward`);
  const metaBuffer = scratchU32(cmds, meta.length > 0 ? meta : new Int32Array(1));
  // Kept with the node for the gradient (the storage object owns the buffer).
  const kept = keep ? allocGpu(cells) : null;
  const alpha = kept?.buffer ?? cmds.scratch(Math.max(cells, 1) * 4);
  const nll = allocGpu(batch);
  const value = allocGpu(batch);
  const params = (mode: number): ArrayBuffer =>
    packParams([
      ["u", batch],
      ["u", classes],
      ["u", call.blank],
      ["u", zeroInfinity ? 1 : 0],
      ["u", mode],
    ]);
  if (batch > 0) {
    cmds.dispatch(
      ALPHA,
      [
        elements(lp.buffer, logProbs.numel),
        elements(metaBuffer, meta.length),
        elements(alpha, cells),
        elements(nll.buffer, batch),
        elements(value.buffer, batch),
      ],
      params(reduction === "mean" ? 1 : 0),
      batch,
    );
  }
  let out: GpuStorage = value;
  if (reduction !== "none") {
    out = recordSumOf(cmds, value, batch, reduction === "mean" ? batch : null);
  }
  cmds.submit();
  const outShape = reduction !== "none" || !batched ? [] : [batch];
  const saved = kept === null ? null : { meta, alpha: kept };
  const node = record(gradFnName(call), [logProbs], (gradOutput) => {
    const grad = allocGpu(logProbs.numel);
    if (logProbs.numel > 0 && saved !== null) {
      const back = new GpuCommands(`${fn} backward`);
      const metaBack = scratchU32(back, saved.meta.length > 0 ? saved.meta : new Int32Array(1));
      const beta = back.scratch(Math.max(cells, 1) * 4);
      const mode = reduction === "none" ? 0 : reduction === "sum" ? 1 : 2;
      const [lpBinding, metaBinding] = [
        elements(lp.buffer, logProbs.numel),
        elements(metaBack, saved.meta.length),
      ];
      back.dispatch(BETA, [lpBinding, metaBinding, elements(beta, cells)], params(mode), batch);
      back.dispatch(
        GRAD,
        [
          lpBinding,
          metaBinding,
          elements(saved.alpha.buffer, cells),
          elements(beta, cells),
          elements(nll.buffer, batch),
          elements(gpuStorage(gradOutput).buffer, gradOutput.numel),
          elements(grad.buffer, logProbs.numel),
        ],
        params(mode),
        Math.ceil(logProbs.numel / WORKGROUP),
      );
      back.submit();
    }
    return [new Tensor(grad, logProbs.shape, "float32")];
  });
  return new Tensor(out, outShape, "float32", node);
}
