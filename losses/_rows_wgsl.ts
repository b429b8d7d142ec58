/**
 * Row kernels for the WebGPU twins of the losses that reduce over classes or features
 * (`multiMarginLoss`, `multilabelMarginLoss`, `multilabelSoftMarginLoss`,
 * `cosineEmbeddingLoss`): one invocation per row runs the CPU path's loop for that row in
 * the same order, so a row's result has the same steps every run; the batch reduction is
 * then the deterministic tree sum ({@linkcode recordSumOf}).
 *
 * @module
 */

import type { Reduction } from "./_reduction.ts";
import type { GpuStorage } from "./_webgpu/buffers.ts";
import { gpu } from "./_webgpu/device.ts";
import { recordSumOf } from "./_webgpu/kernels.ts";
import {
  type GpuCommands,
  packParams,
  PRELUDE,
  type Shader,
  WORKGROUP,
} from "./_webgpu/pipelines.ts";

/** One array a row kernel binds whole: read as `<name>[k]`. */
export interface RowArray {
  readonly name: string;
  /** A tensor's storage, or a scratch buffer and its bytes. */
  readonly storage: { readonly buffer: GPUBuffer; readonly bytes: number };
  /** Element type in WGSL (default `"f32"`; int64 tensors live as `i32`, bool as `u32`). */
  readonly type?: "f32" | "i32" | "u32";
}

/** A uniform field: name, WGSL type, value. */
export type RowParam = readonly [string, "u32" | "i32" | "f32", number];

/** A kernel that runs `body` once for each `t` in `[0, n)`. */
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
  /** WGSL statements for invocation `t` (a `u32`). */
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
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.x + gid.y * nwg.x * ${WORKGROUP}u;
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

/**
 * Records `k` over `n` invocations. Every array is bound whole, so each must fit one binding.
 *
 * @throws {RangeError} If an array is larger than the adapter's binding limit.
 */
export function recordRows(cmds: GpuCommands, k: RowKernel, n: number): void {
  if (n === 0) return;
  const limit = gpu().maxBinding;
  const bindings = [...k.inputs, ...k.outputs].map((a) => {
    if (a.storage.bytes > limit) {
      throw new RangeError(
        `Cannot run ${k.label} on webgpu as ${a.name} needs ${a.storage.bytes} bytes in one binding and this adapter allows ${limit}`,
      );
    }
    return { buffer: a.storage.buffer, offset: 0, size: Math.max(a.storage.bytes, 4) };
  });
  const kinds: ["u" | "i" | "f", number][] = k.params.map((
    [, type, value],
  ) => [type === "u32" ? "u" : type === "i32" ? "i" : "f", value]);
  cmds.dispatch(shaderOf(k), bindings, packParams([["u", n], ...kinds]), Math.ceil(n / WORKGROUP));
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
