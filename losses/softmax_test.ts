import assert from "node:assert/strict";
import { Softmax, softmax, tensor } from "../mod.ts";

Deno.test("softmax() backward is PyTorch's y * (g - sum(g * y))", () => {
  const x = tensor([0, 0], { requiresGrad: true });
  softmax(x, 0).backward(tensor([1, 0]));
  assert.deepEqual(x.grad?.toArray(), [0.25, -0.25]);
});

Deno.test("softmax() is stable for logits of ±1e4 and keeps -inf at 0", () => {
  assert.deepEqual(softmax(tensor([1e4, 1e4, -Infinity]), 0).toArray(), [0.5, 0.5, 0]);
  assert.deepEqual(new Softmax({ dim: -1 }).forward(tensor([[0, 0]])).toArray(), [[0.5, 0.5]]);
});
