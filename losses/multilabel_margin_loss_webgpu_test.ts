import { multilabelMarginLoss, type Reduction } from "../mod.ts";
import { checkAgainstCpu, inSmallWindows, NO_GPU, seeded } from "./_testing/margin_webgpu_check.ts";

// 300 rows of 6 classes; each row lists 0 to 5 targets (repeats allowed) before its -1.
const N = 300;
const C = 6;
const count = seeded(N, 4, 0, C).map(Math.floor);
const picks = seeded(N * C, 5, 0, C).map(Math.floor);
const target = picks.map((v, i) => (i % C < count[Math.floor(i / C)] ? v : -1));
const x = { data: seeded(N * C, 6), shape: [N, C], grad: true };
const y = { data: target, shape: [N, C], dtype: "int64" as const };

for (const reduction of ["none", "mean", "sum"] as Reduction[]) {
  Deno.test({
    name: `multilabelMarginLoss() on webgpu: ${N} rows, whole and in windows, ${reduction}`,
    ignore: NO_GPU,
    fn: async () => {
      const check = () =>
        checkAgainstCpu([x, y], ([a, b]) => multilabelMarginLoss(a, b, { reduction }));
      await check();
      await inSmallWindows(check);
    },
  });
}

Deno.test({
  name: "multilabelMarginLoss() on webgpu: rows of 150 classes, many targets, 64 lanes a row",
  ignore: NO_GPU,
  fn: async () => {
    const rows = 12;
    const classes = 150;
    const ends = seeded(rows, 24, 0, classes).map(Math.floor);
    const ids = seeded(rows * classes, 25, 0, classes).map(Math.floor);
    const long = { data: seeded(rows * classes, 26), shape: [rows, classes], grad: true };
    const t = {
      data: ids.map((v, i) => (i % classes < ends[Math.floor(i / classes)] ? v : -1)),
      shape: [rows, classes],
      dtype: "int64" as const,
    };
    for (const reduction of ["none", "mean", "sum"] as Reduction[]) {
      await checkAgainstCpu([long, t], ([a, b]) => multilabelMarginLoss(a, b, { reduction }));
    }
  },
});
