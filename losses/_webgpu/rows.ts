/**
 * Row kernels for the WebGPU twins of the losses that reduce over classes or features
 * (`multiMarginLoss`, `multilabelMarginLoss`, `multilabelSoftMarginLoss`,
 * `cosineEmbeddingLoss`): one workgroup per row, its 64 invocations (`lid`) taking every
 * 64th element of the row and their compensated partials summed by a fixed tree
 * (`wg_sum`), so a row's result has the same steps every run; the batch reduction is then
 * the deterministic tree sum ({@linkcode recordSumOf}).
 *
 * @module
 */

import type { Reduction } from "../_core/reduction.ts";
import type { GpuStorage } from "../_core/webgpu/buffers.ts";
import { gpu } from "../_core/webgpu/device.ts";
import { recordSumOf } from "../_core/webgpu/kernels.ts";
import {
  type GpuCommands,
  packParams,
  PRELUDE,
  type Shader,
  WORKGROUP,
} from "../_core/webgpu/pipelines.ts";

/** One array a row kernel binds, whole or in windows: read as `<name>[k]`. */
export interface RowArray {
  readonly name: string;
  /** A tensor's storage, or a scratch buffer and its bytes. */
  readonly storage: { readonly buffer: GPUBuffer; readonly bytes: number };
  /** Element type in WGSL (default `"f32"`; int64 tensors live as `i32`, bool as `u32`). */
  readonly type?: "f32" | "i32" | "u32";
  /**
   * Elements per row, row `t`'s at `t * perRow`: the array is bound in windows that follow
   * the blocks of rows. Absent: bound whole (broadcast or small arrays).
   */
  readonly perRow?: number;
}

/** A uniform field: name, WGSL type, value. */
export type RowParam = readonly [string, "u32" | "i32" | "f32", number];

/** A kernel that runs `body` in one workgroup for each row `t` in `[0, n)`. */
export interface RowKernel {
  /** Names the kernel in errors. */
  readonly label: string;
  /** Read-only arrays. */
  readonly inputs: readonly RowArray[];
  /** Read-write arrays. */
  readonly outputs: readonly RowArray[];
  /** Uniform fields, read as `params.<name>` (after `params.n`). */
  readonly params: readonly RowParam[];
  /** WGSL functions placed before `main`. */
  readonly functions?: string;
  /**
   * WGSL statements for row `t` (a `u32`, counted from the first of its block), run by each
   * invocation `lid` of the row's workgroup: index windowed arrays by `t`, whole ones only by
   * what does not depend on `t` (or make no array windowed, which keeps one block).
   */
  readonly body: string;
}

/**
 * WGSL helpers of the row kernels. `acc_add`/`acc_value`: Neumaier's compensated sum in f32
 * steps, standing in for the CPU path's float64 accumulators (an infinite or nan partial sum
 * is kept as it is, as a float64 sum would give it).
 */
export const ROW_HELPERS = /* wgsl */ `
fn acc_add(a: vec2f, v: f32) -> vec2f {
  let s = a.x + v;
  if (!is_finite(s)) { return vec2f(s, 0.0); }
  var c = a.y;
  if (abs(a.x) >= abs(v)) { c = c + ((a.x - s) + v); } else { c = c + ((v - s) + a.x); }
  return vec2f(s, c);
}
fn acc_value(a: vec2f) -> f32 {
  if (!is_finite(a.x)) { return a.x; }
  return a.x + a.y;
}
fn acc_merge(a: vec2f, b: vec2f) -> vec2f {
  let s = acc_add(a, b.x);
  if (!is_finite(s.x)) { return s; }
  return vec2f(s.x, s.y + b.y);
}
var<workgroup> red: array<vec2f, ${WORKGROUP}>;
// The sum of the workgroup's compensated partials: a fixed tree over the invocations, so the
// same bits every run. Call it from uniform control flow (every invocation of the row).
fn wg_sum(lid: u32, v: vec2f) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = ${WORKGROUP / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { red[lid] = acc_merge(red[lid], red[lid + s]); }
    workgroupBarrier();
  }
  let total = acc_value(red[0]);
  workgroupBarrier();
  return total;
}
`;

function shaderOf(k: RowKernel): Shader {
  const decl = (a: RowArray, i: number, access: string): string =>
    `@group(0) @binding(${i}) var<storage, ${access}> ${a.name}: array<${a.type ?? "f32"}>;`;
  const code = `${PRELUDE}${ROW_HELPERS}
struct Params { n: u32,${k.params.map(([name, type]) => ` ${name}: ${type},`).join("")} }
${k.inputs.map((a, i) => decl(a, i, "read")).join("\n")}
${k.outputs.map((a, i) => decl(a, k.inputs.length + i, "read_write")).join("\n")}
@group(1) @binding(0) var<uniform> params: Params;
${k.functions ?? ""}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let t = group_index(wid, nwg);
  if (t >= params.n) { return; }
${k.body}
}
`;
  return {
    label: k.label,
    code,
    inputs: k.inputs.length,
    outputs: k.outputs.length,
    uniform: true,
  };
}

let windowOverride: number | null = null;

/**
 * Sets the elements one window may hold (`null`: the adapter's binding limit), so that tests
 * can run the windowed path on small inputs.
 */
export function setRowWindowForTests(elements: number | null): void {
  windowOverride = elements;
}

/**
 * Records `k` over `n` rows, one workgroup each. An array with `perRow` is bound as the
 * window of the current block of rows (`perRow` elements each, so the body indexes it by the
 * block's `t`); the others are bound whole. Blocks are multiples of 64 rows, which keeps
 * every window's offset a multiple of 256 bytes.
 *
 * @throws {RangeError} If a whole array, or 64 rows' window, exceeds the adapter's
 *   binding limit.
 */
export function recordRows(cmds: GpuCommands, k: RowKernel, n: number): void {
  if (n === 0) return;
  const limit = gpu().maxBinding;
  const arrays = [...k.inputs, ...k.outputs];
  const unit = Math.max(WORKGROUP, gpu().offsetAlignment / 4);
  const per = Math.max(1, ...arrays.map((a) => a.perRow ?? 0));
  const window = windowOverride ?? Math.floor(limit / 4);
  // Without windowed arrays, one dispatch: the body may index whole arrays by `t`.
  const windowed = arrays.some((a) => a.perRow !== undefined);
  const block = !windowed || n * per <= window ? n : Math.floor(window / per / unit) * unit;
  const tooBig = (what: string, bytes: number): RangeError =>
    new RangeError(
      `Cannot run ${k.label} on webgpu as ${what} needs ${bytes} bytes in one binding and this adapter allows ${limit}`,
    );
  if (block === 0) throw tooBig(`one row of ${per} elements`, per * unit * 4);
  for (const a of arrays) {
    if (a.perRow === undefined && a.storage.bytes > limit) throw tooBig(a.name, a.storage.bytes);
  }
  const kinds: ["u" | "i" | "f", number][] = k.params.map((
    [, type, value],
  ) => [type === "u32" ? "u" : type === "i32" ? "i" : "f", value]);
  const shader = shaderOf(k);
  for (let start = 0; start < n; start += block) {
    const count = Math.min(block, n - start);
    const bindings = arrays.map((a) =>
      a.perRow === undefined
        ? { buffer: a.storage.buffer, offset: 0, size: Math.max(a.storage.bytes, 4) }
        : {
          buffer: a.storage.buffer,
          offset: start * a.perRow * 4,
          size: Math.max(count * a.perRow, 1) * 4,
        }
    );
    cmds.dispatch(
      shader,
      bindings,
      packParams([["u", count], ...kinds]),
      count,
    );
  }
}

/**
 * The output of per-row losses `rows` (`n` of them): the rows themselves for `"none"`, else
 * their tree sum (divided by `n` for `"mean"`: nan when `n` is 0, as PyTorch; a sum of none
 * is 0).
 */
export function reduceRows(
  cmds: GpuCommands,
  rows: GpuStorage,
  n: number,
  reduction: Reduction,
): GpuStorage {
  if (reduction === "none") return rows;
  return recordSumOf(cmds, rows, n, reduction === "mean" ? n : null);
}
