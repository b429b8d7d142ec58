/**
 * Losses over tensors large enough that their storage is cut from the kernel arena (a shared
 * WebAssembly memory that the kernels read in place): the check runs it in Node and Bun, and
 * `runtimes_test.ts` in Deno, and the two must agree bit for bit.
 *
 * @module
 */

import { huberLoss, marginRankingLoss, mseLoss, tensor } from "@parity/losses";

/**
 * What the large losses gave, each number as the hex of its float64 bits (JSON would make -0
 * a 0).
 */
export interface LargeResult {
  /** Whether the storage of a large tensor is over a `SharedArrayBuffer` (the arena). */
  shared: boolean;
  /** Each loss's value and its input's gradient at three places and in sum. */
  losses: { name: string; value: string; grad: string[] }[];
}

const view = new DataView(new ArrayBuffer(8));

/** The float64 bits of `v`, in hex. */
function bits(v: number): string {
  view.setFloat64(0, v);
  return view.getBigUint64(0).toString(16).padStart(16, "0");
}

/** Runs MSE, Huber and margin ranking (float32 and float64) at 70001 elements. */
export async function largeLosses(): Promise<LargeResult> {
  const n = 70001;
  const losses: LargeResult["losses"] = [];
  let shared = false;
  for (const dtype of ["float32", "float64"] as const) {
    // exact in float32, and the same in every runtime (Math.sin is the runtime's own)
    const make = (seed: number) =>
      Array.from({ length: n }, (_, i) => ((i * 7919 + seed * 104729) % 65521) / 16384 - 2);
    const y = tensor(make(2), { dtype });
    const sign = tensor(make(3).map((v) => (v > 0 ? 1 : -1)), { dtype });
    const data = await y.data();
    shared ||= Object.prototype.toString.call(data.buffer) === "[object SharedArrayBuffer]";
    for (const name of ["mse", "huber", "margin_ranking"]) {
      const x = tensor(make(1), { dtype, requiresGrad: true });
      const loss = name === "mse"
        ? mseLoss(x, y)
        : name === "huber"
        ? huberLoss(x, y, { delta: 0.75 })
        : marginRankingLoss(x, y, sign, { margin: 0.25 });
      loss.backward();
      const grad = x.grad;
      if (grad === null) throw new Error(`${name}: no gradient`);
      const g = Array.from(await grad.data() as Float32Array | Float64Array);
      let sum = 0;
      for (const v of g) sum += v;
      losses.push({
        name: `${name} ${dtype}`,
        value: bits(loss.item()),
        grad: [g[0], g[n >> 1], g[n - 1], sum].map(bits),
      });
      for (const t of [x, grad, loss]) t.dispose();
    }
    y.dispose();
    sign.dispose();
  }
  return { shared, losses };
}
