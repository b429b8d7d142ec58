/**
 * The tape: each op that has an input with `requiresGrad` records a node; `backward()` walks
 * the nodes in reverse topological order, adds gradients into leaves (`+=`, as PyTorch) and
 * drops intermediate gradients once used.
 *
 * @module
 */

import { addGpu, filledGpu } from "./_webgpu/kernels.ts";
import { allocStorage, cpuStorage, gpuStorage, Tensor } from "./tensor.ts";

/** The operation that made a tensor, as PyTorch's `grad_fn`. */
export interface GradFn {
  /** PyTorch 1.13's name for the same node, e.g. `"MseLossBackward0"`. */
  readonly name: string;
}

/**
 * Computes the gradient of each input from the gradient of the output. Entries for inputs
 * that take no gradient are `null`.
 */
export type BackwardFn = (gradOutput: Tensor) => readonly (Tensor | null)[];

const NODES = new WeakSet<object>();

class Node implements GradFn {
  readonly name: string;
  readonly inputs: readonly Tensor[];
  #backward: BackwardFn | null;

  constructor(name: string, inputs: readonly Tensor[], backward: BackwardFn) {
    this.name = name;
    this.inputs = inputs;
    this.#backward = backward;
    NODES.add(this);
  }

  apply(gradOutput: Tensor): readonly (Tensor | null)[] {
    if (this.#backward === null) {
      throw new Error(
        `Cannot run backward through ${this.name} as its graph was freed by an earlier backward: pass { retainGraph: true } to the first call`,
      );
    }
    return this.#backward(gradOutput);
  }

  release(): void {
    this.#backward = null;
  }
}

/** Whether `value` is a node made by {@linkcode record}. */
export function isNode(value: unknown): value is GradFn {
  return typeof value === "object" && value !== null && NODES.has(value);
}

/** Whether any of the tensors takes part in autograd. */
export function anyRequiresGrad(tensors: readonly (Tensor | null | undefined)[]): boolean {
  return tensors.some((t) => t?.requiresGrad === true);
}

/**
 * Makes the node for an op's output when any input requires grad, else returns `null`.
 * `inputs` are the op's tensor arguments in the order `backward` returns their gradients.
 */
export function record(
  name: string,
  inputs: readonly Tensor[],
  backward: BackwardFn,
): GradFn | null {
  return anyRequiresGrad(inputs) ? new Node(name, inputs, backward) : null;
}

/** Runs `root.backward(gradOutput)`; see `Tensor.backward`. */
export function runBackward(root: Tensor, gradOutput: Tensor | undefined, retain: boolean): void {
  if (!root.requiresGrad) {
    throw new Error(
      "Cannot run backward as the tensor does not require grad and has no gradFn: create the leaves with { requiresGrad: true }",
    );
  }
  let seed: Tensor;
  if (gradOutput === undefined) {
    if (root.numel !== 1) {
      throw new TypeError(
        `Cannot run backward without gradOutput as it can be implied only for one-element outputs: output shape is [${
          root.shape.join(", ")
        }]`,
      );
    }
    seed = onesLike(root);
  } else {
    if (
      gradOutput.shape.length !== root.shape.length ||
      gradOutput.shape.some((d, i) => d !== root.shape[i])
    ) {
      throw new TypeError(
        `Cannot run backward as gradOutput must have the output's shape: gradOutput is [${
          gradOutput.shape.join(", ")
        }], output is [${root.shape.join(", ")}]`,
      );
    }
    if (gradOutput.device !== root.device) {
      throw new TypeError(
        `Cannot run backward as gradOutput must be on the output's device: gradOutput is on "${gradOutput.device}", output is on "${root.device}"`,
      );
    }
    if (gradOutput.dtype !== root.dtype) {
      throw new TypeError(
        `Cannot run backward as gradOutput must have the output's dtype: gradOutput is "${gradOutput.dtype}", output is "${root.dtype}"`,
      );
    }
    seed = gradOutput;
  }
  const rootNode = root.gradFn;
  if (rootNode === null) {
    accumulate(root, seed);
    return;
  }
  const order = topologicalOrder(rootNode as Node);
  const pending = new Map<Node, Tensor>([[rootNode as Node, seed]]);
  for (const node of order) {
    const g = pending.get(node);
    pending.delete(node);
    if (g === undefined) continue;
    const grads = node.apply(g);
    node.inputs.forEach((input, i) => {
      const gi = grads[i];
      if (gi === null || gi === undefined || !input.requiresGrad) return;
      const parent = input.gradFn as Node | null;
      if (parent === null) {
        accumulate(input, gi);
      } else {
        const prev = pending.get(parent);
        pending.set(parent, prev === undefined ? gi : addTensors(prev, gi));
      }
    });
  }
  if (!retain) { for (const node of order) node.release(); }
}

/** Nodes ordered so that each comes before every node it consumes the output of. */
function topologicalOrder(root: Node): Node[] {
  const post: Node[] = [];
  const seen = new Set<Node>();
  const stack: [Node, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [node, next] = top;
    if (next < node.inputs.length) {
      top[1]++;
      const parent = node.inputs[next].gradFn as Node | null;
      if (parent !== null && !seen.has(parent)) {
        seen.add(parent);
        stack.push([parent, 0]);
      }
    } else {
      stack.pop();
      post.push(node);
    }
  }
  return post.reverse();
}

function accumulate(leaf: Tensor, g: Tensor): void {
  leaf.grad = leaf.grad === null ? g : addTensors(leaf.grad, g);
}

function addTensors(a: Tensor, b: Tensor): Tensor {
  if (a.device === "webgpu") {
    return new Tensor(addGpu(gpuStorage(a), gpuStorage(b), a.numel), a.shape, a.dtype);
  }
  const x = cpuStorage(a) as Float32Array | Float64Array;
  const y = cpuStorage(b) as Float32Array | Float64Array;
  const out = allocStorage(a.dtype, a.numel) as Float32Array | Float64Array;
  for (let i = 0; i < out.length; i++) out[i] = x[i] + y[i];
  return new Tensor(out, a.shape, a.dtype);
}

function onesLike(t: Tensor): Tensor {
  if (t.device === "webgpu") return new Tensor(filledGpu(t.numel, 1), t.shape, t.dtype);
  const out = allocStorage(t.dtype, t.numel) as Float32Array | Float64Array;
  out.fill(1);
  return new Tensor(out, t.shape, t.dtype);
}
