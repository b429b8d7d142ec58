/**
 * The generic kernels every op builds on: elementwise maps over windows of any length, the
 * deterministic tree sum, broadcasting (expand) and its adjoint (sum to a shape), fill and add.
 * Shaders are generated from WGSL snippets the ops give; numbers travel in uniforms.
 *
 * @module
 */

import { allocGpu, type GpuStorage } from "./buffers.ts";
import { gpu } from "./device.ts";
import {
  type Binding,
  GpuCommands,
  packParams,
  PRELUDE,
  type Shader,
  WORKGROUP,
} from "./pipelines.ts";

/** Elements one binding window holds: a power of two within the binding limit. */
export function windowElements(): number {
  const limit = Math.floor(gpu().maxBinding / 4);
  return 2 ** Math.min(28, Math.floor(Math.log2(limit)));
}

/** A window of `count` 4-byte elements starting at element `start` of `buffer`. */
function window(buffer: GPUBuffer, start: number, count: number): Binding {
  return { buffer, offset: start * 4, size: Math.max(count, 1) * 4 };
}

/** One array a map kernel reads: `n` elements, or one element read at index 0 by all. */
export interface MapInput {
  readonly name: string;
  readonly storage: GpuStorage;
  /** One element, broadcast to every index (a gradOutput of a reduced loss, a scalar). */
  readonly scalar?: boolean;
}

/** A WGSL statement list run for each index `i`, reading `<name>` values, writing outputs. */
export interface MapSpec {
  /** Names the kernel in errors. */
  readonly label: string;
  /** The arrays read; in the body each is a `let <name>: f32` holding element `i`. */
  readonly inputs: readonly MapInput[];
  /** Output array names; the body assigns `<name>[i]`. Each gets `n` elements. */
  readonly outputs: readonly string[];
  /** Uniform f32 parameters, read in the body as `params.<name>`. */
  readonly params?: Readonly<Record<string, number>>;
  /** WGSL helper functions placed before `main`. */
  readonly functions?: string;
  /** WGSL statements for element `i`. */
  readonly body: string;
  /** How to read an input element: `"f32"` (default) or `"i32"` arrays (as an `i32` let). */
  readonly types?: Readonly<Record<string, "f32" | "i32" | "u32">>;
}

function paramsStruct(extra: readonly string[], head: string): string {
  return `struct Params { ${head}${extra.map((p) => ` ${p}: f32,`).join("")} }`;
}

function mapShader(spec: MapSpec): Shader {
  const names = Object.keys(spec.params ?? {});
  const type = (n: string): string => spec.types?.[n] ?? "f32";
  const decls = [
    ...spec.inputs.map((inp, k) =>
      `@group(0) @binding(${k}) var<storage, read> ${inp.name}_buf: array<${type(inp.name)}>;`
    ),
    ...spec.outputs.map((o, k) =>
      `@group(0) @binding(${spec.inputs.length + k}) var<storage, read_write> ${o}: array<f32>;`
    ),
  ];
  const loads = spec.inputs.map((inp) =>
    `  let ${inp.name} = ${inp.name}_buf[${inp.scalar === true ? "0u" : "i"}];`
  );
  const code = `${PRELUDE}
${paramsStruct(names, "n: u32,")}
${decls.join("\n")}
@group(1) @binding(0) var<uniform> params: Params;
${spec.functions ?? ""}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * ${WORKGROUP}u;
  if (i >= params.n) { return; }
${loads.join("\n")}
${spec.body}
}
`;
  return {
    label: spec.label,
    code,
    inputs: spec.inputs.length,
    outputs: spec.outputs.length,
    uniform: true,
  };
}

function paramValues(spec: { params?: Readonly<Record<string, number>> }): ["f", number][] {
  return Object.values(spec.params ?? {}).map((v) => ["f", v]);
}

/**
 * Records a map over `n` elements, window by window, into `outputs` (one storage of `n`
 * elements each, made here when not given). Returns the outputs.
 */
export function recordMap(
  cmds: GpuCommands,
  spec: MapSpec,
  n: number,
  outputs?: readonly GpuStorage[],
): GpuStorage[] {
  const outs = outputs ? [...outputs] : spec.outputs.map(() => allocGpu(n));
  const shader = mapShader(spec);
  const w = windowElements();
  for (let start = 0; start < n; start += w) {
    const count = Math.min(w, n - start);
    const bindings = [
      ...spec.inputs.map((inp) =>
        inp.scalar === true ? inp.storage.buffer : window(inp.storage.buffer, start, count)
      ),
      ...outs.map((o) => window(o.buffer, start, count)),
    ];
    cmds.dispatch(
      shader,
      bindings,
      packParams([["u", count], ...paramValues(spec)]),
      Math.ceil(count / WORKGROUP),
    );
  }
  return outs;
}

/** Runs {@linkcode recordMap} as one op of its own (one submit). */
export function runMap(what: string, spec: MapSpec, n: number): GpuStorage[] {
  const cmds = new GpuCommands(what);
  const outs = recordMap(cmds, spec, n);
  cmds.submit();
  return outs;
}

/** Elements one workgroup of the tree sum folds: 64 invocations × 4 elements. */
export const SUM_GROUP = 256;

/**
 * A tree-sum first pass whose element `i` is `value(i)`: each workgroup folds 256 consecutive
 * elements ((a + b) + (c + d) per invocation, then a tree over the 64 invocations) into one
 * partial. The order depends only on `n`, so the same input gives the same bits every run.
 */
function sumShader(
  label: string,
  spec: Omit<MapSpec, "label" | "outputs" | "body"> & {
    value: string;
  },
): Shader {
  const names = Object.keys(spec.params ?? {});
  const type = (n: string): string => spec.types?.[n] ?? "f32";
  const decls = spec.inputs.map((inp, k) =>
    `@group(0) @binding(${k}) var<storage, read> ${inp.name}_buf: array<${type(inp.name)}>;`
  );
  const loads = spec.inputs.map((inp) =>
    `  let ${inp.name} = ${inp.name}_buf[${inp.scalar === true ? "0u" : "i"}];`
  );
  const code = `${PRELUDE}
${paramsStruct(names, "n: u32, groups: u32, finish: u32, divisor: f32,")}
${decls.join("\n")}
@group(0) @binding(${spec.inputs.length}) var<storage, read_write> partial: array<f32>;
@group(1) @binding(0) var<uniform> params: Params;
var<workgroup> part: array<f32, ${WORKGROUP}>;
${spec.functions ?? ""}
fn element(i: u32) -> f32 {
  if (i >= params.n) { return 0.0; }
${loads.join("\n")}
${spec.value}
}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) t: u32) {
  let g = group_index(wid, nwg);
  let base = g * ${SUM_GROUP}u + t * 4u;
  part[t] = (element(base) + element(base + 1u)) + (element(base + 2u) + element(base + 3u));
  workgroupBarrier();
  for (var s = ${WORKGROUP / 2}u; s > 0u; s = s >> 1u) {
    if (t < s) { part[t] = part[t] + part[t + s]; }
    workgroupBarrier();
  }
  if (t == 0u && g < params.groups) {
    var v = part[0];
    if (params.finish == 1u) { v = v / params.divisor; }
    if (params.finish == 2u) { v = nan_f32(); }
    partial[g] = v;
  }
}
`;
  return { label, code, inputs: spec.inputs.length, outputs: 1, uniform: true };
}

const PLAIN_SUM = sumShader("tree sum", {
  inputs: [{ name: "x", storage: null as unknown as GpuStorage }],
  value: "  return x;",
});

/** What to do with the total: keep it, divide it (a mean), or make it nan (a mean of nothing). */
type Finish = { divisor: number | null };

function finishCode(n: number, finish: Finish, last: boolean): [number, number] {
  if (!last || finish.divisor === null) return [0, 1];
  if (finish.divisor === 0 || (n === 0 && finish.divisor !== null)) return [2, 1];
  return [1, finish.divisor];
}

/**
 * Records the sum of `n` values into element 0 of `out` (divided by `divisor` when given: a
 * mean; nan when `divisor` is 0). `value` (WGSL, returning element `i` from the inputs) lets
 * a loss fold its per-element formula into the first pass, so that a reduced loss never
 * writes its `n` per-element values.
 */
export function recordSum(
  cmds: GpuCommands,
  first: Omit<MapSpec, "label" | "outputs" | "body"> & { value: string; label: string },
  n: number,
  out: GpuStorage,
  divisor: number | null,
): void {
  const finish = { divisor };
  const w = windowElements();
  let groups = Math.ceil(n / SUM_GROUP);
  const shader = sumShader(first.label, first);
  if (groups <= 1) {
    const [code, d] = finishCode(n, finish, true);
    cmds.dispatch(
      shader,
      [...first.inputs.map((inp) => inp.storage.buffer), out.buffer],
      packParams([["u", n], ["u", 1], ["u", code], ["f", d], ...paramValues(first)]),
      1,
    );
    return;
  }
  let partials = cmds.scratch(groups * 4);
  for (let start = 0; start < n; start += w) {
    const count = Math.min(w, n - start);
    const g = Math.ceil(count / SUM_GROUP);
    cmds.dispatch(
      shader,
      [
        ...first.inputs.map((inp) =>
          inp.scalar === true ? inp.storage.buffer : window(inp.storage.buffer, start, count)
        ),
        window(partials, start / SUM_GROUP, g),
      ],
      packParams([["u", count], ["u", g], ["u", 0], ["f", 1], ...paramValues(first)]),
      g,
    );
  }
  let m = groups;
  while (m > 1) {
    groups = Math.ceil(m / SUM_GROUP);
    const last = groups === 1;
    const target = last ? out.buffer : cmds.scratch(groups * 4);
    const [code, d] = finishCode(n, finish, last);
    cmds.dispatch(
      PLAIN_SUM,
      [partials, target],
      packParams([["u", m], ["u", groups], ["u", code], ["f", d]]),
      groups,
    );
    partials = target;
    m = groups;
  }
}

/** The sum of a storage's `n` elements as a new one-element storage (a mean with `divisor`). */
export function recordSumOf(
  cmds: GpuCommands,
  x: GpuStorage,
  n: number,
  divisor: number | null,
): GpuStorage {
  const out = allocGpu(1);
  recordSum(
    cmds,
    { label: "tree sum", inputs: [{ name: "x", storage: x }], value: "  return x;" },
    n,
    out,
    divisor,
  );
  return out;
}

/** Shape and strides of a broadcast as u32s for a kernel: `[ndim, out..., strides...]`. */
function broadcastMeta(from: readonly number[], to: readonly number[]): Uint32Array {
  const nd = to.length;
  const dims = new Uint32Array(1 + 2 * nd + 1);
  dims[0] = nd;
  const pad = nd - from.length;
  let stride = 1;
  for (let d = nd - 1; d >= 0; d--) {
    dims[1 + d] = to[d];
    const size = d >= pad ? from[d - pad] : 1;
    dims[1 + nd + d] = size === 1 ? 0 : stride;
    stride *= size;
  }
  return dims;
}

const EXPAND: Shader = {
  label: "expand",
  inputs: 2,
  outputs: 1,
  uniform: true,
  code: `${PRELUDE}
struct Params { n: u32 }
@group(0) @binding(0) var<storage, read> x: array<u32>;
@group(0) @binding(1) var<storage, read> dims: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;
@group(1) @binding(0) var<uniform> params: Params;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * ${WORKGROUP}u;
  if (i >= params.n) { return; }
  let nd = dims[0];
  var rest = i;
  var src = 0u;
  for (var d = i32(nd) - 1; d >= 0; d--) {
    let size = dims[1u + u32(d)];
    src += (rest % size) * dims[1u + nd + u32(d)];
    rest = rest / size;
  }
  out[i] = x[src];
}
`,
};

/** Uploads small u32 data into a scratch buffer of `cmds`. */
export function scratchU32(cmds: GpuCommands, data: Uint32Array | Int32Array): GPUBuffer {
  const buffer = cmds.scratch(data.byteLength);
  gpu().device.queue.writeBuffer(buffer, 0, data as unknown as BufferSource);
  return buffer;
}

/** Records `x` (4-byte elements of shape `from`) broadcast to `to`, as a new storage. */
export function recordExpand(
  cmds: GpuCommands,
  x: GpuStorage,
  from: readonly number[],
  to: readonly number[],
  n: number,
): GpuStorage {
  const out = allocGpu(n);
  if (n === 0) return out;
  checkWindow(n, "expand");
  const meta = scratchU32(cmds, broadcastMeta(from, to));
  cmds.dispatch(
    EXPAND,
    [x.buffer, meta, out.buffer],
    packParams([["u", n]]),
    Math.ceil(n / WORKGROUP),
  );
  return out;
}

function checkWindow(n: number, what: string): void {
  if (n > windowElements()) {
    throw new RangeError(
      `Cannot ${what} on webgpu as broadcasting ${n} elements needs a binding larger than this adapter allows (${windowElements()} elements): give the operands one shape`,
    );
  }
}

/**
 * WGSL `full_index(j, r)` of the sum-over-dimensions shaders: the index in the full shape of
 * the `r`-th element summed into output `j`. It reads a storage array `dims`: [nd, full
 * shape..., 1 where the output keeps the dimension else 0 ...].
 */
export const FULL_INDEX_WGSL = `
fn full_index(j: u32, r: u32) -> u32 {
  let nd = dims[0];
  var jr = j;
  var rr = r;
  var full = 0u;
  var stride = 1u;
  for (var d = i32(nd) - 1; d >= 0; d--) {
    let size = dims[1u + u32(d)];
    var k = 0u;
    if (dims[1u + nd + u32(d)] == 1u) { k = jr % size; jr = jr / size; }
    else { k = rr % size; rr = rr / size; }
    full += k * stride;
    stride *= size;
  }
  return full;
}`;

const SUM_TO: Shader = {
  label: "sum to shape",
  inputs: 2,
  outputs: 1,
  uniform: true,
  code: `${PRELUDE}
struct Params { n: u32, reduced: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dims: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(1) @binding(0) var<uniform> params: Params;
${FULL_INDEX_WGSL}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let j = gid.x + gid.y * nwg.x * ${WORKGROUP}u;
  if (j >= params.n) { return; }
  var acc = 0.0;
  for (var r = 0u; r < params.reduced; r++) { acc += x[full_index(j, r)]; }
  out[j] = acc;
}
`,
};

/** Records the sum of `full` (shape `from`) over the broadcast dimensions down to `to`. */
export function recordSumTo(
  cmds: GpuCommands,
  full: GpuStorage,
  from: readonly number[],
  to: readonly number[],
): GpuStorage {
  let n = 1;
  for (const d of to) n *= d;
  const out = allocGpu(n);
  const nd = from.length;
  const pad = nd - to.length;
  const dims = new Uint32Array(1 + 2 * nd);
  dims[0] = nd;
  let reduced = 1;
  let total = 1;
  for (let d = 0; d < nd; d++) {
    const size = d >= pad ? to[d - pad] : 1;
    dims[1 + d] = from[d];
    dims[1 + nd + d] = size === from[d] ? 1 : 0;
    if (size !== from[d]) reduced *= from[d];
    total *= from[d];
  }
  if (n === 0) return out;
  checkWindow(total, "sum a gradient to its operand's shape");
  const metaBuffer = scratchU32(cmds, dims);
  cmds.dispatch(
    SUM_TO,
    [full.buffer, metaBuffer, out.buffer],
    packParams([["u", n], ["u", reduced]]),
    Math.ceil(n / WORKGROUP),
  );
  return out;
}

/** A new storage of `n` copies of `value` (written by the queue; no kernel). */
export function filledGpu(n: number, value: number): GpuStorage {
  const out = allocGpu(n);
  if (n > 0) {
    const chunk = Math.min(n, 1 << 22);
    const data = new Float32Array(chunk).fill(value);
    for (let i = 0; i < n; i += chunk) {
      gpu().device.queue.writeBuffer(out.buffer, i * 4, data, 0, Math.min(chunk, n - i));
    }
  }
  return out;
}

/** `a + b` elementwise, as a new storage (gradient accumulation). */
export function addGpu(a: GpuStorage, b: GpuStorage, n: number): GpuStorage {
  return runMap("add gradients", {
    label: "add",
    inputs: [{ name: "a", storage: a }, { name: "b", storage: b }],
    outputs: ["out"],
    body: "  out[i] = a + b;",
  }, n)[0];
}
