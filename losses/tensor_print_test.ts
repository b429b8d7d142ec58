import assert from "node:assert/strict";
import { tensor } from "../mod.ts";
import { record } from "./_core/autograd.ts";
import { formatExp, formatFixed } from "./_core/print.ts";
import { type DType, Tensor } from "./_core/tensor.ts";

interface PrintCase {
  id: string;
  tensor: { dtype: DType; shape: number[]; data: (number | string | boolean)[] };
  requires_grad: boolean;
  grad_fn: string | null;
  text: string;
}

function build(c: PrintCase): Tensor {
  const { dtype, shape, data } = c.tensor;
  let storage: Float32Array | Float64Array | BigInt64Array | Uint8Array;
  if (dtype === "int64") storage = BigInt64Array.from(data.map((v) => BigInt(v as string)));
  else if (dtype === "bool") storage = Uint8Array.from(data.map((v) => (v ? 1 : 0)));
  else {
    const values = data.map((v) =>
      v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : Number(v)
    );
    storage = dtype === "float32" ? Float32Array.from(values) : Float64Array.from(values);
  }
  if (c.grad_fn === null) return new Tensor(storage, shape, dtype, null, c.requires_grad);
  const leaf = tensor([1], { requiresGrad: true });
  const node = record(c.grad_fn, [leaf], () => [null]);
  return new Tensor(storage, shape, dtype, node);
}

Deno.test("String(tensor) matches PyTorch's printed text byte for byte", async () => {
  const file = JSON.parse(
    await Deno.readTextFile(new URL("../conformance/printed/print.json", import.meta.url)),
  ) as { cases: PrintCase[] };
  assert.ok(file.cases.length >= 300);
  for (const c of file.cases) assert.equal(String(build(c)), c.text, c.id);
});

Deno.test("Deno.inspect shows the same text as String()", () => {
  const t = tensor([[1.5, -2], [0, 3]], { requiresGrad: true });
  assert.equal(Deno.inspect(t), String(t));
  assert.equal(Deno.inspect([t]), `[\n  ${String(t)}\n]`);
});

Deno.test("numbers round half to even on their exact value, as Python's format", () => {
  assert.equal(formatFixed(0.03125, 4), "0.0312");
  assert.equal(formatFixed(0.15625, 4), "0.1562");
  assert.equal(formatFixed(-0.00001, 4), "-0.0000");
  assert.equal(formatFixed(2.5, 0), "2");
  assert.equal(formatExp(1e-5, 4), "1.0000e-05");
  assert.equal(formatExp(9.99995e-7, 4), "1.0000e-06");
  assert.equal(formatExp(0.15625, 3), "1.562e-01");
  assert.equal(formatExp(1e300, 4), "1.0000e+300");
  assert.equal(formatExp(0, 4), "0.0000e+00");
});
