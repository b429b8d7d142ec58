/**
 * WebGPU kernels of softmax and log-softmax along any dimension, and the row machinery the
 * class losses (`nll_loss.ts`, `cross_entropy.ts` here) build on.
 *
 * A tensor is seen as `outer × size × inner` (`Lanes`): a lane is the `size` elements
 * `base + k * inner` of one `(o, i)`. A lane kernel gives each lane one workgroup of 64
 * invocations: invocation `t` folds elements `t, t + 64, ...` in order, then a tree over the
 * 64 partials (`tree_sum`, `tree_max`) gives the lane's value, so the same input gives the
 * same bits every run. Lanes of at most 64 elements (10 classes, say) run one invocation per
 * lane instead, folding in order: 64 lanes per workgroup and no barriers (at 65536 × 10,
 * 93 ms instead of 5.3 s for a cross-entropy on the software adapter).
 *
 * Big tensors are processed in row blocks: a block of outer rows whose every per-row binding
 * fits one binding window (`gpu().maxBinding`); each binding starts at the aligned offset
 * below the block and the kernel adds the element shift (`params.o<k>`). One outer row must
 * fit one binding (a lane's elements are strided across it).
 *
 * @module
 */

import { record } from "../_core/autograd.ts";
import { checkFloat, normalizeDim } from "../_core/checks.ts";
import { type Lanes, lanesOf } from "../_core/lanes.ts";
import { allocGpu } from "../_core/webgpu/buffers.ts";
import { gpu } from "../_core/webgpu/device.ts";
import {
  type Binding,
  GpuCommands,
  packParams,
  PRELUDE,
  type Shader,
} from "../_core/webgpu/pipelines.ts";
import { gpuStorage, Tensor } from "../_core/tensor.ts";

/** Storage bindings a row shader may have (all share the offsets `o0`..`o7`). */
const MAX_BINDINGS = 8;

/** The one parameter block of every row shader (4-byte fields, in `packRow`'s order). */
const PARAMS_WGSL = `struct Params {
  count: u32, size: u32, inner: u32,
  o0: u32, o1: u32, o2: u32, o3: u32, o4: u32, o5: u32, o6: u32, o7: u32,
  ignore: i32, mode: u32, flag: u32, a: f32, b: f32, c: f32,
}
@group(1) @binding(0) var<uniform> params: Params;`;

/** Per-call values of a row shader's parameters (the count and offsets are per block). */
export interface RowParams {
  /** Elements along the lane (the class count). */
  size?: number;
  /** Product of the dimensions after the lane's dimension. */
  inner?: number;
  /** The ignored class index. */
  ignore?: number;
  /** A shader's switch (e.g. the reduction: 0 none, 1 mean, 2 sum). */
  mode?: number;
  /** A second switch (e.g. label smoothing on). */
  flag?: number;
  /** An f32 parameter (e.g. `1 - labelSmoothing`). */
  a?: number;
  /** An f32 parameter (e.g. `labelSmoothing / C`). */
  b?: number;
  /** An f32 parameter (e.g. the sample count of a mean). */
  c?: number;
}

function packRow(count: number, offsets: readonly number[], p: RowParams): ArrayBuffer {
  const o: ["u", number][] = [];
  for (let k = 0; k < MAX_BINDINGS; k++) o.push(["u", offsets[k] ?? 0]);
  return packParams([
    ["u", count],
    ["u", p.size ?? 0],
    ["u", p.inner ?? 0],
    ...o,
    ["i", p.ignore ?? 0],
    ["u", p.mode ?? 0],
    ["u", p.flag ?? 0],
    ["f", p.a ?? 0],
    ["f", p.b ?? 0],
    ["f", p.c ?? 0],
  ]);
}

/** One storage binding of a row shader: its WGSL name and element type. */
export interface RowArray {
  readonly name: string;
  readonly type?: "f32" | "i32";
}

/** `exp_safe`: exp with nan kept and underflow to exactly 0 (tested by bits: compilers may
 * assume finite floats). */
const EXP_WGSL = /* wgsl */ `
fn exp_safe(d: f32) -> f32 {
  if (is_nan(d)) { return d; }
  if (is_inf(d)) { return select(0.0, d, d > 0.0); }
  if (d < -104.0) { return 0.0; }
  return exp(d);
}
`;

/**
 * WGSL for wide lane kernels (one workgroup per lane): invocation `lt` folds elements `lt`,
 * `lt + LSTEP`, ... in order, then the workgroup trees combine the 64 partials.
 */
const WIDE_WGSL = /* wgsl */ `
const LSTEP: u32 = 64u;
var<workgroup> red: array<f32, 64>;
// Fixed-order tree over the 64 invocations; every invocation gets the (uniform) result.
fn tree_sum(t: u32, v: f32) -> f32 {
  workgroupBarrier();
  red[t] = v;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s = s >> 1u) {
    if (t < s) { red[t] = red[t] + red[t + s]; }
    workgroupBarrier();
  }
  return workgroupUniformLoad(&red[0]);
}
fn tree_max(t: u32, v: f32) -> f32 {
  workgroupBarrier();
  red[t] = v;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s = s >> 1u) {
    if (t < s && red[t + s] > red[t]) { red[t] = red[t + s]; }
    workgroupBarrier();
  }
  return workgroupUniformLoad(&red[0]);
}
`;

/** WGSL for solo lane kernels (one invocation per short lane): the lane folds in order. */
const SOLO_WGSL = /* wgsl */ `
const LSTEP: u32 = 1u;
fn tree_sum(t: u32, v: f32) -> f32 { return v; }
fn tree_max(t: u32, v: f32) -> f32 { return v; }
`;

/** Element offset of lane g's first element within the block. */
const LANE_BASE_WGSL = /* wgsl */ `
fn lane_base(g: u32) -> u32 {
  let o = g / params.inner;
  return o * params.size * params.inner + (g - o * params.inner);
}
`;

/** `lane_stats(t, base)`: the lane's max `m` and `sum(exp(x - m))`, both nan for a nan lane. */
const LANE_STATS_WGSL = /* wgsl */ `
// A lane holding nan, or whose max is +inf, or only -inf, is nan throughout (as PyTorch).
// A nan counts as +inf in the max: either makes the lane nan, so one tree finds both.
fn lane_stats(t: u32, base: u32) -> vec2f {
  var m = -inf_f32();
  for (var k = t; k < params.size; k += LSTEP) {
    let v = ld_x(base + k * params.inner);
    if (is_nan(v)) { m = inf_f32(); } else if (v > m) { m = v; }
  }
  let mm = tree_max(t, m);
  if (!is_finite(mm)) { return vec2f(nan_f32(), nan_f32()); }
  var s = 0.0;
  for (var k = t; k < params.size; k += LSTEP) {
    s += exp_safe(ld_x(base + k * params.inner) - mm);
  }
  return vec2f(mm, tree_sum(t, s));
}
`;

/**
 * A row shader: `inputs` (read-only) then `outputs` (f32) in group 0, each with an accessor
 * that adds its block shift (`ld_<name>(i)`, `st_<name>(i, v)`), then `body` inside `main`,
 * which sees `wid`, `nwg` and `t` (the local invocation index), after `functions`. `lane`
 * adds a lane kernel's helpers: `"wide"` the workgroup trees, `"solo"` their one-invocation
 * stand-ins, and `lane_base` and `lane_stats` (which reads input `x`).
 */
export function rowShader(
  label: string,
  inputs: readonly RowArray[],
  outputs: readonly string[],
  body: string,
  options: { lane?: "wide" | "solo"; functions?: string } = {},
): Shader {
  const lane = options.lane;
  const decls: string[] = [];
  inputs.forEach((a, k) => {
    const type = a.type ?? "f32";
    decls.push(
      `@group(0) @binding(${k}) var<storage, read> ${a.name}: array<${type}>;`,
      `fn ld_${a.name}(i: u32) -> ${type} { return ${a.name}[params.o${k} + i]; }`,
    );
  });
  outputs.forEach((name, j) => {
    const k = inputs.length + j;
    decls.push(
      `@group(0) @binding(${k}) var<storage, read_write> ${name}: array<f32>;`,
      `fn st_${name}(i: u32, v: f32) { ${name}[params.o${k} + i] = v; }`,
    );
  });
  const hasX = inputs.some((a) => a.name === "x");
  const code = `${PRELUDE}
${PARAMS_WGSL}
${decls.join("\n")}
${EXP_WGSL}
${lane === undefined ? "" : lane === "wide" ? WIDE_WGSL : SOLO_WGSL}
${lane === undefined ? "" : LANE_BASE_WGSL}
${lane !== undefined && hasX ? LANE_STATS_WGSL : ""}
${options.functions ?? ""}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) t: u32) {
${body}
}
`;
  return { label, code, inputs: inputs.length, outputs: outputs.length, uniform: true };
}

/** One binding of a row dispatch: a buffer and how many of its elements each outer row has. */
export interface RowBinding {
  readonly buffer: GPUBuffer;
  /** Elements per outer row; 0 binds the whole buffer (weights, scalars). */
  readonly perRow: number;
}

/**
 * Records `shader` over `rows` outer rows, in blocks whose every per-row binding fits one
 * binding. Each block runs `perRow × rows-in-block` items: one workgroup per item when `lanes`
 * (lane kernels), else one invocation per item.
 *
 * @throws {RangeError} If one outer row of some binding is larger than a binding may be.
 */
export function dispatchRows(
  cmds: GpuCommands,
  shader: Shader,
  bindings: readonly RowBinding[],
  rows: number,
  items: { perRow: number; lanes: boolean },
  p: RowParams,
): void {
  const { maxBinding, offsetAlignment } = gpu();
  const align = offsetAlignment / 4;
  const limit = Math.floor(maxBinding / 4) - align;
  const widest = Math.max(0, ...bindings.map((b) => b.perRow));
  if (widest > limit) {
    throw new RangeError(
      `Cannot run ${shader.label} on webgpu as one row of ${widest} elements is larger than one binding of this adapter allows (${limit} elements)`,
    );
  }
  const step = widest === 0 ? rows : Math.floor(limit / widest);
  for (let r0 = 0; r0 < rows; r0 += step) {
    const r1 = Math.min(rows, r0 + step);
    const count = (r1 - r0) * items.perRow;
    if (count === 0) continue;
    const offsets: number[] = [];
    const views: Binding[] = bindings.map((b) => {
      if (b.perRow === 0) {
        offsets.push(0);
        return b.buffer;
      }
      const start = r0 * b.perRow;
      const aligned = start - (start % align);
      offsets.push(start - aligned);
      return { buffer: b.buffer, offset: aligned * 4, size: (r1 * b.perRow - aligned) * 4 };
    });
    cmds.dispatch(
      shader,
      views,
      packRow(count, offsets, p),
      items.lanes ? count : Math.ceil(count / 64),
    );
  }
}

/** The index of this invocation's item in a non-lane row shader, with the bounds check. */
export const ITEM_INDEX = `  let e = group_index(wid, nwg) * 64u + t;
  if (e >= params.count) { return; }`;

/** A lane kernel in both forms; {@linkcode dispatchLanes} picks one by the lane's length. */
export interface LaneShaders {
  /** One workgroup per lane, trees over 64 invocations. */
  readonly wide: Shader;
  /** One invocation per lane, for short lanes (no workgroup barriers). */
  readonly solo: Shader;
}

/** Lanes of at most this many elements run one invocation each. */
const SOLO_LANE = 64;

/**
 * A lane kernel: `body` runs for lane `g` (of this block) with `base` its first element and
 * `lt` this invocation's first element of the lane; it steps by `LSTEP` and combines partials
 * with `tree_sum(lt, v)` / `tree_max(lt, v)`, which every invocation must reach; `lt == 0u`
 * holds the lane's result.
 */
export function laneShaders(
  label: string,
  inputs: readonly RowArray[],
  outputs: readonly string[],
  body: string,
  functions = "",
): LaneShaders {
  const wide = `  let g = group_index(wid, nwg);
  if (g >= params.count) { return; }
  let lt = t;
  let base = lane_base(g);
${body}`;
  const solo = `  let g = group_index(wid, nwg) * 64u + t;
  if (g >= params.count) { return; }
  let lt = 0u;
  let base = lane_base(g);
${body}`;
  return {
    wide: rowShader(label, inputs, outputs, wide, { lane: "wide", functions }),
    solo: rowShader(`${label} (short lanes)`, inputs, outputs, solo, { lane: "solo", functions }),
  };
}

/** Records a lane kernel over every lane of `lanes`, in row blocks (see `dispatchRows`). */
export function dispatchLanes(
  cmds: GpuCommands,
  shaders: LaneShaders,
  bindings: readonly RowBinding[],
  lanes: Lanes,
  p: RowParams,
): void {
  const solo = lanes.size <= SOLO_LANE;
  dispatchRows(cmds, solo ? shaders.solo : shaders.wide, bindings, lanes.outer, {
    perRow: lanes.inner,
    lanes: !solo,
  }, p);
}

// log_softmax / softmax forward (mode 0 / 1), as the CPU's `_engines/softmax.ts`:
//   log_softmax = (x - max) - log(sum(exp(x - max))),  softmax = exp(x - max) / sum(...)
const LANE_FORWARD = laneShaders(
  "softmax forward",
  [{ name: "x" }],
  ["out"],
  `  let st = lane_stats(lt, base);
  let ls = select(log(st.y), st.y, is_nan(st.y));
  for (var k = lt; k < params.size; k += LSTEP) {
    let j = base + k * params.inner;
    let d = ld_x(j) - st.x;
    if (params.mode == 0u) { st_out(j, d - ls); } else { st_out(j, exp_safe(d) / st.y); }
  }`,
);

// ATen's backward: log_softmax  gx = g - exp(out) * sum(g)
//                  softmax      gx = out * (g - sum(g * out))
const LANE_BACKWARD = laneShaders(
  "softmax backward",
  [{ name: "go" }, { name: "y" }],
  ["gx"],
  `  var s = 0.0;
  for (var k = lt; k < params.size; k += LSTEP) {
    let j = base + k * params.inner;
    if (params.mode == 0u) { s += ld_go(j); } else { s += ld_go(j) * ld_y(j); }
  }
  let total = tree_sum(lt, s);
  for (var k = lt; k < params.size; k += LSTEP) {
    let j = base + k * params.inner;
    if (params.mode == 0u) {
      st_gx(j, ld_go(j) - exp_safe(ld_y(j)) * total);
    } else {
      st_gx(j, ld_y(j) * (ld_go(j) - total));
    }
  }`,
);

/**
 * `logSoftmax` (`log: true`) or `softmax` of a webgpu tensor along `dim`: one lane kernel
 * forward (one submit) and one backward, which reads the saved output as the CPU does.
 */
export function laneOpWebgpu(fn: string, input: Tensor, dim: number, log: boolean): Tensor {
  checkFloat(fn, { input });
  const lanes = lanesOf(input.shape, normalizeDim(fn, dim, input.shape.length));
  const n = input.numel;
  const p: RowParams = { size: lanes.size, inner: lanes.inner, mode: log ? 0 : 1 };
  const perRow = lanes.size * lanes.inner;
  const out = allocGpu(n);
  if (n > 0) {
    const cmds = new GpuCommands(`${fn} forward`);
    dispatchLanes(
      cmds,
      LANE_FORWARD,
      [
        { buffer: gpuStorage(input).buffer, perRow },
        { buffer: out.buffer, perRow },
      ],
      lanes,
      p,
    );
    cmds.submit();
  }
  const gradFn = log ? "LogSoftmaxBackward0" : "SoftmaxBackward0";
  const node = record(gradFn, [input], (gradOutput) => {
    const gx = allocGpu(n);
    if (n > 0) {
      const cmds = new GpuCommands(`${fn} backward`);
      dispatchLanes(
        cmds,
        LANE_BACKWARD,
        [
          { buffer: gpuStorage(gradOutput).buffer, perRow },
          { buffer: out.buffer, perRow },
          { buffer: gx.buffer, perRow },
        ],
        lanes,
        p,
      );
      cmds.submit();
    }
    return [new Tensor(gx, input.shape, input.dtype)];
  }, { holds: [input, out] });
  return new Tensor(out, input.shape, input.dtype, node);
}
