/**
 * Random numbers bit for bit with PyTorch's CPU generator: `manualSeed(s); randn([4, 6])`
 * gives what `torch.manual_seed(s); torch.randn(4, 6)` gives.
 *
 * The generator is PyTorch's `CPUGeneratorImpl`: a 32-bit Mersenne Twister (mt19937) seeded
 * from the low 32 bits of a 64-bit seed, 64-bit draws made of two 32-bit ones (first the high
 * half), and a cached second normal for the one-at-a-time normal sampler. The samplers follow
 * `DistributionsHelper.h`, `TransformationHelper.h` and `cpu/DistributionTemplates.h`:
 *
 * ```text
 * rand    float32: (u32 & (2^24 - 1)) * 2^-24        float64: (u64 & (2^53 - 1)) * 2^-53
 * randint [low, high): low + u % (high - low), u = u32, or u64 when high - low >= 2^32
 * randn   numel < 16 (any dtype): Box-Muller in double, one at a time, the sine kept for the
 *           next call:  u1, u2 ~ rand float64; r = sqrt(-2 log(1 - u2)); theta = 2 pi u1;
 *           returns r cos(theta), caches r sin(theta)
 *         numel >= 16: fill all with rand, then per block of 16, for j < 8:
 *           u1 = 1 - x[j], u2 = x[j + 8]; r = sqrt(-2 log u1); theta = 2 pi u2;
 *           x[j] = r cos(theta), x[j + 8] = r sin(theta); a ragged tail redraws the last 16
 *           float32 computes this in float (logf, sinf, cosf), float64 in double
 * ```
 *
 * How exact, per path (measured by `random_test.ts` against the fixtures):
 * - the 32- and 64-bit stream, `rand`, `randint`: integer and IEEE arithmetic, bit for bit.
 * - `randn` float32, 16 or more elements (the portable kernel): bit for bit with Linux x86-64
 *   glibc; `logf`, `sinf` and `cosf` are ports of glibc's (see `_cpu/libm.ts`), checked equal to
 *   glibc on all 2^24 inputs the kernel can produce.
 * - `randn` with fewer than 16 elements and float64 `randn`: these go through double `log`,
 *   `sin` and `cos`. `log` is a port of glibc's (checked equal on 600,000 arguments), `sin`
 *   and `cos` are V8's `Math.sin` and `Math.cos`, which differ from glibc's in the last bit
 *   for about 0.14% of arguments: float64 elements of 16 or more are bit for bit for about
 *   99.9% of elements and within 2 units in the last place for all (float32 results round
 *   the difference away almost always).
 * - `randn` float32, 16 or more elements, `{ cpuCapability: "avx2" }`: the AVX2 build's fill
 *   (`avx_mathfun.h` polynomials with the compiler's fused multiply-adds, see `_cpu/avx2.ts`), bit
 *   for bit. A stock x86-64 PyTorch on an AVX2 machine runs this one; the portable one runs
 *   on Apple silicon, AVX-512 builds and under `ATEN_CPU_CAPABILITY=default`. Elements of
 *   the two differ by a few units in the last place for about 40% of elements.
 *
 * @module
 */

import { log256, sincos256 } from "./_cpu/avx2.ts";
import { cosf, log, logf, sinf } from "./_cpu/libm.ts";
import { allocateChecked, describe } from "./_core/checks.ts";
import {
  BOOLEAN,
  oneOf,
  type OptionCheck,
  type OptionSpec,
  parseOptions,
} from "./_core/options.ts";
import { checkShape, type DType, Tensor } from "./_core/tensor.ts";

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;
const TWO_64 = 1n << 64n;
/** PyTorch's `default_rng_seed_val`, the seed of `new torch.Generator()`. */
const DEFAULT_SEED = 67280421310721n;

/** Whether a value is a Generator made by this module (a Proxy around one is not). */
let hasGeneratorBrand: (value: unknown) => value is Generator;

/**
 * A random-number generator with PyTorch's CPU semantics, as `torch.Generator()`.
 *
 * @example Usage
 * ```ts
 * import { Generator, randn } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const g = new Generator().manualSeed(0);
 * const x = randn([3], { generator: g, dtype: "float64" });
 * assert.deepEqual(x.toArray(), [1.5409961082440433, -0.2934289057609464, -2.1787893820745574]);
 * ```
 */
export class Generator {
  static {
    hasGeneratorBrand = (value): value is Generator =>
      typeof value === "object" && value !== null && #state in value;
  }

  readonly #state = new Uint32Array(N);
  #left = 1;
  #next = 0;
  #seed = DEFAULT_SEED;
  #nextDoubleNormal: number | null = null;

  /**
   * Makes a generator seeded with `seed`, or with PyTorch's fixed default seed
   * `67280421310721` as `torch.Generator()`.
   *
   * @param seed An integer in [-2^63, 2^64); negative seeds wrap to 2^64 + seed as in PyTorch.
   */
  constructor(seed: number | bigint = DEFAULT_SEED) {
    this.manualSeed(seed);
  }

  /**
   * Reseeds the generator and clears its cached normal, as `Generator.manual_seed`.
   *
   * @param seed An integer in [-2^63, 2^64); only its low 32 bits reach the Mersenne Twister.
   * @returns This generator.
   * @throws {RangeError} If `seed` is not an integer in that range.
   */
  manualSeed(seed: number | bigint): this {
    checkReceiver(this, "manualSeed");
    const s = parseSeed("manualSeed", seed);
    this.#seed = s;
    const st = this.#state;
    st[0] = Number(s & 0xffffffffn);
    for (let j = 1; j < N; j++) {
      const prev = st[j - 1];
      st[j] = (Math.imul(1812433253, (prev ^ (prev >>> 30)) >>> 0) + j) >>> 0;
    }
    this.#left = 1;
    this.#next = 0;
    this.#nextDoubleNormal = null;
    return this;
  }

  /**
   * The seed last set, as `Generator.initial_seed()`.
   *
   * @returns The seed as an unsigned 64-bit integer.
   */
  initialSeed(): bigint {
    return checkReceiver(this, "initialSeed").#seed;
  }

  /**
   * The next 32-bit draw, as `CPUGeneratorImpl::random()`.
   *
   * @returns An integer in [0, 2^32).
   */
  random(): number {
    if (--this.#left === 0) this.#nextState();
    let y = this.#state[this.#next++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /**
   * The next 64-bit draw, as `CPUGeneratorImpl::random64()`: two 32-bit draws, the first
   * one the high half.
   *
   * @returns An integer in [0, 2^64).
   */
  random64(): bigint {
    const hi = this.random();
    const lo = this.random();
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** A float32 uniform in [0, 1): 24 low bits of a 32-bit draw. */
  nextFloat(): number {
    return (this.random() & 0xffffff) * 2 ** -24;
  }

  /** A float64 uniform in [0, 1): 53 low bits of a 64-bit draw. */
  nextDouble(): number {
    const hi = this.random();
    const lo = this.random();
    return ((hi & 0x1fffff) * 2 ** 32 + lo) * 2 ** -53;
  }

  /** `normal_distribution<double>` with mean 0 and std 1, using and filling the cache. */
  nextNormal(): number {
    if (this.#nextDoubleNormal !== null) {
      const cached = this.#nextDoubleNormal;
      this.#nextDoubleNormal = null;
      return cached;
    }
    const u1 = this.nextDouble();
    const u2 = this.nextDouble();
    const r = Math.sqrt(-2 * log(1 - u2));
    const theta = 2 * Math.PI * u1;
    this.#nextDoubleNormal = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  #nextState(): void {
    const st = this.#state;
    this.#left = N;
    this.#next = 0;
    let kk = 0;
    for (; kk < N - M; kk++) {
      const y = (st[kk] & UPPER_MASK) | (st[kk + 1] & LOWER_MASK);
      st[kk] = st[kk + M] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    for (; kk < N - 1; kk++) {
      const y = (st[kk] & UPPER_MASK) | (st[kk + 1] & LOWER_MASK);
      st[kk] = st[kk + M - N] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    const y = (st[N - 1] & UPPER_MASK) | (st[0] & LOWER_MASK);
    st[N - 1] = st[M - 1] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
  }
}

/** What a value is, where a Generator belongs. */
function describeGenerator(value: unknown): string {
  let lookAlike = false;
  try {
    lookAlike = typeof value === "object" && value !== null && value instanceof Generator;
  } catch {
    // a revoked Proxy: described below
  }
  return lookAlike
    ? "a Proxy or a look-alike of a Generator, where a Generator from @parity/losses is " +
      "expected (pass the generator itself)"
    : describe(value);
}

function checkReceiver(g: Generator, method: string): Generator {
  if (hasGeneratorBrand(g)) return g;
  throw new TypeError(
    `Cannot compute Generator.${method} as its receiver is not a Generator: got ${
      describeGenerator(g)
    }`,
  );
}

function parseSeed(fn: string, seed: unknown): bigint {
  let s: bigint;
  if (typeof seed === "bigint") s = seed;
  else if (typeof seed === "number" && Number.isInteger(seed)) s = BigInt(seed);
  else {
    throw new RangeError(
      `Cannot compute ${fn} as seed must be an integer: current value is ${describe(seed)}`,
    );
  }
  if (s < -(1n << 63n) || s >= TWO_64) {
    throw new RangeError(
      `Cannot compute ${fn} as seed must be in [-2^63, 2^64): current value is ${s}`,
    );
  }
  return s < 0n ? s + TWO_64 : s;
}

function freshSeed(): bigint {
  const words = crypto.getRandomValues(new Uint32Array(2));
  return (BigInt(words[0]) << 32n) | BigInt(words[1]);
}

/**
 * The generator that `randn`, `rand` and `randint` use when none is passed, as
 * `torch.default_generator`. Like PyTorch's, it starts from a non-deterministic seed:
 * call {@linkcode manualSeed} for reproducible numbers.
 */
export const defaultGenerator: Generator = new Generator(freshSeed());

/**
 * Seeds the default generator, as `torch.manual_seed`.
 *
 * @example Usage
 * ```ts
 * import { manualSeed, rand } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * manualSeed(0);
 * assert.deepEqual(rand([2], { dtype: "float64" }).toArray(), [0.9700530018065531, 0.707819864399788]);
 * ```
 *
 * @param seed An integer in [-2^63, 2^64); negative seeds wrap to 2^64 + seed.
 * @returns The default generator.
 * @throws {RangeError} If `seed` is not an integer in that range.
 */
export function manualSeed(seed: number | bigint): Generator {
  return defaultGenerator.manualSeed(seed);
}

/** Which build of PyTorch's CPU kernels to reproduce for the float32 normal fill. */
export type CpuCapability = "default" | "avx2";

/** Options for {@linkcode randn} and {@linkcode rand}. */
export interface RandomOptions {
  /** `"float32"` (default; also for `null`, as PyTorch's `dtype=None`) or `"float64"`. */
  dtype?: DType | null;
  /**
   * `Generator`: the generator to draw from; default (also for `null`)
   * {@linkcode defaultGenerator}.
   */
  generator?: Generator | null;
  /** `boolean`: make the result a leaf that records gradients. */
  requiresGrad?: boolean;
  /**
   * `"default" | "avx2"`, `randn` only (`rand` rejects it): which build of PyTorch's float32
   * fill (16 or more elements) to match:
   * `"default"`, the portable kernel (Apple silicon, AVX-512 machines,
   * `ATEN_CPU_CAPABILITY=default`), or `"avx2"`, the kernel x86-64 PyTorch runs on AVX2
   * machines. Other dtypes and sizes are the same on both.
   */
  cpuCapability?: CpuCapability;
}

/** Options for {@linkcode randint}. */
export interface RandintOptions {
  /** `"int64"` (default; also for `null`), `"float32"` or `"float64"`. */
  dtype?: DType | null;
  /**
   * `Generator`: the generator to draw from; default (also for `null`)
   * {@linkcode defaultGenerator}.
   */
  generator?: Generator | null;
  /** `boolean`: make the result a leaf that records gradients (float dtypes only, as PyTorch). */
  requiresGrad?: boolean;
}

const GENERATOR: OptionCheck = (value, name) =>
  value === null || hasGeneratorBrand(value) ? null : {
    text: `${name} must be a Generator or null: got ${describeGenerator(value)}`,
    kind: "type",
  };

const RANDN_OPTIONS: OptionSpec<RandomOptions> = {
  dtype: oneOf(["float32", "float64"], true),
  generator: GENERATOR,
  requiresGrad: BOOLEAN,
  cpuCapability: oneOf(["default", "avx2"]),
};

const RAND_OPTIONS: OptionSpec<RandomOptions> = {
  ...RANDN_OPTIONS,
  cpuCapability: () => ({
    text: "cpuCapability applies to randn only: rand draws no normals",
    kind: "type",
  }),
};

const RANDINT_OPTIONS: OptionSpec<RandintOptions> = {
  dtype: oneOf(["int64", "float32", "float64"], true),
  generator: GENERATOR,
  requiresGrad: BOOLEAN,
};

function parseShape(fn: string, shape: unknown): readonly number[] {
  return checkShape(`compute ${fn}`, typeof shape === "number" ? [shape] : shape);
}

function parseGenerator(generator: Generator | null | undefined): Generator {
  return generator ?? defaultGenerator;
}

function parseFloatDtype(dtype: DType | null | undefined): "float32" | "float64" {
  return (dtype ?? "float32") as "float32" | "float64";
}

/**
 * Standard normal samples, as `torch.randn`, bit for bit with PyTorch's CPU generator (see the
 * module notes for the last bit of each path).
 *
 * @example Usage
 * ```ts
 * import { manualSeed, randn } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * manualSeed(0); // torch.manual_seed(0); x = torch.randn(4, 6, requires_grad=True)
 * const x = randn([4, 6], { requiresGrad: true });
 * assert.equal(
 *   String(x).split("\n")[0],
 *   "tensor([[-1.1258, -1.1524, -0.2506, -0.4339,  0.8487,  0.6920],",
 * );
 * ```
 *
 * @param shape The dimensions, e.g. `[4, 6]`, or one number for a 1-d tensor.
 * @param options `dtype`, `generator`, `requiresGrad`, `cpuCapability`.
 * @returns A new leaf tensor.
 * @throws {TypeError} If the shape, dtype or generator is not valid.
 * @throws {RangeError} If `cpuCapability` is not `"default"` or `"avx2"`.
 */
export function randn(shape: number | readonly number[], options: RandomOptions = {}): Tensor {
  options = parseOptions("randn", options, RANDN_OPTIONS);
  const dims = parseShape("randn", shape);
  const dtype = parseFloatDtype(options.dtype);
  const g = parseGenerator(options.generator);
  const capability = options.cpuCapability ?? "default";
  const out = allocateChecked("randn", "its output", dims, dtype) as Float32Array | Float64Array;
  const n = out.length;
  if (n < 16) {
    for (let i = 0; i < n; i++) out[i] = g.nextNormal();
  } else if (dtype === "float32") {
    fillNormalFloat(
      out as Float32Array,
      g,
      capability === "avx2" ? normalFill16Avx2 : normalFill16Float,
    );
  } else {
    fillNormalDouble(out as Float64Array, g);
  }
  return new Tensor(out, dims, dtype, null, options.requiresGrad ?? false);
}

const TWO_PI = 2 * Math.PI;

function fillNormalFloat(
  data: Float32Array,
  g: Generator,
  fill16: (data: Float32Array, at: number) => void,
): void {
  const n = data.length;
  for (let i = 0; i < n; i++) data[i] = g.nextFloat();
  for (let i = 0; i + 16 <= n; i += 16) fill16(data, i);
  if (n % 16 !== 0) {
    for (let i = n - 16; i < n; i++) data[i] = g.nextFloat();
    fill16(data, n - 16);
  }
}

const TWO_PI_F = Math.fround(2 * Math.PI);

/** normal_fill_16_AVX2: float arithmetic throughout, theta = float(2 pi) * u2. */
function normalFill16Avx2(data: Float32Array, at: number): void {
  for (let j = at; j < at + 8; j++) {
    const u1 = Math.fround(1 - data[j]);
    const radius = Math.fround(Math.sqrt(Math.fround(-2 * log256(u1))));
    const theta = Math.fround(TWO_PI_F * data[j + 8]);
    const [sin, cos] = sincos256(theta);
    data[j] = radius * cos;
    data[j + 8] = radius * sin;
  }
}

function normalFill16Float(data: Float32Array, at: number): void {
  for (let j = at; j < at + 8; j++) {
    const u1 = Math.fround(1 - data[j]);
    const u2 = data[j + 8];
    const radius = Math.fround(Math.sqrt(Math.fround(-2 * logf(u1))));
    const theta = Math.fround(TWO_PI * u2);
    data[j] = radius * cosf(theta);
    data[j + 8] = radius * sinf(theta);
  }
}

function fillNormalDouble(data: Float64Array, g: Generator): void {
  const n = data.length;
  for (let i = 0; i < n; i++) data[i] = g.nextDouble();
  for (let i = 0; i + 16 <= n; i += 16) normalFill16Double(data, i);
  if (n % 16 !== 0) {
    for (let i = n - 16; i < n; i++) data[i] = g.nextDouble();
    normalFill16Double(data, n - 16);
  }
}

function normalFill16Double(data: Float64Array, at: number): void {
  for (let j = at; j < at + 8; j++) {
    const u1 = 1 - data[j];
    const u2 = data[j + 8];
    const radius = Math.sqrt(-2 * log(u1));
    const theta = TWO_PI * u2;
    data[j] = radius * Math.cos(theta);
    data[j + 8] = radius * Math.sin(theta);
  }
}

/**
 * Uniform samples in [0, 1), as `torch.rand`, bit for bit with PyTorch's CPU generator.
 *
 * @example Usage
 * ```ts
 * import { Generator, rand } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * const x = rand([2, 3], { generator: new Generator().manualSeed(42) });
 * assert.deepEqual(x.shape, [2, 3]);
 * ```
 *
 * @param shape The dimensions, or one number for a 1-d tensor.
 * @param options `dtype`, `generator`, `requiresGrad`.
 * @returns A new leaf tensor.
 * @throws {TypeError} If the shape, dtype or generator is not valid.
 */
export function rand(shape: number | readonly number[], options: RandomOptions = {}): Tensor {
  options = parseOptions("rand", options, RAND_OPTIONS);
  const dims = parseShape("rand", shape);
  const dtype = parseFloatDtype(options.dtype);
  const g = parseGenerator(options.generator);
  const out = allocateChecked("rand", "its output", dims, dtype) as Float32Array | Float64Array;
  const n = out.length;
  if (dtype === "float32") { for (let i = 0; i < n; i++) out[i] = g.nextFloat(); }
  else for (let i = 0; i < n; i++) out[i] = g.nextDouble();
  return new Tensor(out, dims, dtype, null, options.requiresGrad ?? false);
}

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

function parseInt64(fn: string, name: string, value: unknown): bigint {
  let v: bigint;
  if (typeof value === "bigint") v = value;
  else if (typeof value === "number" && Number.isInteger(value)) v = BigInt(value);
  else {
    throw new TypeError(
      `Cannot compute ${fn} as ${name} must be an integer: current value is ${describe(value)}`,
    );
  }
  if (v < INT64_MIN || v > INT64_MAX) {
    throw new RangeError(
      `Cannot compute ${fn} as ${name} must fit in int64: current value is ${v}`,
    );
  }
  return v;
}

/**
 * Integers drawn uniformly from [low, high), as `torch.randint(low, high, shape)` and
 * `Tensor.random_(low, high)`, bit for bit with PyTorch's CPU generator.
 *
 * @example Usage
 * ```ts
 * import { manualSeed, randint } from "@parity/losses";
 * import assert from "node:assert/strict";
 *
 * manualSeed(0);
 * assert.deepEqual(randint(0, 2 ** 32, [2]).toArray(), [2546248239, 3626093760]);
 * ```
 *
 * @param low The smallest value (inclusive); a number or a bigint.
 * @param high One past the largest value; a number or a bigint.
 * @param shape The dimensions, or one number for a 1-d tensor.
 * @param options `dtype` (`"int64"` by default), `generator`, `requiresGrad`.
 * @returns A new leaf tensor.
 * @throws {RangeError} If `low >= high` or a bound does not fit in int64.
 * @throws {TypeError} If the shape, dtype or generator is not valid, or `requiresGrad` is
 *   asked of an int64 result.
 */
export function randint(
  low: number | bigint,
  high: number | bigint,
  shape: number | readonly number[],
  options: RandintOptions = {},
): Tensor {
  options = parseOptions("randint", options, RANDINT_OPTIONS);
  const lo = parseInt64("randint", "low", low);
  const hi = parseInt64("randint", "high", high);
  const dims = parseShape("randint", shape);
  const g = parseGenerator(options.generator);
  const dtype = options.dtype ?? "int64";
  if (lo >= hi) {
    throw new RangeError(
      `Cannot compute randint as low must be less than high: low is ${lo}, high is ${hi}`,
    );
  }
  const requiresGrad = options.requiresGrad ?? false;
  if (requiresGrad && dtype === "int64") {
    throw new TypeError(
      `Cannot compute randint with requiresGrad as only float32 and float64 tensors can require gradients: dtype is "int64"`,
    );
  }
  const out = allocateChecked("randint", "its output", dims, dtype) as
    | BigInt64Array
    | Float32Array
    | Float64Array;
  const n = out.length;
  // PyTorch moves bounds that a float dtype cannot hold to ones it can (update_from/update_to).
  const digits = dtype === "float32" ? 24 : dtype === "float64" ? 53 : 0;
  const from = digits === 0 ? lo : updateFrom(lo, digits);
  const to = digits === 0 ? hi : updateTo(hi, digits);
  const range = to - from;
  if (range >= 1n << 32n) {
    for (let i = 0; i < n; i++) {
      const v = BigInt.asIntN(64, g.random64() % range + from);
      if (out instanceof BigInt64Array) out[i] = v;
      else out[i] = roundInt64(v, digits);
    }
  } else if (out instanceof BigInt64Array) {
    const r = Number(range);
    for (let i = 0; i < n; i++) out[i] = BigInt(g.random() % r) + from;
  } else {
    const r = Number(range);
    for (let i = 0; i < n; i++) out[i] = roundInt64(BigInt(g.random() % r) + from, digits);
  }
  return new Tensor(out, dims, dtype, null, requiresGrad);
}

/** The exact int64 `v` rounded once to a float with `digits` significant bits (ties to even). */
function roundInt64(v: bigint, digits: number): number {
  const mag = v < 0n ? -v : v;
  const bits = mag.toString(2).length;
  if (bits <= digits) return Number(v);
  const shift = BigInt(bits - digits);
  const unit = 1n << shift;
  let q = mag >> shift;
  const rest = mag - (q << shift);
  const half = unit >> 1n;
  if (rest > half || (rest === half && (q & 1n) === 1n)) q += 1n;
  const r = Number(q << shift);
  return v < 0n ? -r : r;
}

function floorLog2(v: bigint): number {
  return v <= 0n ? 0 : v.toString(2).length - 1;
}

/** PyTorch's `update_from`: raises `from` to a value the float dtype holds. */
function updateFrom(from: bigint, digits: number): bigint {
  const fromPlus1 = BigInt(roundInt64(from + 1n, digits));
  if (fromPlus1 < from) {
    const abs = from + 1n < 0n ? -(from + 1n) : from + 1n;
    return fromPlus1 + (1n << BigInt(floorLog2(abs) - digits + 1));
  }
  return from;
}

/** PyTorch's `update_to`: lowers `to` to a value the float dtype holds. */
function updateTo(to: bigint, digits: number): bigint {
  const toMinus1 = BigInt(roundInt64(to - 1n, digits));
  if (toMinus1 >= to) {
    const abs = to - 1n < 0n ? -(to - 1n) : to - 1n;
    return to - (1n << BigInt(floorLog2(abs) - digits + 1));
  }
  return to;
}
