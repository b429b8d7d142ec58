/**
 * This library's losses on TensorFlow.js tensors (`@parity/losses/tfjs`) as a conformance
 * adapter: each fixture's tensors become TensorFlow.js tensors on one backend, the call goes
 * through `withTfjs(tf)`, and the gradients come from `tf.valueAndGrads`, through the bridge's
 * `tf.customGrad`. Dev-only, like `dev/adapters/tfjs.ts`, which ports the same ops to plain
 * `tf.losses` instead.
 *
 * ```sh
 * TFJS_BACKEND=wasm deno run --config dev/deno.json --allow-read --allow-env conformance/main.ts --impl dev/adapters/tfjs_bridge.ts
 * ```
 *
 * Cases TensorFlow.js tensors cannot express are skipped with the reason: float64, int64
 * values outside int32, PyTorch's random streams, and the ops the bridge does not cover (the
 * tensor ops of custom distances, which run inside the library on its own tensors). On
 * webgpu the float inputs are made as GPU buffers (`tf.tensor({ buffer })`), so the bridge
 * reads them with `dataToGPU()`; `binary_cross_entropy`'s input and `gaussian_nll_loss`'s
 * var, and `ctc_loss`'s float targets, stay on the CPU, where the library checks their values
 * (it refuses, with a message, to check values that exist only on the GPU). Class indices and
 * lengths are int32 tensors on the CPU, as TensorFlow.js makes them.
 *
 * @module
 */

import { tf, type TfBackend, tfStatus, useBackend } from "../peers/tfjs.ts";
import { withTfjs } from "../../tfjs/mod.ts";
import type { ArrayTensor } from "../../conformance/fixture.ts";
import { NAMED_DISTANCES, opSpec } from "../../conformance/ops.ts";
import {
  type Adapter,
  type AdapterOp,
  type AdapterValue,
  type OpResult,
  Unsupported,
} from "../../conformance/runner.ts";

type T = tf.Tensor;

/** The torch ops the bridge covers: every loss, log_softmax and softmax. */
export const BRIDGED: readonly string[] = [
  "l1_loss",
  "mse_loss",
  "nll_loss",
  "cross_entropy",
  "hinge_embedding_loss",
  "log_softmax",
  "softmax",
  "smooth_l1_loss",
  "huber_loss",
  "soft_margin_loss",
  "margin_ranking_loss",
  "multi_margin_loss",
  "multilabel_margin_loss",
  "multilabel_soft_margin_loss",
  "cosine_embedding_loss",
  "ctc_loss",
  "triplet_margin_loss",
  "triplet_margin_with_distance_loss",
  "binary_cross_entropy",
  "binary_cross_entropy_with_logits",
  "kl_div",
  "poisson_nll_loss",
  "gaussian_nll_loss",
];

/** Number options the fixtures write as strings (`"inf"`), by op, as conformance/ops.ts decodes. */
const NUMBER_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  triplet_margin_loss: ["margin", "p", "eps"],
  triplet_margin_with_distance_loss: ["margin"],
};

/** Float arguments kept on the CPU on webgpu: the library checks their values there. */
const CPU_CHECKED: Readonly<Record<string, readonly (number | string)[]>> = {
  binary_cross_entropy: [0],
  gaussian_nll_loss: [2],
  ctc_loss: [1], // float targets, truncated to labels as PyTorch does
};

function isArrayTensor(v: AdapterValue): v is ArrayTensor {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function decodeNumber(v: AdapterValue): AdapterValue {
  return v === "inf" ? Infinity : v === "-inf" ? -Infinity : v === "nan" ? NaN : v;
}

/** A float32 tensor that TensorFlow.js's webgpu backend holds on the GPU from the start. */
function onGpu(data: Float32Array, shape: number[]): T {
  const device = (tf.backend() as unknown as { device: GPUDevice }).device;
  // STORAGE | COPY_SRC | COPY_DST; a buffer of at least 4 bytes, its size a multiple of 4
  const buffer = device.createBuffer({ size: Math.max(4, data.byteLength), usage: 0x8c });
  device.queue.writeBuffer(buffer, 0, data as unknown as BufferSource);
  // Without zeroCopy TensorFlow.js copies the buffer into its own at once, so ours can go.
  const t = tf.tensor({ buffer } as unknown as tf.TensorLike, shape, "float32");
  buffer.destroy();
  return t;
}

/** A fixture tensor as a TensorFlow.js tensor: float32, int32 (from int64) or bool. */
function toTf(v: ArrayTensor, gpu: boolean): T {
  switch (v.dtype) {
    case "float64":
      throw new Unsupported("TensorFlow.js has no float64");
    case "float32":
      return gpu && v.data.length > 0
        ? onGpu(v.data as Float32Array, v.shape)
        : tf.tensor(v.data as Float32Array, v.shape, "float32");
    case "bool":
      return tf.tensor(v.data as Uint8Array, v.shape, "bool");
    case "int64": {
      const data = Int32Array.from(v.data as BigInt64Array, (b) => {
        if (b < -(2n ** 31n) || b >= 2n ** 31n) {
          throw new Unsupported("TensorFlow.js has no int64: a value is outside int32");
        }
        return Number(b);
      });
      return tf.tensor(data, v.shape, "int32");
    }
  }
}

async function toArrayTensor(t: T): Promise<ArrayTensor> {
  if (t.dtype !== "float32") {
    throw new Error(`the bridge returned a ${t.dtype} tensor`);
  }
  return { dtype: "float32", shape: [...t.shape], data: Float32Array.from(await t.data()) };
}

/**
 * The bridge on one TensorFlow.js backend. On webgpu, float inputs start on the GPU unless
 * `cpuResident` is set, which leaves every input where `tf.tensor(values)` puts it.
 */
export function bridgeAdapter(
  backend: TfBackend = "cpu",
  options: { cpuResident?: boolean } = {},
): Adapter {
  const L = withTfjs(tf) as unknown as Record<string, (...args: unknown[]) => T>;
  const ready = (async () => {
    const status = await tfStatus(backend);
    if (!status.ok) {
      throw new Error(`TensorFlow.js ${backend}: ${status.reason}`);
    }
    await useBackend(backend);
  })();
  ready.catch(() => {}); // reported by the first op that awaits it
  const gpuInputs = backend === "webgpu" && options.cpuResident !== true;
  const ops: Record<string, AdapterOp> = {};
  for (const torch of BRIDGED) {
    const spec = opSpec(torch);
    if (spec === undefined) {
      throw new Error(`${torch} is not in conformance/ops.ts`);
    }
    ops[torch] = async (call): Promise<OpResult> => {
      await ready;
      for (const v of [...call.args, ...Object.values(call.kwargs)]) {
        if (isArrayTensor(v) && v.dtype === "float64") {
          throw new Unsupported("TensorFlow.js has no float64");
        }
      }
      const made: T[] = [];
      const convert = (v: AdapterValue, at: number | string): unknown => {
        if (!isArrayTensor(v)) return v;
        const t = toTf(v, gpuInputs && !(CPU_CHECKED[torch] ?? []).includes(at));
        made.push(t);
        return t;
      };
      try {
        const args = call.args.map((v, i) => convert(v, i));
        const kwargs: Record<string, unknown> = {};
        for (const [key, v] of Object.entries(call.kwargs)) {
          const name = spec.options[key];
          if (name === undefined) {
            throw new TypeError(`${spec.name} has no option for ${key}`);
          }
          let value = (NUMBER_OPTIONS[torch] ?? []).includes(key) ? decodeNumber(v) : v;
          if (name === "distanceFunction" && typeof value === "string") {
            const named = NAMED_DISTANCES[value];
            if (named === undefined) {
              throw new TypeError(`unknown distance_function ${value}`);
            }
            kwargs[name] = named;
            continue;
          }
          value = convert(value, name) as AdapterValue;
          kwargs[name] = value;
        }
        const fn = L[spec.name];
        const invoke = (a: unknown[]): T =>
          spec.name === "logSoftmax" || spec.name === "softmax" ? fn(a[0], a[1]) : fn(...a, kwargs);
        if (torch === "triplet_margin_loss" && kwargs.p === 0 && call.requiresGrad.length > 0) {
          throw new Unsupported(
            "PyTorch gives no gradient (None) for p = 0; TensorFlow.js gradients are tensors, and the bridge gives zeros",
          );
        }
        // TensorFlow.js has no requires_grad: PyTorch's error for an argument that requires grad
        // and takes none is TensorFlow.js's for a gradient asked of it, so error cases that
        // list arguments requiring grad ask for their gradients too (of a gradient of ones).
        const wanted = call.requiresGrad;
        if (wanted.length === 0) {
          const out = invoke(args);
          made.push(out);
          return { output: await toArrayTensor(out), grads: {} };
        }
        const xs = wanted.map((i) => args[i] as T);
        const dy = call.gradOutput === null
          ? undefined
          : (convert(call.gradOutput, "gradOutput") as T);
        const { value, grads } = tf.valueAndGrads((...ts: T[]) => {
          const swapped = [...args];
          wanted.forEach((i, k) => (swapped[i] = ts[k]));
          return invoke(swapped);
        })(xs, dy);
        made.push(value, ...grads);
        // read together: on webgpu the readbacks overlap
        const [output, ...gs] = await Promise.all([value, ...grads].map(toArrayTensor));
        const out: Record<number, ArrayTensor> = {};
        wanted.forEach((i, k) => (out[i] = gs[k]));
        return { output, grads: out };
      } finally {
        tf.dispose(made);
      }
    };
  }
  return {
    name: `parity-losses/tfjs on tfjs-4.22 ${backend}${
      options.cpuResident ? " (cpu-resident)" : ""
    }`,
    ops,
  };
}

const env = Deno.env.get("TFJS_BACKEND");

/** The adapter `--impl` loads: the cpu backend, or `TFJS_BACKEND` (`cpu`, `wasm`, `webgpu`). */
const adapter: Adapter = bridgeAdapter(env === "wasm" || env === "webgpu" ? env : "cpu");
export default adapter;
