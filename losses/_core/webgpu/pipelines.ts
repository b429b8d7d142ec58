/**
 * Compute pipelines and command recording: one pipeline per shader source (cached), explicit
 * bind group layouts (inputs read-only storage, then outputs, in group 0; parameters in one
 * uniform buffer in group 1), and {@linkcode GpuCommands}, which records an op's dispatches
 * into one command encoder and submits them once.
 *
 * @module
 */

import { acquireStorage, releaseStorage, releaseUniform, uniform } from "./buffers.ts";
import { gpu, withErrorScope } from "./device.ts";
import { WGSL_MATH } from "./math.ts";

/** Invocations per workgroup in every kernel (64 compiles fastest on the software adapter). */
export const WORKGROUP = 64;
/** The largest workgroup count along one dispatch dimension (WebGPU's default limit). */
const MAX_GROUPS = 65535;

/** A compute shader and its bindings. */
export interface Shader {
  /** Names the shader in errors, e.g. `"mseLoss forward"`. */
  readonly label: string;
  /** WGSL source with an entry point `main`. */
  readonly code: string;
  /** Read-only storage bindings 0..inputs-1 of group 0. */
  readonly inputs: number;
  /** Read-write storage bindings after the inputs. */
  readonly outputs: number;
  /** Whether group 1 binding 0 is a uniform buffer of parameters. */
  readonly uniform: boolean;
}

/**
 * WGSL helpers every shader may use: nan and infinity tested by their bits (WGSL compilers may
 * assume floats are finite) and made from a variable's bits at run time (a constant expression
 * that is nan or infinite is a shader-creation error in WGSL, which Chrome's compiler enforces),
 * a linear workgroup index for 2-D dispatches, and exp, log and log1p accurate to an ulp or so
 * (losses/_core/webgpu/math.ts).
 */
export const PRELUDE = /* wgsl */ `
fn is_nan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn is_inf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
fn is_finite(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) < 0x7f800000u; }
fn nan_f32() -> f32 { var bits = 0x7fc00000u; return bitcast<f32>(bits); }
fn inf_f32() -> f32 { var bits = 0x7f800000u; return bitcast<f32>(bits); }
fn group_index(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + wid.y * nwg.x; }
${WGSL_MATH}`;

interface CachedPipeline {
  pipeline: GPUComputePipeline;
  storageLayout: GPUBindGroupLayout;
  uniformLayout: GPUBindGroupLayout | null;
}

const cache = new Map<string, CachedPipeline>();

function pipelineFor(shader: Shader): CachedPipeline {
  const hit = cache.get(shader.code);
  if (hit !== undefined) return hit;
  const { device } = gpu();
  const entries: GPUBindGroupLayoutEntry[] = [];
  for (let i = 0; i < shader.inputs + shader.outputs; i++) {
    entries.push({
      binding: i,
      visibility: GPUShaderStage_COMPUTE,
      buffer: { type: i < shader.inputs ? "read-only-storage" : "storage" },
    });
  }
  const storageLayout = device.createBindGroupLayout({ label: shader.label, entries });
  const uniformLayout = shader.uniform
    ? device.createBindGroupLayout({
      label: `${shader.label} parameters`,
      entries: [{ binding: 0, visibility: GPUShaderStage_COMPUTE, buffer: { type: "uniform" } }],
    })
    : null;
  const module = device.createShaderModule({ label: shader.label, code: shader.code });
  // A shader the compiler rejects leaves the cache as soon as the compiler says so: the next
  // call compiles it again, and its error scope reports the compiler's own message (a cached
  // pipeline would only be reported as invalid "due to a previous error"). Asked before the
  // pipeline is made, the answer arrives before the error scopes of this call are settled.
  let failed = false;
  if (typeof module.getCompilationInfo === "function") {
    module.getCompilationInfo().then((info) => {
      if (info.messages.some((m) => m.type === "error")) failed = true;
    }, () => {
      failed = true;
    }).finally(() => {
      if (failed && cache.get(shader.code) === made) cache.delete(shader.code);
    });
  }
  const pipeline = device.createComputePipeline({
    label: shader.label,
    layout: device.createPipelineLayout({
      bindGroupLayouts: uniformLayout === null ? [storageLayout] : [storageLayout, uniformLayout],
    }),
    compute: { module, entryPoint: "main" },
  });
  const made = { pipeline, storageLayout, uniformLayout };
  if (!failed) cache.set(shader.code, made);
  return made;
}

/** GPUShaderStage.COMPUTE, written out so that importing this module needs no WebGPU. */
const GPUShaderStage_COMPUTE = 0x4;

/** A buffer binding: the whole buffer, or a window of it. */
export type Binding = GPUBuffer | { buffer: GPUBuffer; offset: number; size: number };

/** Splits a workgroup count into a 2-D grid within the per-dimension limit. */
export function grid(groups: number): [number, number] {
  if (groups <= MAX_GROUPS) return [Math.max(groups, 1), 1];
  return [MAX_GROUPS, Math.ceil(groups / MAX_GROUPS)];
}

/**
 * The dispatches of one op, recorded into one encoder and submitted once by
 * {@linkcode GpuCommands.submit}. Scratch buffers taken with {@linkcode GpuCommands.scratch}
 * go back to the pool after the submit.
 */
export class GpuCommands {
  readonly #what: string;
  readonly #encoder: GPUCommandEncoder;
  readonly #uniforms: GPUBuffer[] = [];
  readonly #scratch: GPUBuffer[] = [];
  #submitted = false;

  /**
   * Starts recording.
   *
   * @param what The op, for error messages.
   */
  constructor(what: string) {
    this.#what = what;
    this.#encoder = gpu().device.createCommandEncoder({ label: what });
  }

  /**
   * Records one dispatch of `shader` over `groups` workgroups (split into a 2-D grid when
   * large; shaders index with `group_index`).
   */
  dispatch(
    shader: Shader,
    bindings: readonly Binding[],
    params: ArrayBuffer | null,
    groups: number,
  ): void {
    withErrorScope(`${this.#what} (shader "${shader.label}")`, () => {
      const { device } = gpu();
      const cached = pipelineFor(shader);
      const pass = this.#encoder.beginComputePass({ label: shader.label });
      pass.setPipeline(cached.pipeline);
      pass.setBindGroup(
        0,
        device.createBindGroup({
          layout: cached.storageLayout,
          entries: bindings.map((b, i) => ({
            binding: i,
            resource: "offset" in b ? b : { buffer: b },
          })),
        }),
      );
      if (cached.uniformLayout !== null) {
        if (params === null) throw new Error(`${shader.label} needs parameters`);
        const buffer = uniform(params);
        this.#uniforms.push(buffer);
        pass.setBindGroup(
          1,
          device.createBindGroup({
            layout: cached.uniformLayout,
            entries: [{ binding: 0, resource: { buffer } }],
          }),
        );
      }
      const [x, y] = grid(groups);
      pass.dispatchWorkgroups(x, y);
      pass.end();
    });
  }

  /** A scratch storage buffer that lives until this op is submitted. */
  scratch(bytes: number): GPUBuffer {
    const buffer = acquireStorage(bytes);
    this.#scratch.push(buffer);
    return buffer;
  }

  /** Records a buffer copy. */
  copy(from: GPUBuffer, fromOffset: number, to: GPUBuffer, toOffset: number, bytes: number): void {
    if (bytes > 0) this.#encoder.copyBufferToBuffer(from, fromOffset, to, toOffset, bytes);
  }

  /** Submits everything recorded and returns the scratch and uniform buffers to the pools. */
  submit(): void {
    if (this.#submitted) throw new Error(`${this.#what} was already submitted`);
    this.#submitted = true;
    withErrorScope(this.#what, () => gpu().device.queue.submit([this.#encoder.finish()]));
    for (const b of this.#uniforms) releaseUniform(b);
    for (const b of this.#scratch) releaseStorage(b);
  }
}

/** Packs parameters for a uniform buffer: each entry a u32 (`"u"`), i32 (`"i"`) or f32 (`"f"`). */
export function packParams(values: readonly (readonly ["u" | "i" | "f", number])[]): ArrayBuffer {
  const buffer = new ArrayBuffer(Math.max(16, Math.ceil(values.length / 4) * 16));
  const view = new DataView(buffer);
  values.forEach(([kind, value], i) => {
    if (kind === "f") view.setFloat32(i * 4, value, true);
    else if (kind === "i") view.setInt32(i * 4, value, true);
    else view.setUint32(i * 4, value, true);
  });
  return buffer;
}
