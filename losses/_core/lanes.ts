/**
 * How the row and class ops see a tensor: `outer × size × inner` lanes around one dimension
 * (softmax, log-softmax), and the class losses' layout (input (C), (N, C) or (N, C, d1, ..., dk)
 * with the class along dimension 1, 0 when unbatched). Shared by the CPU engines and their
 * WebGPU twins.
 *
 * @module
 */

import { fail } from "./checks.ts";
import { formatShape } from "./storage.ts";

/** A tensor's layout around one dimension. */
export interface Lanes {
  /** Product of the dimensions before `dim`. */
  outer: number;
  /** The size of `dim`. */
  size: number;
  /** Product of the dimensions after `dim`. */
  inner: number;
}

/** The `outer × size × inner` view of `shape` around `dim` (a 0-d shape is one lane of 1). */
export function lanesOf(shape: readonly number[], dim: number): Lanes {
  let outer = 1;
  let inner = 1;
  for (let k = 0; k < dim; k++) outer *= shape[k];
  for (let k = dim + 1; k < shape.length; k++) inner *= shape[k];
  return { outer, size: shape.length === 0 ? 1 : shape[dim], inner };
}

/** A class loss's layout: `lanes.outer` = N, `lanes.size` = C, `lanes.inner` = d1·…·dk. */
export interface ClassLayout {
  /** The class dimension seen as lanes. */
  lanes: Lanes;
  /** 0 for unbatched (C) input, else 1. */
  classDim: number;
  /** The shape of a per-sample result (`reduction: "none"`): the target's shape. */
  sampleShape: readonly number[];
}

/** The class dimension and lanes of `input`, which must have at least one dimension. */
export function classLayoutOf(
  fn: string,
  input: { readonly shape: readonly number[] },
): ClassLayout {
  if (input.shape.length < 1) {
    fail(fn, `input must have 1 or more dimensions: input is ${formatShape(input.shape)}`);
  }
  const classDim = input.shape.length === 1 ? 0 : 1;
  const sampleShape = input.shape.filter((_d: number, k: number) => k !== classDim);
  return { lanes: lanesOf(input.shape, classDim), classDim, sampleShape };
}
