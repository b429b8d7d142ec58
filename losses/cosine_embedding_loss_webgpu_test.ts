import { cosineEmbeddingLoss, type Reduction } from "../mod.ts";
import { checkAgainstCpu, inSmallWindows, NO_GPU, seeded } from "./_testing/margin_webgpu_check.ts";

// 300 pairs (a two-pass tree sum), one input broadcast over the rows, and one pair against
// 300 targets (the gradient of its cosine sums 300 outputs).
const N = 300;
const D = 6;
const a = { data: seeded(N * D, 11), shape: [N, D], grad: true };
const b = { data: seeded(N * D, 12), shape: [N, D], grad: true };
const one = { data: seeded(D, 13), shape: [1, D], grad: true };
const other = { data: seeded(D, 14), shape: [1, D], grad: true };
const y = {
  data: seeded(N, 15, 0, 3).map((v) => Math.floor(v) - 1),
  shape: [N],
  dtype: "int64" as const,
};

for (const reduction of ["none", "mean", "sum"] as Reduction[]) {
  Deno.test({
    name:
      `cosineEmbeddingLoss() on webgpu: ${N} pairs, broadcast, whole and in windows, ${reduction}`,
    ignore: NO_GPU,
    fn: async () => {
      const check = async () => {
        const margin = 0.25;
        await checkAgainstCpu(
          [a, b, y],
          ([p, q, t]) => cosineEmbeddingLoss(p, q, t, { margin, reduction }),
        );
        await checkAgainstCpu(
          [a, one, y],
          ([p, q, t]) => cosineEmbeddingLoss(p, q, t, { reduction }),
        );
        await checkAgainstCpu(
          [one, other, y],
          ([p, q, t]) => cosineEmbeddingLoss(p, q, t, { margin: -0.5, reduction }),
        );
      };
      await check();
      await inSmallWindows(check);
    },
  });
}

Deno.test({
  name: "cosineEmbeddingLoss() on webgpu: 300 features, 64 lanes a pair, broadcast features",
  ignore: NO_GPU,
  fn: async () => {
    const p = { data: seeded(20 * 300, 30), shape: [20, 300], grad: true };
    const q = { data: seeded(20 * 300, 31), shape: [20, 300], grad: true };
    const column = { data: seeded(20, 32), shape: [20, 1], grad: true };
    const t = { data: seeded(20, 33, 0, 2).map((v) => (v < 1 ? -1 : 1)), shape: [20] };
    for (const reduction of ["none", "mean", "sum"] as Reduction[]) {
      await checkAgainstCpu(
        [p, q, t],
        ([a, b, c]) => cosineEmbeddingLoss(a, b, c, { margin: -0.2, reduction }),
      );
      await checkAgainstCpu(
        [p, column, t],
        ([a, b, c]) => cosineEmbeddingLoss(a, b, c, { margin: -0.2, reduction }),
      );
    }
  },
});
