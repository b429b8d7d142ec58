import assert from "node:assert/strict";
import { defaultGenerator, Generator, manualSeed, rand, randint, randn } from "../mod.ts";

Deno.test("Generator() starts from PyTorch's default seed and seeds wrap as PyTorch's", () => {
  assert.equal(new Generator().initialSeed(), 67280421310721n);
  assert.equal(new Generator(-1).initialSeed(), 2n ** 64n - 1n);
  // Only the low 32 bits reach the Mersenne Twister.
  const a = new Generator(2 ** 32 + 5);
  const b = new Generator(5);
  for (let i = 0; i < 700; i++) assert.equal(a.random(), b.random());
});

Deno.test("random64() is two 32-bit draws, the first one high", () => {
  const a = new Generator(7);
  const b = new Generator(7);
  for (let i = 0; i < 400; i++) {
    const hi = BigInt(b.random());
    const lo = BigInt(b.random());
    assert.equal(a.random64(), (hi << 32n) | lo);
  }
});

Deno.test("manualSeed() reseeds the default generator and clears the cached normal", () => {
  manualSeed(3);
  const first = randn([1], { dtype: "float64" }).item();
  randn([1], { dtype: "float64" }); // leaves no cache behind: the pair is used up
  randn([1], { dtype: "float64" }); // caches a second normal
  assert.equal(manualSeed(3), defaultGenerator);
  assert.equal(randn([1], { dtype: "float64" }).item(), first);
});

Deno.test("randn() keeps the state across calls and shapes", () => {
  const g = new Generator(0);
  const whole = randn([4], { generator: g, dtype: "float64" }).toArray() as number[];
  const h = new Generator(0);
  const parts = [1, 1, 2].flatMap((n) =>
    randn([n], { generator: h, dtype: "float64" }).toArray() as number[]
  );
  assert.deepEqual(parts, whole);
});

Deno.test("rand(), randn() and randint() make leaves and honour requiresGrad", () => {
  const x = randn([2, 3], { requiresGrad: true });
  assert.equal(x.requiresGrad, true);
  assert.equal(x.isLeaf, true);
  assert.deepEqual(x.shape, [2, 3]);
  assert.deepEqual(randn([]).shape, []);
  assert.equal(rand(5, { dtype: "float64" }).dtype, "float64");
  assert.equal(randint(0, 5, [3]).dtype, "int64");
  assert.equal(randint(0, 5, [3], { dtype: "float32", requiresGrad: true }).requiresGrad, true);
});

Deno.test("random functions throw for each kind of bad input", () => {
  assert.throws(() => manualSeed(1.5), {
    name: "RangeError",
    message: /Cannot compute manualSeed as seed must be an integer: current value is 1.5/,
  });
  assert.throws(() => manualSeed(2n ** 64n), {
    name: "RangeError",
    message: /seed must be in \[-2\^63, 2\^64\): current value is 18446744073709551616/,
  });
  assert.throws(() => randn([2, -1]), {
    name: "RangeError",
    message: /Cannot compute randn as shape\[1\] must be a non-negative integer: shape\[1\] is -1/,
  });
  assert.throws(() => randn([2], { dtype: "int64" }), {
    name: "RangeError",
    message:
      /Cannot compute randn as dtype must be "float32" or "float64": current value is "int64"/,
  });
  assert.throws(() => rand([2], { dtype: "bool" }), {
    name: "RangeError",
    message: /Cannot compute rand as dtype must be "float32" or "float64"/,
  });
  assert.throws(() => rand([2], { generator: {} as Generator }), {
    name: "TypeError",
    message:
      /Cannot compute rand as generator must be a Generator or null: got an object \(Object\)/,
  });
  assert.throws(() => randint(5, 5, [2]), {
    name: "RangeError",
    message: /Cannot compute randint as low must be less than high: low is 5, high is 5/,
  });
  assert.throws(() => randint(0, 2n ** 63n, [2]), {
    name: "RangeError",
    message: /Cannot compute randint as high must fit in int64/,
  });
  assert.throws(() => randint(0.5, 3, [2]), {
    name: "TypeError",
    message: /Cannot compute randint as low must be an integer: current value is 0.5/,
  });
  assert.throws(() => randint(0, 3, [2], { requiresGrad: true }), {
    name: "TypeError",
    message: /only float32 and float64 tensors can require gradients: dtype is "int64"/,
  });
  assert.throws(() => randn([4], { cpuCapability: "sse" as "avx2" }), {
    name: "RangeError",
    message: /cpuCapability must be "default" or "avx2": current value is "sse"/,
  });
});

Deno.test("randn() float32 fills of 16 or more follow the chosen CPU kernel", () => {
  const portable = randn([64], { generator: new Generator(0) }).toArray() as number[];
  const avx2 = randn([64], { generator: new Generator(0), cpuCapability: "avx2" })
    .toArray() as number[];
  const differ = portable.filter((v, i) => v !== avx2[i]).length;
  assert.ok(differ > 0 && differ < 64);
  for (let i = 0; i < 64; i++) assert.ok(Math.abs(portable[i] - avx2[i]) < 1e-5);
  // Below 16 elements and for float64 there is one kernel.
  const small = (c: "default" | "avx2") =>
    randn([15], { generator: new Generator(0), cpuCapability: c }).toArray();
  assert.deepEqual(small("default"), small("avx2"));
});

Deno.test("random functions: a Proxy or a copy of a Generator is named, options are strict", () => {
  const g = new Generator(0);
  for (const fake of [new Proxy(g, {}), Object.create(Generator.prototype)]) {
    assert.throws(() => randn([2], { generator: fake }), {
      name: "TypeError",
      message:
        "Cannot compute randn as generator must be a Generator or null: got a Proxy or a look-alike of a Generator, where a Generator from @parity/losses is expected (pass the generator itself)",
    });
    assert.throws(() => fake.manualSeed(1), {
      message:
        /^Cannot compute Generator.manualSeed as its receiver is not a Generator: got a Proxy/,
    });
  }
  assert.throws(() => randn([2], "float64" as never), {
    name: "TypeError",
    message:
      /options must be a plain object .*: current value is "float64"; did you mean \{ dtype: "float64" \}\?/,
  });
  assert.throws(() => rand([2], { cpuCapability: "avx2" }), {
    message: "Cannot compute rand as cpuCapability applies to randn only: rand draws no normals",
  });
  assert.throws(() => randint(0, 5, [2], { requiresGrad: null } as never), {
    message: "Cannot compute randint as requiresGrad must be a boolean: current value is null",
  });
  assert.throws(() => manualSeed(Object.create(null)), {
    message:
      "Cannot compute manualSeed as seed must be an integer: current value is an object with a null prototype",
  });
  // dtype and generator of null are PyTorch's None: the defaults
  assert.equal(randn([2], { dtype: null, generator: null }).dtype, "float32");
  assert.equal(randint(0, 5, [2], { dtype: null }).dtype, "int64");
});

Deno.test("random functions check the output's size before allocating it", () => {
  assert.throws(() => randn([2 ** 40]), {
    name: "RangeError",
    message:
      /^Cannot compute randn as its output of shape \[1099511627776\] \(float32\) needs 4398046511104 bytes \(4 TiB\): this runtime cannot allocate that much/,
  });
  assert.throws(() => rand([2 ** 30, 2 ** 30], { dtype: "float64" }), {
    name: "RangeError",
    message:
      "Cannot compute rand as its output of shape [1073741824, 1073741824] (float64) needs 9.223e+18 bytes (8 EiB): more than an ArrayBuffer can hold (2^53 - 1 bytes)",
  });
  assert.deepEqual(randint(0, 3, [0, 2 ** 40]).shape, [0, 2 ** 40]); // empty: nothing to allocate
  assert.throws(() => randn([2, 1.5]), {
    name: "RangeError",
    message: "Cannot compute randn as shape[1] must be a non-negative integer: shape[1] is 1.5",
  });
  assert.throws(() => randn(2n as never), {
    name: "TypeError",
    message:
      "Cannot compute randn as shape must be an array of non-negative integers: current value is 2n (a bigint)",
  });
});
