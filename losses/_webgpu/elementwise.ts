/**
 * The WebGPU twin of the elementwise engine (`losses/_engines/elementwise.ts`): the same call, with
 * each loss's formula given as WGSL snippets. Forward with `"mean"`/`"sum"` folds the formula
 * into the first pass of the tree sum, so a reduced loss is one submit that never writes its
 * per-element values; `"none"` is one map. Backward is one map that writes every wanted
 * operand's gradient, plus a sum over broadcast dimensions for an operand that was broadcast
 * (and, for a {@linkcode SummedGrad}, a map that finishes the sums at the operand's own
 * elements). int64 labels are read as the i32 they are on the GPU and converted in place.
 *
 * @module
 */

import { record } from "../_core/autograd.ts";
import { checkSameDevice } from "../_core/checks.ts";
import { gpuStorage, shapeNumel, Tensor } from "../_core/tensor.ts";
import { allocGpu, type GpuStorage } from "../_core/webgpu/buffers.ts";
import {
  type MapInput,
  recordExpand,
  recordMap,
  recordSum,
  recordSumTo,
} from "../_core/webgpu/kernels.ts";
import { GpuCommands } from "../_core/webgpu/pipelines.ts";

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
   * operand `k` at one element, where `g` is gradOutput's element (already over the divisor),
   * then summed over the broadcast to the operand's shape; or a {@linkcode SummedGrad} for a
   * gradient PyTorch finishes at the operand's own shape. `null` for operands that take no
   * gradient.
   */
  readonly backward: readonly (string | SummedGrad | null)[];
}

/**
 * A gradient that PyTorch computes as sums over the broadcast, finished at the operand's own
 * elements: a term that reads one operand only (`exp(x)`, `log(var)`, `xlogy(y, y)`) lives at
 * that operand's shape, so its gradient is summed first and its derivative multiplies the sum
 * (a sum over no elements times an infinite derivative is nan there, as in PyTorch).
 */
export interface SummedGrad {
  /**
   * Bodies of `fn(<vars>: f32, g: f32) -> f32` at each broadcast element; term `j` is summed
   * to the operand's shape and reaches {@linkcode SummedGrad.finish} as `s<j>`.
   */
  readonly terms: readonly string[];
  /** The body of `fn(s0: f32, ..., <var>: f32) -> f32` at each of the operand's elements. */
  readonly finish: string;
}

/**
 * Whether `labels` can go to {@linkcode runElementwiseGpu} as they are: int64 labels on
 * webgpu for a float32 input, which the kernels read as i32 and convert in place (no
 * conversion pass of their own, so the loss stays one submit).
 */
export function gpuIntLabels(labels: Tensor, like: Tensor): boolean {
  return labels.device === "webgpu" && labels.dtype === "int64" && like.dtype === "float32";
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
  const helpers = wgsl.functions ?? "";
  const functions = `${helpers}
fn loss(${signature(wgsl.vars)}) -> f32 {
${wgsl.forward}
}`;
  // int64 labels live on the GPU as i32: the kernels read them so and convert each element.
  const types = Object.fromEntries(
    operands.flatMap((t, k) => t.dtype === "int64" ? [[wgsl.vars[k], "i32" as const]] : []),
  );
  const args = wgsl.vars.map((v, k) => operands[k].dtype === "int64" ? `f32(${v})` : v)
    .join(", ");
  let out: GpuStorage;
  let outShape: readonly number[];
  if (reduction === "none") {
    [out] = recordMap(cmds, {
      label: `${call.fn} forward`,
      inputs,
      types,
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
        types,
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
    const gradArgs = `${args}, g`;
    const gradFunctions: string[] = [];
    const outputs: string[] = [];
    const body = ["  let g = go / params.grad_divisor;"];
    // Per wanted operand: how its map outputs become its gradient.
    const finishes: ((outs: GpuStorage[]) => GpuStorage)[] = [];
    for (const k of wanted) {
      const grad = wgsl.backward[k];
      if (grad === null || grad === undefined) {
        throw new Error(`${call.fn} has no WebGPU gradient for operand ${wgsl.vars[k]}`);
      }
      const own = layout(k);
      const broadcast = !sameDims(own, shape);
      if (typeof grad === "string") {
        gradFunctions.push(
          `fn grad_${k}(${signature(wgsl.vars, ", g: f32")}) -> f32 {\n${grad}\n}`,
        );
        const at = outputs.push(`grad_out_${k}`) - 1;
        body.push(`  grad_out_${k}[i] = grad_${k}(${gradArgs});`);
        finishes.push((outs) => broadcast ? recordSumTo(back, outs[at], shape, own) : outs[at]);
        continue;
      }
      const sums = grad.terms.map((_, j) => `s${j}`);
      const v = wgsl.vars[k];
      gradFunctions.push(
        ...grad.terms.map((term, j) =>
          `fn term_${k}_${j}(${signature(wgsl.vars, ", g: f32")}) -> f32 {\n${term}\n}`
        ),
        `fn finish_${k}(${signature([...sums, v])}) -> f32 {\n${grad.finish}\n}`,
      );
      const terms = grad.terms.map((_, j) => `term_${k}_${j}(${gradArgs})`);
      if (!broadcast) {
        // Nothing to sum: the terms finish in place.
        const at = outputs.push(`grad_out_${k}`) - 1;
        body.push(`  grad_out_${k}[i] = finish_${k}(${terms.join(", ")}, ${v});`);
        finishes.push((outs) => outs[at]);
        continue;
      }
      const first = outputs.length;
      grad.terms.forEach((_, j) => {
        outputs.push(`grad_out_${k}_${j}`);
        body.push(`  grad_out_${k}_${j}[i] = ${terms[j]};`);
      });
      finishes.push((outs) => {
        const summed = grad.terms.map((_, j) => recordSumTo(back, outs[first + j], shape, own));
        const [result] = recordMap(back, {
          label: `${call.fn} backward, ${v} finished`,
          inputs: [
            ...summed.map((storage, j) => ({ name: sums[j], storage })),
            { name: v, storage: gpuStorage(operands[k]) },
          ],
          outputs: ["out"],
          params: wgsl.params,
          functions: `${helpers}\n${gradFunctions.join("\n")}`,
          body: `  out[i] = finish_${k}(${[...sums, v].join(", ")});`,
        }, shapeNumel(own));
        return result;
      });
    }
    const scale = reduction === "none" ? 1 : call.divisor ?? 1;
    const outs = recordMap(back, {
      label: `${call.fn} backward`,
      inputs: [...inputs, {
        name: "go",
        storage: gpuStorage(gradOutput),
        scalar: reduction !== "none",
      }],
      types,
      outputs,
      params: { ...wgsl.params, grad_divisor: scale },
      functions: `${helpers}\n${gradFunctions.join("\n")}`,
      body: body.join("\n"),
    }, n);
    const result = finishes.map((finish) => finish(outs));
    back.submit();
    return call.differentiable.map((k) => {
      const j = wanted.indexOf(k);
      return j < 0 ? null : new Tensor(result[j], operands[k].shape, operands[k].dtype);
    });
  }, { holds: operands });
  return new Tensor(out, outShape, operands[0].dtype, node);
}
