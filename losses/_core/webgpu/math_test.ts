/**
 * The WGSL exp, log and log1p every shader gets (math.ts) against float64 Math.exp, Math.log
 * and Math.log1p: the largest error in float32 ulps over wide ranges (subnormals included),
 * and PyTorch's special values (nan, ±inf, ±0, overflow edges) exactly.
 * Skipped, with the reason printed, where there is no WebGPU adapter.
 */
import assert from "node:assert/strict";
import { webgpuAdapter } from "../../_testing/helpers.ts";
import { tensor } from "../../../mod.ts";
import { gpuStorage, Tensor } from "../tensor.ts";
import { runMap } from "./kernels.ts";

const { missing } = await webgpuAdapter("WGSL math tests");

type MathFn = "exp_f32" | "log_f32" | "log1p_f32";

/** `f(x)` in WGSL for every element of `xs`, read back. */
async function wgslMap(f: MathFn, xs: Float32Array): Promise<Float32Array> {
  const input = await tensor(xs).to("webgpu");
  const [out] = runMap("math test", {
    label: `${f} test`,
    inputs: [{ name: "x", storage: gpuStorage(input) }],
    outputs: ["out"],
    body: `  out[i] = ${f}(x);`,
  }, xs.length);
  return await new Tensor(out, [xs.length], "float32").data() as Float32Array;
}

const bits = new Float32Array(1);
const word = new Int32Array(bits.buffer);
/** The float32 `x` as an ordered integer, so that neighbours differ by 1. */
function ordered(x: number): number {
  bits[0] = x;
  return word[0] < 0 ? -(word[0] & 0x7fffffff) : word[0];
}

/** The largest distance in ulps from float64 `ref` rounded to float32; nan must match nan. */
async function maxUlps(f: MathFn, xs: Float32Array, ref: (x: number) => number): Promise<number> {
  const got = await wgslMap(f, xs);
  let worst = 0;
  for (let i = 0; i < xs.length; i++) {
    const want = Math.fround(ref(xs[i]));
    if (Number.isNaN(want) || Number.isNaN(got[i])) {
      assert.ok(Number.isNaN(want) && Number.isNaN(got[i]), `${f}(${xs[i]}) is ${got[i]}`);
      continue;
    }
    if (!Number.isFinite(want) || !Number.isFinite(got[i])) {
      assert.equal(got[i], want, `${f}(${xs[i]})`);
      continue;
    }
    worst = Math.max(worst, Math.abs(ordered(got[i]) - ordered(want)));
  }
  return worst;
}

/** `n` float32 values spread evenly over [lo, hi]. */
function spread(lo: number, hi: number, n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => lo + (hi - lo) * i / (n - 1));
}

const EDGES = [
  NaN,
  Infinity,
  -Infinity,
  0,
  -0,
  1e-45, // the smallest subnormal
  1e-40,
  1.1754942e-38, // the largest subnormal
  1.17549435e-38, // the smallest normal
  3.4028235e38,
  -1,
  1,
  88.72283,
  88.72284, // exp overflows from here
  -87.33654,
  -87.4, // exp gives subnormals from about here
  -103.27893,
  -103.97208,
  -103.98, // and 0 from here
  -1000,
];

Deno.test({
  name: "WGSL exp and log are within one ulp of float64, subnormals and edges included",
  ignore: missing !== null,
  fn: async () => {
    const n = 1 << 16;
    const expRanges = [spread(-104, 89, n), spread(-1, 1, n), spread(-1e-6, 1e-6, 1024)];
    for (const xs of [...expRanges, Float32Array.from(EDGES)]) {
      const ulps = await maxUlps("exp_f32", xs, Math.exp);
      assert.ok(ulps <= 1, `exp: ${ulps} ulps over [${xs[0]}, ${xs[xs.length - 1]}]`);
    }
    const logRanges = [
      Float32Array.from({ length: n }, (_, i) => Math.exp(-103 + 191 * i / (n - 1))),
      spread(0.5, 2, n),
      spread(1 - 1e-4, 1 + 1e-4, 1024),
      spread(1e-45, 1.2e-38, 1024),
      // every exponent: bit patterns from the smallest subnormal to the largest float
      new Float32Array(
        Uint32Array.from({ length: n }, (_, i) => 1 + Math.floor(i * (0x7f7fffff / n))).buffer,
      ),
    ];
    for (const xs of [...logRanges, Float32Array.from(EDGES)]) {
      const ulps = await maxUlps("log_f32", xs, Math.log);
      assert.ok(ulps <= 1, `log: ${ulps} ulps over [${xs[0]}, ${xs[xs.length - 1]}]`);
    }
  },
});

Deno.test({
  name: "WGSL log1p is within three ulps of float64, dense near 0, and keeps the special values",
  ignore: missing !== null,
  fn: async () => {
    const n = 1 << 16;
    const px = Float32Array.from(
      { length: n },
      (_, i) =>
        i < n / 2
          ? -1 + (2 * i) / n
          : Math.sign(i - 0.75 * n) * 2 ** (-40 + 100 * ((i % (n / 4)) / (n / 4))),
    );
    const ulps = await maxUlps("log1p_f32", px.filter((x) => x > -1), Math.log1p);
    assert.ok(ulps <= 3, `log1p: ${ulps} ulps`);
    const max = 3.4028234663852886e38;
    const edges = [NaN, Infinity, -1, -2, 0, -0, 2 ** -30, max];
    const want = [NaN, Infinity, -Infinity, NaN, 0, -0, 2 ** -30, Math.log(max)];
    const got = await wgslMap("log1p_f32", Float32Array.from(edges));
    edges.forEach((x, i) => {
      assert.ok(
        Object.is(got[i], Math.fround(want[i])),
        `log1p(${x}): ${got[i]}, expected ${want[i]}`,
      );
    });
  },
});
