/**
 * `pairwiseDistance` on WebGPU: the p-norm over the last dimension (one invocation per lane,
 * a compensated sum of powers; blocks of whole rows when a tensor is larger than one binding)
 * with PyTorch 1.13's `norm_backward`, and the int64 difference
 * converted to float32. The rest of the distance (`x1 - x2 + eps`) runs through the ops'
 * kernels (`ops.ts` here).
 *
 * @module
 */

import { record } from "../_core/autograd.ts";
import { broadcastShapes } from "../_core/broadcast.ts";
import { forwardCommands, OPS_WGSL, rowBlocks, slice, submitForward } from "./ops.ts";
import { allocGpu } from "../_core/webgpu/buffers.ts";
import { type MapInput, recordExpand, recordMap } from "../_core/webgpu/kernels.ts";
import {
  GpuCommands,
  packParams,
  PRELUDE,
  type Shader,
  WORKGROUP,
} from "../_core/webgpu/pipelines.ts";
import { gpuStorage, shapeNumel, Tensor } from "../_core/tensor.ts";

/** Every norm kernel's parameters: lanes (or elements), lane size, p and its derived powers. */
const PARAMS =
  `struct Params { n: u32, size: u32, p: f32, inv_p: f32, pm1: f32, pm2: f32, omp: f32 }`;

function normParams(n: number, size: number, p: number): ArrayBuffer {
  return packParams([
    ["u", n],
    ["u", size],
    ["f", p],
    ["f", 1 / p],
    ["f", p - 1],
    ["f", p - 2],
    ["f", 1 - p],
  ]);
}

const HEAD = `${PRELUDE}
${OPS_WGSL}
${PARAMS}
@group(1) @binding(0) var<uniform> params: Params;`;

const INDEX = `let i = gid.x + gid.y * nwg.x * ${WORKGROUP}u;
  if (i >= params.n) { return; }`;

// ||v||_p = (sum_i |v_i|^p)^(1/p);  p = 0: count of v_i != 0;
// p = inf: max_i |v_i|;   p = -inf: min_i |v_i|;  an empty v has norm 0
const NORM_FORWARD: Shader = {
  label: "pairwiseDistance norm",
  inputs: 1,
  outputs: 1,
  uniform: true,
  code: `${HEAD}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
fn lane_norm(base: u32, size: u32) -> f32 {
  let p = params.p;
  if (size == 0u) { return 0.0; }
  if (p == 0.0) {
    var count = 0.0;
    for (var k = 0u; k < size; k++) {
      let v = x[base + k];
      if (is_nan(v) || v != 0.0) { count += 1.0; }
    }
    return count;
  }
  if (is_inf(p)) {
    var acc = abs(x[base]);
    for (var k = 1u; k < size && !is_nan(acc); k++) {
      let v = abs(x[base + k]);
      if (is_nan(v) || (p > 0.0 && v > acc) || (p < 0.0 && v < acc)) { acc = v; }
    }
    return acc;
  }
  var sc = vec2f(0.0, 0.0);
  for (var k = 0u; k < size; k++) {
    let v = x[base + k];
    var term: f32;
    if (p == 1.0) { term = abs(v); }
    else if (p == 2.0) { term = v * v; }
    else { term = c_pow(abs(v), p); }
    sc = neumaier(sc, term);
  }
  let total = neumaier_total(sc);
  if (p == 1.0) { return total; }
  if (p == 2.0) { return sqrt_f32(total); }
  return c_pow(total, params.inv_p);
}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  ${INDEX}
  out[i] = lane_norm(i * params.size, params.size);
}
`,
};

// Per lane, what every element's gradient shares: for p = ±inf the gradient over the number
// of elements at the norm (nan counts), for p < 1 norm^(1 - p), else grad / norm^(p - 1)
// (0 where the norm is 0).
const NORM_LANE_BACKWARD: Shader = {
  label: "pairwiseDistance norm backward, per lane",
  inputs: 3,
  outputs: 1,
  uniform: true,
  code: `${HEAD}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> norm: array<f32>;
@group(0) @binding(2) var<storage, read> go: array<f32>;
@group(0) @binding(3) var<storage, read_write> scale: array<f32>;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  ${INDEX}
  let p = params.p;
  let n = norm[i];
  let g = go[i];
  if (is_inf(p)) {
    var count = 0.0;
    for (var k = 0u; k < params.size; k++) {
      let v = abs(x[i * params.size + k]);
      if (v == n || is_nan(v)) { count += 1.0; }
    }
    scale[i] = div_f32(g, count);
  } else if (p < 1.0) {
    scale[i] = torch_pow(n, params.omp);
  } else if (n == 0.0) {
    scale[i] = 0.0;
  } else {
    scale[i] = div_f32(g, torch_pow(n, params.pm1));
  }
}
`,
};

// PyTorch 1.13's norm_backward, element by element:
//   p = 1: self.sgn() * grad
//   p = 2: grad * (self / norm).masked_fill_(norm == 0, 0)
//   p = ±inf: self.sgn() * ((grad / mask.sum(dim, true)) * mask), mask = |self| == norm or nan
//   p < 1: self.sgn() * self.abs().pow(p - 1).masked_fill(self == 0, 0) * grad * norm.pow(1 - p)
//   p in (1, 2): self.sgn() * self.abs().pow(p - 1); p > 2: self * self.abs().pow(p - 2);
//     times grad / norm.pow(p - 1), masked to 0 where norm == 0
const NORM_BACKWARD: Shader = {
  label: "pairwiseDistance norm backward",
  inputs: 4,
  outputs: 1,
  uniform: true,
  code: `${HEAD}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> norm: array<f32>;
@group(0) @binding(2) var<storage, read> go: array<f32>;
@group(0) @binding(3) var<storage, read> scale: array<f32>;
@group(0) @binding(4) var<storage, read_write> grad: array<f32>;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  ${INDEX}
  let j = i / params.size;
  let p = params.p;
  let v = x[i];
  let n = norm[j];
  let g = go[j];
  if (p == 1.0) {
    grad[i] = sgn_f32(v) * g;
  } else if (p == 2.0) {
    grad[i] = g * select(div_f32(v, n), 0.0, n == 0.0);
  } else if (is_inf(p)) {
    let hit = select(0.0, 1.0, abs(v) == n || is_nan(v));
    grad[i] = sgn_f32(v) * (scale[j] * hit);
  } else if (p < 1.0) {
    let scaled = select(sgn_f32(v) * torch_pow(abs(v), params.pm1), 0.0, v == 0.0);
    grad[i] = (scaled * g) * scale[j];
  } else if (p < 2.0) {
    grad[i] = (sgn_f32(v) * torch_pow(abs(v), params.pm1)) * scale[j];
  } else {
    grad[i] = (v * torch_pow(abs(v), params.pm2)) * scale[j];
  }
}
`,
};

/** The p-norm over the last dimension of a webgpu tensor, with its `NormBackward1` node. */
export function vectorNormWebgpu(input: Tensor, p: number, keepdim: boolean): Tensor {
  const ndim = input.shape.length;
  const size = ndim === 0 ? 1 : input.shape[ndim - 1];
  const outShape = ndim === 0 ? [] : [...input.shape.slice(0, -1), ...(keepdim ? [1] : [])];
  const lanes = ndim === 0 ? 1 : shapeNumel(input.shape.slice(0, -1));
  const n = input.numel;
  const blocks = lanes > 0 ? rowBlocks("pairwiseDistance", lanes, size) : [];
  const x = gpuStorage(input).buffer;
  const out = allocGpu(lanes);
  const cmds = forwardCommands("pairwiseDistance forward");
  for (const [first, count] of blocks) {
    cmds.dispatch(
      NORM_FORWARD,
      [slice(x, first * size, count * size), slice(out.buffer, first, count)],
      normParams(count, size, p),
      Math.ceil(count / WORKGROUP),
    );
  }
  submitForward(cmds);
  const node = record("NormBackward1", [input], (gradOutput) => {
    if (p === 0) return [null];
    const grad = allocGpu(n);
    const back = new GpuCommands("pairwiseDistance backward");
    const go = gpuStorage(gradOutput).buffer;
    const scale = back.scratch(lanes * 4);
    for (const [first, count] of n > 0 ? blocks : []) {
      const rows = [
        slice(x, first * size, count * size),
        slice(out.buffer, first, count),
        slice(go, first, count),
        slice(scale, first, count),
      ];
      if (p !== 1 && p !== 2) {
        back.dispatch(
          NORM_LANE_BACKWARD,
          rows,
          normParams(count, size, p),
          Math.ceil(count / WORKGROUP),
        );
      }
      back.dispatch(
        NORM_BACKWARD,
        [...rows, slice(grad.buffer, first * size, count * size)],
        normParams(count * size, size, p),
        Math.ceil((count * size) / WORKGROUP),
      );
    }
    back.submit();
    return [new Tensor(grad, input.shape, input.dtype)];
  }, { holds: [input, out] });
  return new Tensor(out, outShape, input.dtype, node);
}

/**
 * int64 `x1 - x2` of webgpu tensors (held as int32 there) converted to float32, as PyTorch
 * promotes: the difference of two int32 values needs 33 bits, so an overflowing one is
 * converted from its unsigned magnitude.
 */
export function intDifferenceWebgpu(x1: Tensor, x2: Tensor): Tensor {
  const shape = broadcastShapes("pairwiseDistance", { x1: x1.shape, x2: x2.shape });
  const n = shapeNumel(shape);
  const cmds = forwardCommands("pairwiseDistance forward");
  const input = (name: string, t: Tensor): MapInput => ({
    name,
    storage: t.shape.length === shape.length && t.shape.every((d, k) => d === shape[k])
      ? gpuStorage(t)
      : recordExpand(cmds, gpuStorage(t), t.shape, shape, n),
  });
  const [out] = recordMap(cmds, {
    label: "pairwiseDistance int64 difference",
    inputs: [input("a", x1), input("b", x2)],
    outputs: ["out"],
    types: { a: "i32", b: "i32" },
    body: `  let d = a - b;
  var v = f32(d);
  if (((a ^ b) & (a ^ d)) < 0) {
    if (a >= 0) { v = f32(bitcast<u32>(d)); } else { v = -f32(bitcast<u32>(b - a)); }
  }
  out[i] = v;`,
  }, n);
  submitForward(cmds);
  return new Tensor(out, shape, "float32");
}
