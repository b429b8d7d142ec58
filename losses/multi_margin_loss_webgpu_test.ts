import assert from "node:assert/strict";
import { multiMarginLoss, type Reduction, tensor } from "../mod.ts";
import { checkAgainstCpu, inSmallWindows, NO_GPU, seeded } from "./_testing/margin_webgpu_check.ts";

// 300 rows: several workgroups of the row kernel and a two-pass tree sum.
const N = 300;
const C = 7;
const x = { data: seeded(N * C, 1), shape: [N, C], grad: true };
const y = { data: seeded(N, 2, 0, C).map(Math.floor), shape: [N], dtype: "int64" as const };
const w = { data: seeded(C, 3, 0, 2), shape: [C] };

for (const reduction of ["none", "mean", "sum"] as Reduction[]) {
  Deno.test({
    name:
      `multiMarginLoss() on webgpu: ${N} rows, p 1 and 2, weighted, whole and in windows, ${reduction}`,
    ignore: NO_GPU,
    fn: async () => {
      const check = async () => {
        await checkAgainstCpu([x, y], ([a, b]) => multiMarginLoss(a, b, { reduction }));
        await checkAgainstCpu(
          [x, y, w],
          ([a, b, c]) => multiMarginLoss(a, b, { p: 2, margin: 0.5, weight: c, reduction }),
        );
      };
      await check();
      await inSmallWindows(check);
    },
  });
}

Deno.test({
  name: "multiMarginLoss() on webgpu: operands on two devices are an error naming both",
  ignore: NO_GPU,
  fn: async () => {
    const input = await tensor([[1, 2, 3]]).to("webgpu");
    const target = tensor([0], { dtype: "int64" });
    assert.throws(() => multiMarginLoss(input, target), {
      message:
        /input and target must be on the same device: input is on "webgpu", target is on "cpu"/,
    });
  },
});

Deno.test({
  name: "multiMarginLoss() on webgpu: rows of 300 classes, spread over a workgroup's 64 lanes",
  ignore: NO_GPU,
  fn: async () => {
    const long = { data: seeded(20 * 300, 21, -1, 1), shape: [20, 300], grad: true };
    const t = {
      data: seeded(20, 22, 0, 300).map(Math.floor),
      shape: [20],
      dtype: "int64" as const,
    };
    const cw = { data: seeded(300, 23, 0, 2), shape: [300] };
    for (const reduction of ["none", "mean", "sum"] as Reduction[]) {
      await checkAgainstCpu(
        [long, t, cw],
        ([a, b, c]) => multiMarginLoss(a, b, { p: 2, weight: c, reduction }),
      );
    }
  },
});
