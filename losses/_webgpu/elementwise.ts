/**
 * The WebGPU twin of the elementwise engine (`losses/_elementwise.ts`): the same call, with
 * each loss's formula given as WGSL snippets. Forward with `"mean"`/`"sum"` folds the formula
 * into the first pass of the tree sum, so a reduced loss is one submit that never writes its
 * per-element values; `"none"` is one map. Backward is one map that writes every wanted
 * operand's gradient, plus a sum over broadcast dimensions for an operand that was broadcast.
 *
 * @module
 */

import { record } from "../_autograd.ts";
import { checkSameDevice } from "../_checks.ts";
import { gpuStorage, shapeNumel, Tensor } from "../tensor.ts";
import { allocGpu, type GpuStorage } from "./buffers.ts";
import { type MapInput, recordExpand, recordMap, recordSum, recordSumTo } from "./kernels.ts";
import { GpuCommands } from "./pipelines.ts";

/** A loss's formula in WGSL, for {@linkcode runElementwiseGpu}. */
export interface ElementwiseWgsl {
  /** The operands' names in the snippets, in operand order (`["x", "y"]`). */
  readonly vars: readonly string[];
  /** Uniform f32 parameters, read as `params.<name>` (never pasted into the source). */
  readonly params?: Readonly<Record<string, number>>;
  /** WGSL helper functions the snippets call. */
  readonly functions?: string;
  /** The body of `fn loss(<vars>: f32) -> f32`. */
  readonly forward: string;
  /**
   * By operand index: the body of `fn grad_<k>(<vars>: f32, g: f32) -> f32`, the gradient of
   * operand `k` at one element, where `g` is gradOutput's element (already over the divisor).
   * `null` for operands that take no gradient.
   */
  readonly backward: readonly (string | null)[];
}

/** What the engine needs of one elementwise call (a subset of the CPU spec). */
export interface ElementwiseGpuCall {
  readonly fn: string;
  readonly gradFn: string;
  readonly shape: readonly number[];
  readonly reduction: "none" | "mean" | "sum";
  readonly divisor?: number;
  readonly operands: readonly Tensor[];
  readonly layouts?: readonly (readonly number[] | undefined)[];
  readonly differentiable: readonly number[];
}

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function signature(vars: readonly string[], extra = ""): string {
  return vars.map((v) => `${v}: f32`).join(", ") + extra;
}

/** Runs one elementwise loss on WebGPU; see the module doc. */
export function runElementwiseGpu(call: ElementwiseGpuCall, wgsl: ElementwiseWgsl): Tensor {
  const { shape, reduction, operands } = call;
  checkSameDevice(call.fn, Object.fromEntries(operands.map((t, k) => [wgsl.vars[k], t])));
  const n = shapeNumel(shape);
  const layout = (k: number): readonly number[] => call.layouts?.[k] ?? operands[k].shape;
  const cmds = new GpuCommands(`${call.fn} forward`);
  const full: GpuStorage[] = operands.map((t, k) =>
    sameDims(layout(k), shape)
      ? gpuStorage(t)
      : recordExpand(cmds, gpuStorage(t), layout(k), shape, n)
  );
  const inputs: MapInput[] = full.map((storage, k) => ({ name: wgsl.vars[k], storage }));
  const functions = `${wgsl.functions ?? ""}
fn loss(${signature(wgsl.vars)}) -> f32 {
${wgsl.forward}
}`;
  const args = wgsl.vars.join(", ");
  let out: GpuStorage;
  let outShape: readonly number[];
  if (reduction === "none") {
    [out] = recordMap(cmds, {
      label: `${call.fn} forward`,
      inputs,
      outputs: ["out"],
      params: wgsl.params,
      functions,
      body: `  out[i] = loss(${args});`,
    }, n);
    outShape = shape;
  } else {
    out = allocGpu(1);
    const divisor = reduction === "mean" ? n : (call.divisor ?? 1) !== 1 ? call.divisor ?? 1 : null;
    recordSum(
      cmds,
      {
        label: `${call.fn} forward, summed`,
        inputs,
        params: wgsl.params,
        functions,
        value: `  return loss(${args});`,
      },
      n,
      out,
      divisor,
    );
    outShape = [];
  }
  cmds.submit();
  const node = record(call.gradFn, call.differentiable.map((k) => operands[k]), (gradOutput) => {
    const wanted = call.differentiable.filter((k) => operands[k].requiresGrad);
    const back = new GpuCommands(`${call.fn} backward`);
    const grads = wanted.map((k) => {
      const body = wgsl.backward[k];
      if (body === null || body === undefined) {
        throw new Error(`${call.fn} has no WebGPU gradient for operand ${wgsl.vars[k]}`);
      }
      return `fn grad_${k}(${signature(wgsl.vars, ", g: f32")}) -> f32 {\n${body}\n}`;
    });
    const scale = reduction === "none" ? 1 : call.divisor ?? 1;
    const outs = recordMap(back, {
      label: `${call.fn} backward`,
      inputs: [...inputs, {
        name: "go",
        storage: gpuStorage(gradOutput),
        scalar: reduction !== "none",
      }],
      outputs: wanted.map((k) => `grad_out_${k}`),
      params: { ...wgsl.params, grad_divisor: scale },
      functions: `${wgsl.functions ?? ""}\n${grads.join("\n")}`,
      body: [
        "  let g = go / params.grad_divisor;",
        ...wanted.map((k) => `  grad_out_${k}[i] = grad_${k}(${args}, g);`),
      ].join("\n"),
    }, n);
    const result = wanted.map((k, j) =>
      sameDims(layout(k), shape) ? outs[j] : recordSumTo(back, outs[j], shape, layout(k))
    );
    back.submit();
    return call.differentiable.map((k) => {
      const j = wanted.indexOf(k);
      return j < 0 ? null : new Tensor(result[j], operands[k].shape, operands[k].dtype);
    });
  });
  return new Tensor(out, outShape, operands[0].dtype, node);
}
