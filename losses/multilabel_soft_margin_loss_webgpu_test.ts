import { multilabelSoftMarginLoss, type Reduction } from "../mod.ts";
import { checkAgainstCpu, inSmallWindows, NO_GPU, seeded } from "./_testing/margin_webgpu_check.ts";

// 300 rows (a two-pass tree sum), a class weight, and an input broadcast over 300 rows of
// targets, which makes the summed dimension the 300 rows (dimension input.ndim - 1 = 0).
const N = 300;
const C = 6;
const x = { data: seeded(N * C, 7, -4, 4), shape: [N, C], grad: true };
const y = { data: seeded(N * C, 8, 0, 1), shape: [N, C], grad: true };
const w = { data: seeded(C, 9, 0, 2), shape: [C], grad: true };
const row = { data: seeded(C, 10, -4, 4), shape: [C], grad: true };
// 600 strided rows (input (600) against target (2, 600): the sum runs over the 2).
const wide = { data: seeded(600, 16, -4, 4), shape: [600], grad: true };
const pairs = { data: seeded(1200, 17, 0, 1), shape: [2, 600] };

for (const reduction of ["none", "mean", "sum"] as Reduction[]) {
  Deno.test({
    name:
      `multilabelSoftMarginLoss() on webgpu: ${N} rows, weighted, broadcast, whole and in windows, ${reduction}`,
    ignore: NO_GPU,
    fn: async () => {
      const check = async () => {
        await checkAgainstCpu(
          [x, y, w],
          ([a, b, c]) => multilabelSoftMarginLoss(a, b, { weight: c, reduction }),
        );
        await checkAgainstCpu([row, y], ([a, b]) => multilabelSoftMarginLoss(a, b, { reduction }));
        await checkAgainstCpu(
          [wide, pairs],
          ([a, b]) => multilabelSoftMarginLoss(a, b, { reduction }),
        );
      };
      await check();
      await inSmallWindows(check);
    },
  });
}

Deno.test({
  name: "multilabelSoftMarginLoss() on webgpu: rows of 300 classes, 64 lanes a row",
  ignore: NO_GPU,
  fn: async () => {
    const long = { data: seeded(20 * 300, 27, -4, 4), shape: [20, 300], grad: true };
    const labels = { data: seeded(20 * 300, 28, 0, 1), shape: [20, 300], grad: true };
    const cw = { data: seeded(300, 29, 0, 2), shape: [300], grad: true };
    for (const reduction of ["none", "mean", "sum"] as Reduction[]) {
      await checkAgainstCpu(
        [long, labels, cw],
        ([a, b, c]) => multilabelSoftMarginLoss(a, b, { weight: c, reduction }),
      );
    }
  },
});
