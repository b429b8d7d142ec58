/**
 * The tape: each op that has an input with `requiresGrad` records a node; `backward()` walks
 * the nodes in reverse topological order, adds gradients into leaves (`+=`, as PyTorch) and
 * drops intermediate gradients once used.
 *
 * The tape knows tensors only through {@linkcode TapeTensor} and is handed the addition it
 * accumulates with, so it imports nothing: `tensor.ts` builds on it, not the other way round.
 *
 * @module
 */

/** The operation that made a tensor, as PyTorch's `grad_fn`. */
export interface GradFn {
  /** PyTorch 1.13's name for the same node, e.g. `"MseLossBackward0"`. */
  readonly name: string;
}

/** What the tape reads and writes of a tensor. */
export interface TapeTensor<T> {
  /** Whether gradients flow to this tensor. */
  readonly requiresGrad: boolean;
  /** The node that made it, or `null` for a leaf. */
  readonly gradFn: GradFn | null;
  /** A leaf's accumulated gradient. */
  grad: T | null;
}

/**
 * Computes the gradient of each input from the gradient of the output. Entries for inputs
 * that take no gradient are `null`.
 */
export type BackwardFn<T> = (gradOutput: T) => readonly (T | null)[];

/**
 * What a node keeps for its backward besides the closure: the tensors (or raw storage) whose
 * elements it reads, held until the node is freed so that disposing one of them before
 * `backward()` does not hand its memory to another tensor, and scratch the op made for the
 * backward alone, which goes back to the pool when the node is freed.
 */
export interface NodeKeeps {
  /** Tensors, or storage of tensors, the backward reads; default: the node's inputs. */
  holds?: readonly object[];
  /** Storage made for the backward only (typed arrays or WebGPU storage). */
  scratch?: readonly object[];
}

/** How the tape holds and lets go of what nodes keep: set once by `tensor.ts`. */
const keeping: { hold: (kept: object) => void; drop: (kept: object) => void } = {
  hold: () => {},
  drop: () => {},
};

/**
 * Sets how nodes hold and let go of the tensors and storage they keep (the storage holders
 * of `pool.ts`). Called once, by `tensor.ts`.
 */
export function setKeeping(hold: (kept: object) => void, drop: (kept: object) => void): void {
  keeping.hold = hold;
  keeping.drop = drop;
}

const NODES = new WeakSet<object>();

class Node<T> implements GradFn {
  readonly name: string;
  readonly inputs: readonly T[];
  #backward: BackwardFn<T> | null;
  #kept: readonly object[];

  constructor(name: string, inputs: readonly T[], backward: BackwardFn<T>, keeps: NodeKeeps) {
    this.name = name;
    this.inputs = inputs;
    this.#backward = backward;
    this.#kept = [...(keeps.holds ?? inputs) as readonly object[], ...(keeps.scratch ?? [])];
    for (const kept of this.#kept) keeping.hold(kept);
    NODES.add(this);
  }

  apply(gradOutput: T): readonly (T | null)[] {
    if (this.#backward === null) {
      throw new Error(
        `Cannot run backward through ${this.name} as its graph was freed by an earlier backward: pass { retainGraph: true } to the first call`,
      );
    }
    return this.#backward(gradOutput);
  }

  release(): void {
    if (this.#backward === null) return;
    this.#backward = null;
    for (const kept of this.#kept) keeping.drop(kept);
    this.#kept = [];
  }
}

/** Whether `value` is a node made by {@linkcode record}. */
export function isNode(value: unknown): value is GradFn {
  return typeof value === "object" && value !== null && NODES.has(value);
}

/** Whether any of the tensors takes part in autograd. */
export function anyRequiresGrad(
  tensors: readonly ({ readonly requiresGrad: boolean } | null | undefined)[],
): boolean {
  return tensors.some((t) => t?.requiresGrad === true);
}

/**
 * Makes the node for an op's output when any input requires grad, else returns `null`.
 * `inputs` are the op's tensor arguments in the order `backward` returns their gradients;
 * `keeps` names what else the backward reads (see {@linkcode NodeKeeps}); when no node is made,
 * its scratch goes back to the pool at once.
 */
export function record<T extends TapeTensor<T>>(
  name: string,
  inputs: readonly T[],
  backward: BackwardFn<T>,
  keeps: NodeKeeps = {},
): GradFn | null {
  if (anyRequiresGrad(inputs)) return new Node(name, inputs, backward, keeps);
  // no node: the scratch made for its backward goes back to the pool now
  for (const scratch of keeps.scratch ?? []) {
    keeping.hold(scratch);
    keeping.drop(scratch);
  }
  return null;
}

/**
 * Propagates `seed`, the gradient of the final value with respect to `root`, through the
 * nodes that made `root`, and adds each leaf's share into its `.grad` with `add`. The nodes
 * are freed afterwards unless `retain` is set. Returns whether `seed` itself became a leaf's
 * `.grad` (else the caller may free it).
 */
export function runBackward<T extends TapeTensor<T>>(
  root: T,
  seed: T,
  retain: boolean,
  add: (a: T, b: T) => T,
): boolean {
  let seedKept = false;
  const accumulate = (leaf: T, g: T): void => {
    if (g === seed && leaf.grad === null) seedKept = true;
    leaf.grad = leaf.grad === null ? g : add(leaf.grad, g);
  };
  const rootNode = root.gradFn as Node<T> | null;
  if (rootNode === null) {
    accumulate(root, seed);
    return seedKept;
  }
  const order = topologicalOrder(rootNode);
  const pending = new Map<Node<T>, T>([[rootNode, seed]]);
  for (const node of order) {
    const g = pending.get(node);
    pending.delete(node);
    if (g === undefined) continue;
    const grads = node.apply(g);
    node.inputs.forEach((input, i) => {
      const gi = grads[i];
      if (gi === null || gi === undefined || !input.requiresGrad) return;
      const parent = input.gradFn as Node<T> | null;
      if (parent === null) {
        accumulate(input, gi);
      } else {
        const prev = pending.get(parent);
        pending.set(parent, prev === undefined ? gi : add(prev, gi));
      }
    });
  }
  if (!retain) { for (const node of order) node.release(); }
  return seedKept;
}

/** Nodes ordered so that each comes before every node it consumes the output of. */
function topologicalOrder<T extends TapeTensor<T>>(root: Node<T>): Node<T>[] {
  const post: Node<T>[] = [];
  const seen = new Set<Node<T>>();
  const stack: [Node<T>, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [node, next] = top;
    if (next < node.inputs.length) {
      top[1]++;
      const parent = node.inputs[next].gradFn as Node<T> | null;
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
