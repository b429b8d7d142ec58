/**
 * The tensor ops of `ops.ts` on WebGPU: the same formulas as the CPU's, in WGSL, run by the
 * generic map kernels (`recordMap`), the tree sum (`recordSum`), broadcasting
 * (`recordExpand`) and its adjoint, a sum over the broadcast dimensions (compensated, close
 * to the CPU's float64 sums, or the tree sum for one output). A number operand
 * (`add(t, 1.5)`) stays a number: it travels in the uniform, rounded to float32 as PyTorch
 * rounds a Python scalar.
 * Every op is one submit forward and one backward; inside {@linkcode recordAsOne} the forwards
 * of all the ops a loss is built from share one submit.
 *
 * @module
 */

import { record } from "../_core/autograd.ts";
import { broadcastShapes } from "../_core/broadcast.ts";
import { checkSameDevice } from "../_core/checks.ts";
import { allocGpu, type GpuStorage } from "../_core/webgpu/buffers.ts";
import {
  FULL_INDEX_WGSL,
  type MapInput,
  recordExpand,
  recordMap,
  recordSum,
  scratchU32,
  windowElements,
} from "../_core/webgpu/kernels.ts";
import { gpu } from "../_core/webgpu/device.ts";
import {
  type Binding,
  GpuCommands,
  packParams,
  PRELUDE,
  type Shader,
  WORKGROUP,
} from "../_core/webgpu/pipelines.ts";
import { gpuStorage, shapeNumel, Tensor } from "../_core/tensor.ts";

/**
 * WGSL helpers of the ops: PyTorch's `sgn`, division and square root with IEEE's zeros,
 * infinities and nan written out (WGSL leaves them to the implementation), C's `pow` and
 * PyTorch's `pow` (exponents 0.5, -0.5, 2, 3, -1, -2 computed as sqrt, products and
 * reciprocals, as `torchPow` in `_engines/op_helpers.ts`), and a compensated (Neumaier) sum step.
 * `c_pow` takes exponent 0.5 as a square root and small integer exponents by squaring (closer
 * to C's correctly rounded results than `exp2(e * log2(x))`).
 */
export const OPS_WGSL = /* wgsl */ `
fn sgn_f32(x: f32) -> f32 {
  if (is_nan(x)) { return 0.0; }
  if (x > 0.0) { return 1.0; }
  if (x < 0.0) { return -1.0; }
  return 0.0;
}
fn div_f32(a: f32, b: f32) -> f32 {
  if (is_nan(a) || is_nan(b)) { return nan_f32(); }
  if (b == 0.0) {
    if (a == 0.0) { return nan_f32(); }
    return bitcast<f32>(((bitcast<u32>(a) ^ bitcast<u32>(b)) & 0x80000000u) | 0x7f800000u);
  }
  if (is_inf(b)) {
    if (is_inf(a)) { return nan_f32(); }
    return bitcast<f32>((bitcast<u32>(a) ^ bitcast<u32>(b)) & 0x80000000u);
  }
  return a / b;
}
fn sqrt_f32(x: f32) -> f32 {
  if (is_nan(x) || x < 0.0) { return nan_f32(); }
  if (x == 0.0 || is_inf(x)) { return x; }
  return sqrt(x);
}
fn c_pow(x: f32, e: f32) -> f32 {
  if (x == 1.0 || e == 0.0) { return 1.0; }
  if (is_nan(x) || is_nan(e)) { return nan_f32(); }
  if (e == 1.0) { return x; }
  let ax = abs(x);
  if (ax == 1.0 && is_inf(e)) { return 1.0; }
  let integer = is_finite(e) && floor(e) == e;
  let odd = integer && abs(e) < 16777216.0 && (i32(abs(e)) & 1) == 1;
  let negative = (bitcast<u32>(x) & 0x80000000u) != 0u;
  if (negative && is_finite(x) && x != 0.0 && !integer && is_finite(e)) { return nan_f32(); }
  var m: f32;
  if (ax == 0.0) {
    m = select(inf_f32(), 0.0, e > 0.0);
  } else if (is_inf(ax)) {
    m = select(0.0, inf_f32(), e > 0.0);
  } else if (is_inf(e)) {
    m = select(0.0, inf_f32(), (ax > 1.0) == (e > 0.0));
  } else if (e == 0.5) {
    m = sqrt(ax);
  } else if (integer && abs(e) <= 32.0) {
    // Small integer powers by squaring: a few roundings instead of exp2(e * log2(x)), whose
    // error grows with |e * log2(x)|.
    let q = int_pow(ax, u32(abs(e)));
    if (e > 0.0) {
      m = q;
    } else if (is_finite(q) && q >= 1.17549435e-38) {
      m = 1.0 / q;
    } else {
      m = exp2(e * log2(ax));
    }
  } else {
    m = exp2(e * log2(ax));
  }
  if (negative && odd) { return -m; }
  return m;
}
fn int_pow(x: f32, k: u32) -> f32 {
  var result = 1.0;
  var base = x;
  var n = k;
  loop {
    if ((n & 1u) == 1u) { result = result * base; }
    n = n >> 1u;
    if (n == 0u) { break; }
    base = base * base;
  }
  return result;
}
fn torch_pow(x: f32, e: f32) -> f32 {
  if (e == 0.5) { return sqrt_f32(x); }
  if (e == -0.5) { return div_f32(1.0, sqrt_f32(x)); }
  if (e == 2.0) { return x * x; }
  if (e == 3.0) { return (x * x) * x; }
  if (e == -1.0) { return div_f32(1.0, x); }
  if (e == -2.0) { return div_f32(1.0, x * x); }
  return c_pow(x, e);
}
// Adds v to the compensated sum (s, c): s + c is the sum, c the rounding errors so far.
fn neumaier(sc: vec2f, v: f32) -> vec2f {
  let s = sc.x;
  let t = s + v;
  var c = sc.y;
  if (abs(s) >= abs(v)) { c += (s - t) + v; } else { c += (v - t) + s; }
  return vec2f(t, c);
}
fn neumaier_total(sc: vec2f) -> f32 {
  if (!is_finite(sc.x)) { return sc.x; }
  return sc.x + sc.y;
}
`;

// ---------------------------------------------------------------------------
// One submit for a composite

let shared: GpuCommands | null = null;

/** The commands an op's forward records into: the shared ones of a composite, else its own. */
export function forwardCommands(what: string): GpuCommands {
  return shared ?? new GpuCommands(what);
}

/** Submits an op's forward commands, unless they belong to a composite (submitted at its end). */
export function submitForward(cmds: GpuCommands): void {
  if (cmds !== shared) cmds.submit();
}

/**
 * Runs `body`, a forward built from ops (a triplet loss, a distance), so that every op it
 * calls on webgpu records into one command encoder, submitted once at the end. Nothing reads
 * back inside, and the body is synchronous, so no buffer it allocates is recycled before the
 * submit. On the CPU, or nested inside another, it just runs `body`.
 */
export function recordAsOne<T>(what: string, tensors: readonly Tensor[], body: () => T): T {
  if (shared !== null || !tensors.some((t) => t.device === "webgpu")) return body();
  const cmds = new GpuCommands(what);
  shared = cmds;
  try {
    return body();
  } finally {
    shared = null;
    cmds.submit();
  }
}

// ---------------------------------------------------------------------------
// Binary ops

/** One binary op in WGSL: expressions of `x`, `y` (and `g`, gradOutput's element). */
interface BinaryWgsl {
  readonly gradFn: string;
  readonly forward: string;
  readonly gradInput: string;
  readonly gradOther: string;
}

/** The binary ops, by name; `rsub` and `rdiv` are `number - tensor` and `number / tensor`. */
const BINARY: Readonly<Record<string, BinaryWgsl>> = {
  add: { gradFn: "AddBackward0", forward: "x + y", gradInput: "g", gradOther: "g" },
  sub: { gradFn: "SubBackward0", forward: "x - y", gradInput: "g", gradOther: "-g" },
  rsub: { gradFn: "RsubBackward1", forward: "x - y", gradInput: "g", gradOther: "-g" },
  mul: { gradFn: "MulBackward0", forward: "x * y", gradInput: "g * y", gradOther: "g * x" },
  // torch: grad_self = grad / other; grad_other = -grad * self / (other * other)
  div: {
    gradFn: "DivBackward0",
    forward: "div_f32(x, y)",
    gradInput: "div_f32(g, y)",
    gradOther: "div_f32(-g * x, y * y)",
  },
  // Python's `number / tensor` is `tensor.reciprocal() * number`: out = (1 / y) * x, and the
  // gradient runs back through both: grad_y = -(grad * x) * (1 / y)^2.
  rdiv: {
    gradFn: "MulBackward0",
    forward: "div_f32(1.0, y) * x",
    gradInput: "g * div_f32(1.0, y)",
    gradOther: "-(g * x) * (div_f32(1.0, y) * div_f32(1.0, y))",
  },
  // torch: grad_self = where(self == other, grad / 2, grad).masked_fill_(self > other, 0)
  minimum: {
    gradFn: "MinimumBackward0",
    forward: "select(select(x, y, y < x), nan_f32(), is_nan(x) || is_nan(y))",
    gradInput: "select(select(select(g, 0.0, x > y), g / 2.0, x == y), g, is_nan(x) || is_nan(y))",
    gradOther: "select(select(select(g, 0.0, x < y), g / 2.0, x == y), g, is_nan(x) || is_nan(y))",
  },
  maximum: {
    gradFn: "MaximumBackward0",
    forward: "select(select(x, y, y > x), nan_f32(), is_nan(x) || is_nan(y))",
    gradInput: "select(select(select(g, 0.0, x < y), g / 2.0, x == y), g, is_nan(x) || is_nan(y))",
    gradOther: "select(select(select(g, 0.0, x > y), g / 2.0, x == y), g, is_nan(x) || is_nan(y))",
  },
};

/** The binary ops {@linkcode binaryWebgpu} runs. */
export type BinaryOp = "add" | "sub" | "mul" | "div" | "minimum" | "maximum";

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Whether either operand is a webgpu tensor. */
export function onWebgpu(a: Tensor, b: Tensor): boolean {
  return a.device === "webgpu" || b.device === "webgpu";
}

/** A tensor operand as a map input of `shape`: as is, one element for all, or expanded. */
function mapInput(
  cmds: GpuCommands,
  name: string,
  t: Tensor,
  shape: readonly number[],
  n: number,
): MapInput {
  if (sameDims(t.shape, shape)) return { name, storage: gpuStorage(t) };
  if (t.numel === 1) return { name, storage: gpuStorage(t), scalar: true };
  return { name, storage: recordExpand(cmds, gpuStorage(t), t.shape, shape, n) };
}

/**
 * `op(input, other)` on WebGPU for operands already checked (dtype, shapes); a number operand
 * goes in the uniform.
 */
export function binaryWebgpu(op: BinaryOp, input: Tensor | number, other: Tensor | number): Tensor {
  const numberInput = typeof input === "number";
  const def =
    BINARY[op === "sub" && numberInput ? "rsub" : op === "div" && numberInput ? "rdiv" : op];
  const named: Record<string, Tensor> = {};
  if (typeof input !== "number") named.input = input;
  if (typeof other !== "number") named.other = other;
  checkSameDevice(op, named);
  const tensors = Object.values(named);
  // the CPU's operand names (input, other), so that both devices give one message
  const shape = broadcastShapes(
    op,
    Object.fromEntries(Object.entries(named).map(([name, t]) => [name, t.shape])),
  );
  const n = shapeNumel(shape);
  const operands: [string, Tensor | number][] = [["x", input], ["y", other]];
  const params: Record<string, number> = {};
  const lets: string[] = [];
  const cmds = forwardCommands(`${op} forward`);
  const inputs: MapInput[] = [];
  for (const [name, v] of operands) {
    if (typeof v === "number") {
      params[`${name}_value`] = v;
      lets.push(`  let ${name} = params.${name}_value;`);
    } else {
      inputs.push(mapInput(cmds, name, v, shape, n));
    }
  }
  const [out] = recordMap(cmds, {
    label: `${op} forward`,
    inputs,
    outputs: ["out"],
    params,
    functions: OPS_WGSL,
    body: `${lets.join("\n")}\n  out[i] = ${def.forward};`,
  }, n);
  submitForward(cmds);
  const node = record(def.gradFn, tensors, (gradOutput) => {
    const back = new GpuCommands(`${op} backward`);
    const wanted = operands.filter(([, v]) => typeof v !== "number" && v.requiresGrad);
    const outs = recordMap(back, {
      label: `${op} backward`,
      inputs: [...inputs, { name: "g", storage: gpuStorage(gradOutput) }],
      outputs: wanted.map(([name]) => `grad_${name}`),
      params,
      functions: OPS_WGSL,
      body: [
        ...lets,
        ...wanted.map(([name]) =>
          `  grad_${name}[i] = ${name === "x" ? def.gradInput : def.gradOther};`
        ),
      ].join("\n"),
    }, n);
    // By operand name, not by tensor: `sub(x, x)` gives x two different gradients.
    const grads = new Map<string, Tensor>();
    wanted.forEach(([name, v], k) => {
      const t = v as Tensor;
      const g = sameDims(t.shape, shape)
        ? outs[k]
        : recordReduce(back, `${op} backward`, outs[k], shape, t.shape, false);
      grads.set(name, new Tensor(g, t.shape, t.dtype));
    });
    back.submit();
    return operands.filter(([, v]) => typeof v !== "number").map(([name]) =>
      grads.get(name) ?? null
    );
  });
  return new Tensor(out, shape, tensors[0].dtype, node);
}

// ---------------------------------------------------------------------------
// Unary ops

/** One unary op: WGSL expressions of `x` (forward) and of `x`, `o` (the output) and `g`. */
interface UnaryWgsl {
  readonly gradFn: string;
  readonly forward: string;
  readonly gradInput: string;
}

const UNARY: Readonly<Record<string, UnaryWgsl>> = {
  neg: { gradFn: "NegBackward0", forward: "-x", gradInput: "-g" },
  abs: { gradFn: "AbsBackward0", forward: "abs(x)", gradInput: "sgn_f32(x) * g" },
  sqrt: { gradFn: "SqrtBackward0", forward: "sqrt_f32(x)", gradInput: "div_f32(g, 2.0 * o)" },
  // grad * exponent * x^(exponent - 1), and 0 everywhere for exponent 0
  pow: {
    gradFn: "PowBackward0",
    forward: "torch_pow(x, params.e)",
    gradInput: "select(g * (params.e * torch_pow(x, params.em1)), 0.0, params.e == 0.0)",
  },
  clampMin: {
    gradFn: "ClampMinBackward0",
    forward:
      "select(select(x, params.lo, x < params.lo), nan_f32(), is_nan(x) || is_nan(params.lo))",
    gradInput: "select(0.0, g, !is_nan(x) && !is_nan(params.lo) && x >= params.lo)",
  },
  clamp: {
    gradFn: "ClampBackward1",
    forward: "clamp_f32(x, params.lo, params.hi)",
    gradInput:
      "select(0.0, g, !is_nan(x) && !is_nan(params.lo) && !is_nan(params.hi) && x >= params.lo && x <= params.hi)",
  },
};

const CLAMP_WGSL = /* wgsl */ `
fn clamp_f32(x: f32, lo: f32, hi: f32) -> f32 {
  if (is_nan(x) || is_nan(lo) || is_nan(hi)) { return nan_f32(); }
  let y = select(x, lo, x < lo);
  return select(y, hi, y > hi);
}
`;

/**
 * The unary op `fn` (`neg`, `abs`, `sqrt`, `pow` with `{ e }`, `clampMin` with `{ lo }`,
 * `clamp` with `{ lo, hi }`) on WebGPU, for an input already checked.
 */
export function unaryWebgpu(
  fn: string,
  input: Tensor,
  values: Readonly<Record<string, number>> = {},
): Tensor {
  const def = UNARY[fn];
  if (def === undefined) throw new Error(`${fn} has no WebGPU kernel`);
  const params: Record<string, number> = { ...values };
  if (fn === "pow") params.em1 = values.e - 1;
  const n = input.numel;
  const functions = OPS_WGSL + CLAMP_WGSL;
  const x: MapInput = { name: "x", storage: gpuStorage(input) };
  const cmds = forwardCommands(`${fn} forward`);
  const [out] = recordMap(cmds, {
    label: `${fn} forward`,
    inputs: [x],
    outputs: ["out"],
    params,
    functions,
    body: `  out[i] = ${def.forward};`,
  }, n);
  submitForward(cmds);
  const node = record(def.gradFn, [input], (gradOutput) => {
    const back = new GpuCommands(`${fn} backward`);
    const [grad] = recordMap(back, {
      label: `${fn} backward`,
      inputs: [x, { name: "o", storage: out }, { name: "g", storage: gpuStorage(gradOutput) }],
      outputs: ["grad"],
      params,
      functions,
      body: `  grad[i] = ${def.gradInput};`,
    }, n);
    back.submit();
    return [new Tensor(grad, input.shape, input.dtype)];
  }, { holds: [input, out] });
  return new Tensor(out, input.shape, input.dtype, node);
}

// ---------------------------------------------------------------------------
// Reductions

/** Throws when `n` elements need a binding larger than the adapter allows. */
function checkFits(fn: string, n: number): void {
  if (n > windowElements()) {
    throw new RangeError(
      `Cannot run ${fn} on webgpu as its ${n} elements need a binding larger than this adapter allows (${windowElements()} elements)`,
    );
  }
}

const REDUCE: Shader = {
  label: "sum over dimensions",
  inputs: 2,
  outputs: 1,
  uniform: true,
  code: `${PRELUDE}
${OPS_WGSL}
struct Params { n: u32, reduced: u32, finish: u32, divisor: f32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dims: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(1) @binding(0) var<uniform> params: Params;
${FULL_INDEX_WGSL}
// Each output sums its elements in order with Neumaier's compensation (close to a float64 sum
// rounded once).
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let j = gid.x + gid.y * nwg.x * ${WORKGROUP}u;
  if (j >= params.n) { return; }
  var sc = vec2f(0.0, 0.0);
  for (var r = 0u; r < params.reduced; r++) { sc = neumaier(sc, x[full_index(j, r)]); }
  var v = neumaier_total(sc);
  if (params.finish == 1u) { v = v / params.divisor; }
  if (params.finish == 2u) { v = nan_f32(); }
  out[j] = v;
}
`,
};

/**
 * Records the sum of `x` (shape `from`) down to `to` (the same number of dimensions or fewer,
 * aligned at the right; a dimension of `to` of size 1 where `from`'s is larger is summed),
 * divided by the number of elements summed into each output when `mean` (nan when none).
 * One output: the tree sum; else one compensated sum per output element.
 */
function recordReduce(
  cmds: GpuCommands,
  what: string,
  x: GpuStorage,
  from: readonly number[],
  to: readonly number[],
  mean: boolean,
): GpuStorage {
  const n = shapeNumel(from);
  const nOut = shapeNumel(to);
  const count = nOut === 0 ? 0 : n / nOut;
  const out = allocGpu(nOut);
  if (nOut === 1) {
    const inputs = [{ name: "x", storage: x }];
    recordSum(cmds, { label: what, inputs, value: "  return x;" }, n, out, mean ? count : null);
    return out;
  }
  if (nOut === 0) return out;
  const finish = !mean ? 0 : count === 0 ? 2 : 1;
  const params = (outputs: number): ArrayBuffer =>
    packParams([["u", outputs], ["u", count], ["u", finish], ["f", count === 0 ? 1 : count]]);
  if (n > windowElements() && trailingRows(from, to)) {
    // Each output sums one contiguous row: blocks of whole rows, each its own binding.
    for (const [first, rows] of rowBlocks(what, nOut, count)) {
      cmds.dispatch(
        REDUCE,
        [
          slice(x.buffer, first * count, rows * count),
          scratchU32(cmds, Uint32Array.of(2, rows, count, 1, 0)),
          slice(out.buffer, first, rows),
        ],
        params(rows),
        Math.ceil(rows / WORKGROUP),
      );
    }
    return out;
  }
  checkFits(what, n);
  const nd = from.length;
  const pad = nd - to.length;
  const dims = new Uint32Array(1 + 2 * nd);
  dims[0] = nd;
  from.forEach((d, k) => {
    dims[1 + k] = d;
    dims[1 + nd + k] = k >= pad && to[k - pad] === d ? 1 : 0;
  });
  cmds.dispatch(
    REDUCE,
    [x.buffer, scratchU32(cmds, dims), out.buffer],
    params(nOut),
    Math.ceil(nOut / WORKGROUP),
  );
  return out;
}

/**
 * Whether every summed dimension of `from` (down to `to`, aligned at the right) comes after
 * every kept one, size-1 dimensions aside: each output then sums one contiguous row.
 */
function trailingRows(from: readonly number[], to: readonly number[]): boolean {
  const pad = from.length - to.length;
  let summing = false;
  for (let k = 0; k < from.length; k++) {
    if (from[k] === 1) continue;
    const kept = k >= pad && to[k - pad] === from[k];
    if (kept && summing) return false;
    if (!kept) summing = true;
  }
  return true;
}

/** `count` 4-byte elements of `buffer` from element `start`, as a binding. */
export function slice(buffer: GPUBuffer, start: number, count: number): Binding {
  return { buffer, offset: start * 4, size: Math.max(count, 1) * 4 };
}

/**
 * Blocks `[first, count]` of whole rows of `size` elements whose elements fit one binding,
 * each starting at an aligned offset both as a row index and as an element index; one block
 * when everything fits.
 *
 * @throws {RangeError} If one row alone needs a binding larger than the adapter allows.
 */
export function rowBlocks(fn: string, rows: number, size: number): [number, number][] {
  const w = windowElements();
  if (rows * size <= w) return [[0, rows]];
  const align = Math.max(1, gpu().offsetAlignment / 4);
  const per = Math.floor(w / size / align) * align;
  if (per === 0) {
    throw new RangeError(
      `Cannot run ${fn} on webgpu as a row of ${size} elements needs a binding larger than this adapter allows (${w} elements)`,
    );
  }
  const blocks: [number, number][] = [];
  for (let first = 0; first < rows; first += per) blocks.push([first, Math.min(per, rows - first)]);
  return blocks;
}

// gradOutput spread back over the rows it summed (divided by the row's length for a mean).
const SPREAD_ROWS: Shader = {
  label: "spread rows",
  inputs: 1,
  outputs: 1,
  uniform: true,
  code: `${PRELUDE}
${OPS_WGSL}
struct Params { n: u32, count: u32, mean: u32, divisor: f32 }
@group(0) @binding(0) var<storage, read> g: array<f32>;
@group(0) @binding(1) var<storage, read_write> grad: array<f32>;
@group(1) @binding(0) var<uniform> params: Params;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * ${WORKGROUP}u;
  if (i >= params.n) { return; }
  let v = g[i / params.count];
  grad[i] = select(v, div_f32(v, params.divisor), params.mean == 1u);
}
`,
};

/**
 * `sum` or `mean` of `input` over the dimensions flagged in `reduced`, on WebGPU: a tree sum
 * for all of them, else one compensated sum per output element. The gradient broadcasts
 * gradOutput back (over the count, for a mean). `allDims`: no `dim` was given
 * (`SumBackward0`/`MeanBackward0`, else `...Backward1`).
 */
export function reduceWebgpu(
  fn: "sum" | "mean",
  input: Tensor,
  reduced: readonly boolean[],
  outShape: readonly number[],
  allDims: boolean,
): Tensor {
  const gradFn = `${fn === "sum" ? "Sum" : "Mean"}Backward${allDims ? 0 : 1}`;
  const n = input.numel;
  const keptShape = input.shape.map((d, k) => reduced[k] ? 1 : d);
  const nOut = shapeNumel(keptShape);
  const count = nOut === 0 ? 0 : n / nOut;
  const cmds = forwardCommands(`${fn} forward`);
  const out = recordReduce(cmds, fn, gpuStorage(input), input.shape, keptShape, fn === "mean");
  submitForward(cmds);
  const node = record(gradFn, [input], (gradOutput) => {
    const back = new GpuCommands(`${fn} backward`);
    if (n > windowElements() && trailingRows(input.shape, keptShape)) {
      const grad = allocGpu(n);
      const g = gpuStorage(gradOutput).buffer;
      for (const [first, rows] of rowBlocks(fn, nOut, count)) {
        back.dispatch(
          SPREAD_ROWS,
          [slice(g, first, rows), slice(grad.buffer, first * count, rows * count)],
          packParams([["u", rows * count], ["u", count], ["u", fn === "mean" ? 1 : 0], [
            "f",
            count,
          ]]),
          Math.ceil((rows * count) / WORKGROUP),
        );
      }
      back.submit();
      return [new Tensor(grad, input.shape, input.dtype)];
    }
    let grad = recordExpand(back, gpuStorage(gradOutput), keptShape, input.shape, n);
    if (fn === "mean") {
      [grad] = recordMap(back, {
        label: "mean backward",
        inputs: [{ name: "g", storage: grad }],
        outputs: ["grad"],
        params: { count },
        functions: OPS_WGSL,
        body: "  grad[i] = div_f32(g, params.count);",
      }, n);
    }
    back.submit();
    return [new Tensor(grad, input.shape, input.dtype)];
  });
  return new Tensor(out, outShape, input.dtype, node);
}
