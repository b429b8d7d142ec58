// The fused kernels of the elementwise losses (one pass for the value, one for value and
// gradient, float32 SIMD) against the per-element forward and the full backward: gradients
// bit for bit, sums within float64 rounding, at sizes around the SIMD vector and chunk.
import assert from "node:assert/strict";
import { fusedKernels } from "./elementwise.ts";
import { arenaTake } from "../_core/arena.ts";
import { givePooled } from "../_core/pool.ts";
import { binaryCrossEntropy } from "../binary_cross_entropy.ts";
import { binaryCrossEntropyWithLogits } from "../binary_cross_entropy_with_logits.ts";
import { gaussianNllLoss } from "../gaussian_nll_loss.ts";
import { hingeEmbeddingLoss } from "../hinge_embedding_loss.ts";
import { huberLoss } from "../huber_loss.ts";
import { klDiv } from "../kl_div.ts";
import { l1Loss } from "../l1_loss.ts";
import { marginRankingLoss } from "../margin_ranking_loss.ts";
import { mseLoss } from "../mse_loss.ts";
import { poissonNllLoss } from "../poisson_nll_loss.ts";
import { smoothL1Loss } from "../smooth_l1_loss.ts";
import { softMarginLoss } from "../soft_margin_loss.ts";
import { type DType, type Tensor, tensor } from "../tensor.ts";

type Values = (i: number) => number;
type Call = (args: Tensor[], reduction: "mean" | "sum") => Tensor;

/** Whether the inputs hold the special values (else the sums are finite, to compare). */
let useSpecials = true;

/** A value every `period` elements from `specials`, else `pick`'s. */
function withSpecials(specials: number[], pick: Values, period = 7): Values {
  return (i) =>
    useSpecials && i % period === 3 ? specials[(i / period | 0) % specials.length] : pick(i);
}
const wave: Values = (i) => 2.5 * Math.sin(i * 1.7 + 0.3);
const wave2: Values = (i) => 2.5 * Math.cos(i * 0.9);
const unit: Values = (i) => 0.5 + 0.49 * Math.sin(i * 1.3);
const signs: Values = (i) => (i * 7919) % 3 === 0 ? -1 : 1;
const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 1e-30, 3e38];

const CASES: Record<string, { values: Values[]; call: Call }> = {
  l1Loss: {
    values: [withSpecials(SPECIAL, wave), withSpecials([0, 1, NaN], wave2, 5)],
    call: ([x, y], reduction) => l1Loss(x, y, { reduction }),
  },
  mseLoss: {
    values: [withSpecials(SPECIAL, wave), wave2],
    call: ([x, y], reduction) => mseLoss(x, y, { reduction }),
  },
  hingeEmbeddingLoss: {
    values: [withSpecials([...SPECIAL, 1.5], wave), withSpecials([0, 2, NaN, 0.5], signs, 5)],
    call: ([x, y], reduction) => hingeEmbeddingLoss(x, y, { reduction, margin: 1.5 }),
  },
  smoothL1Loss: {
    values: [withSpecials([...SPECIAL, 0.7, -0.7], wave), wave2],
    call: ([x, y], reduction) => smoothL1Loss(x, y, { reduction, beta: 0.7 }),
  },
  smoothL1LossBeta1: {
    values: [withSpecials([...SPECIAL, 0.5, -0.5, 2], wave), wave2],
    call: ([x, y], reduction) => smoothL1Loss(x, y, { reduction }),
  },
  smoothL1LossBeta2: {
    values: [withSpecials([...SPECIAL, 2, -2], wave), wave2],
    call: ([x, y], reduction) => smoothL1Loss(x, y, { reduction, beta: 2 }),
  },
  smoothL1LossBeta0: {
    values: [withSpecials(SPECIAL, wave), withSpecials([0, 1], wave2, 3)],
    call: ([x, y], reduction) => smoothL1Loss(x, y, { reduction, beta: 0 }),
  },
  huberLoss: {
    values: [withSpecials([...SPECIAL, 1.3, -1.3], wave), wave2],
    call: ([x, y], reduction) => huberLoss(x, y, { reduction, delta: 1.3 }),
  },
  softMarginLoss: {
    values: [withSpecials(SPECIAL, (i) => 40 * Math.sin(i)), withSpecials([0, 2, NaN], signs)],
    call: ([x, y], reduction) => softMarginLoss(x, y, { reduction }),
  },
  marginRankingLoss: {
    values: [withSpecials(SPECIAL, wave), wave2, withSpecials([0, 2, NaN], signs, 5)],
    call: ([x1, x2, y], reduction) => marginRankingLoss(x1, x2, y, { reduction, margin: 0.25 }),
  },
  binaryCrossEntropy: {
    values: [withSpecials([0, 1, 1e-30, 0.5], unit), (i) => (i % 4) / 3],
    call: ([x, y], reduction) => binaryCrossEntropy(x, y, { reduction }),
  },
  "binaryCrossEntropy with weights": {
    values: [withSpecials([0, 1, 1e-30, 0.5], unit), (i) => (i % 4) / 3, (i) => 1 + wave(i)],
    call: ([x, y, weight], reduction) => binaryCrossEntropy(x, y, { reduction, weight }),
  },
  binaryCrossEntropyWithLogits: {
    values: [withSpecials(SPECIAL, (i) => 30 * Math.sin(i)), unit],
    call: ([x, y], reduction) => binaryCrossEntropyWithLogits(x, y, { reduction }),
  },
  "binaryCrossEntropyWithLogits with weights": {
    values: [withSpecials(SPECIAL, (i) => 30 * Math.sin(i)), unit, (i) => 1 + wave(i), wave2],
    call: ([x, y, weight, posWeight], reduction) =>
      binaryCrossEntropyWithLogits(x, y, { reduction, weight, posWeight }),
  },
  klDiv: {
    values: [withSpecials(SPECIAL, wave), withSpecials([0, NaN, 1, 1e-30], unit)],
    call: ([x, y], reduction) => klDiv(x, y, { reduction }),
  },
  klDivBatchmean: {
    values: [withSpecials(SPECIAL, wave), unit],
    call: ([x, y], reduction) =>
      klDiv(x, y, { reduction: reduction === "mean" ? "batchmean" : "sum" }),
  },
  klDivLogTarget: {
    values: [wave, withSpecials(SPECIAL, wave2)],
    call: ([x, y], reduction) => klDiv(x, y, { reduction, logTarget: true }),
  },
  poissonNllLoss: {
    values: [withSpecials(SPECIAL, wave), (i) => i % 5],
    call: ([x, y], reduction) => poissonNllLoss(x, y, { reduction, full: true }),
  },
  "poissonNllLoss without full": {
    values: [withSpecials(SPECIAL, wave), (i) => i % 5],
    call: ([x, y], reduction) => poissonNllLoss(x, y, { reduction }),
  },
  poissonNllLossNoLog: {
    values: [withSpecials([0, 1, Infinity, NaN], (i) => 2 + wave(i)), (i) => i % 5],
    call: ([x, y], reduction) => poissonNllLoss(x, y, { reduction, logInput: false }),
  },
  gaussianNllLoss: {
    values: [withSpecials(SPECIAL, wave), wave2, withSpecials([0, 1e-30, Infinity], unit)],
    call: ([x, y, v], reduction) => gaussianNllLoss(x, y, v, { reduction, full: true }),
  },
  "gaussianNllLoss without full": {
    values: [withSpecials(SPECIAL, wave), wave2, withSpecials([0, 1e-30, Infinity], unit)],
    call: ([x, y, v], reduction) => gaussianNllLoss(x, y, v, { reduction }),
  },
};

function makeArgs(values: Values[], n: number, dtype: DType): Tensor[] {
  return values.map((f, k) => {
    const data = dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
    for (let i = 0; i < n; i++) data[i] = f(i);
    return tensor(data, { requiresGrad: k === 0 });
  });
}

interface Run {
  value: number;
  grad: number[];
  twice: number[];
  scaled: number[];
}

/** Value, gradient of backward(), the gradient after a second retained backward, and one with gradOutput 2.5. */
async function run(call: Call, args: Tensor[], reduction: "mean" | "sum"): Promise<Run> {
  const x = args[0];
  x.grad = null;
  const out = call(args, reduction);
  out.backward(undefined, { retainGraph: true });
  const grad = Array.from(await (x.grad as unknown as Tensor).data() as Float64Array);
  out.backward(undefined, { retainGraph: true });
  const twice = Array.from(await (x.grad as unknown as Tensor).data() as Float64Array);
  x.grad = null;
  out.backward(tensor([2.5], { dtype: x.dtype, shape: [] }));
  const scaled = Array.from(await (x.grad as unknown as Tensor).data() as Float64Array);
  x.grad = null;
  return { value: out.item(), grad, twice, scaled };
}

/**
 * Fills the pool and the kernel arena's free blocks with nan-filled arrays of `n` elements,
 * so that a kernel given pooled memory (its gradient, its per-element losses) and leaving an
 * element unwritten shows nan there.
 */
function poisonPool(dtype: DType, n: number): void {
  const blocks = [];
  for (let k = 0; k < 4; k++) {
    givePooled(dtype === "float32" ? new Float32Array(n).fill(NaN) : new Float64Array(n).fill(NaN));
    blocks.push(
      (dtype === "float32" ? arenaTake(Float32Array, n) : arenaTake(Float64Array, n))?.fill(NaN),
    );
  }
  for (const block of blocks) if (block) givePooled(block);
}

function assertBitwise(got: number[], want: number[], what: string): void {
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) {
      assert.fail(`${what}[${i}]: fused ${got[i]}, unfused ${want[i]}`);
    }
  }
}

for (const [name, { values, call }] of Object.entries(CASES)) {
  Deno.test(`fused ${name} matches the per-element forward and full backward`, async () => {
    for (const dtype of ["float32", "float64"] as const) {
      // 9000 float64 and 16389 float32 elements: storage in the kernel arena
      for (const n of [0, 1, 3, 4, 5, 4095, 4096, 4099, 9000, 16389]) {
        for (
          const [reduction, specials] of [["mean", true], ["sum", true], ["mean", false]] as const
        ) {
          useSpecials = specials;
          const args = makeArgs(values, n, dtype);
          poisonPool(dtype, n);
          const fused = await run(call, args, reduction);
          fusedKernels.enabled = false;
          let plain: Run;
          try {
            poisonPool(dtype, n);
            plain = await run(call, args, reduction);
          } finally {
            fusedKernels.enabled = true;
          }
          const where = `${name} ${dtype} n=${n} ${reduction} specials=${specials}`;
          assertBitwise(fused.grad, plain.grad, `${where} grad`);
          assertBitwise(fused.twice, plain.twice, `${where} grad twice`);
          assertBitwise(fused.scaled, plain.scaled, `${where} grad scaled`);
          // The float64 sum may add in another order (SIMD lanes), then rounds to the dtype.
          if (Number.isFinite(plain.value)) {
            const tol = (dtype === "float32" ? 2 ** -23 : 1e-12) * Math.abs(plain.value);
            assert.ok(
              Math.abs(fused.value - plain.value) <= tol,
              `${where} value: fused ${fused.value}, unfused ${plain.value}`,
            );
          } else {
            assert.ok(Object.is(fused.value, plain.value), `${where} value: ${fused.value}`);
          }
        }
      }
    }
  });
}

// The fused exp/log kernels take shorter steps for four vectors whose exp arguments all lie in
// [-87, 88]: one lane of the sixteen out of that range, or nan, sends the step through the full
// steps, whichever lane it is.
Deno.test("fused exp/log losses take the full steps when any one lane of sixteen is out of range or nan", async () => {
  // x that puts each kernel's exp argument out of range: -x y = 100 (y = 1), -|x| and -x = -100,
  // x = 100
  const losses: [string, number, Call][] = [
    ["softMarginLoss", -100, ([x, y], reduction) => softMarginLoss(x, y, { reduction })],
    [
      "binaryCrossEntropyWithLogits",
      100,
      ([x, y], reduction) => binaryCrossEntropyWithLogits(x, y, { reduction }),
    ],
    ["poissonNllLoss", 100, ([x, y], reduction) => poissonNllLoss(x, y, { reduction })],
  ];
  for (const [name, far, call] of losses) {
    for (const odd of [far, NaN]) {
      for (let lane = 0; lane < 16; lane++) {
        const values: Values[] = [(i) => i === 16 + lane ? odd : 0.3 * Math.sin(i), () => 1];
        const args = makeArgs(values, 48, "float32");
        const fused = await run(call, args, "sum");
        fusedKernels.enabled = false;
        let plain: Run;
        try {
          plain = await run(call, args, "sum");
        } finally {
          fusedKernels.enabled = true;
        }
        const where = `${name} x[${16 + lane}] = ${odd}`;
        assertBitwise(fused.grad, plain.grad, `${where} grad`);
        assert.ok(
          Object.is(fused.value, plain.value) ||
            Math.abs(fused.value - plain.value) <= 2 ** -23 * Math.abs(plain.value),
          `${where} value: fused ${fused.value}, unfused ${plain.value}`,
        );
      }
    }
  }
});
