/**
 * This library as a conformance adapter: the same interface any other implementation uses.
 *
 * @module
 */

import { type Device, type Tensor, tensor, type TypedArray } from "../../mod.ts";
import type { ArrayTensor } from "../fixture.ts";
import { type ArgValue, OPS } from "../ops.ts";
import { type Adapter, type AdapterOp, type AdapterValue, Unsupported } from "../runner.ts";

function toTensor(a: ArrayTensor, requiresGrad: boolean): Tensor {
  return tensor(a.data, { shape: a.shape, dtype: a.dtype, requiresGrad });
}

async function toArrayTensor(t: Tensor): Promise<ArrayTensor> {
  return { dtype: t.dtype, shape: [...t.shape], data: await t.data() as TypedArray };
}

function isArrayTensor(v: AdapterValue): v is ArrayTensor {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The devices this build runs: the fixtures run on each. */
export const DEVICES: readonly Device[] = ["cpu", "webgpu"];

/**
 * Ops that run on the CPU only, by design: the random numbers are PyTorch's CPU generator's
 * (a GPU generator in PyTorch gives other numbers).
 */
const CPU_ONLY = new Set(["randn", "rand", "randint"]);

let adapterCheck: Promise<string | null> | null = null;

/** Why WebGPU cannot run here (no navigator.gpu, no adapter), or `null` when it can. */
export function webgpuUnavailable(): Promise<string | null> {
  adapterCheck ??= (async () => {
    const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
    if (gpu === undefined) return "this runtime has no navigator.gpu";
    const adapter = await gpu.requestAdapter();
    return adapter === null ? "navigator.gpu.requestAdapter() found no adapter" : null;
  })();
  return adapterCheck;
}

/**
 * The library's ops on one device, by torch name, from the table in `conformance/ops.ts`.
 *
 * @param device Where the tensors live.
 * @returns An adapter named `parity-losses <device>`.
 */
export function parityAdapter(device: Device): Adapter {
  const ops: Record<string, AdapterOp> = {};
  for (const spec of OPS) {
    ops[spec.torch] = async (call) => {
      const all = [...call.args, ...Object.values(call.kwargs)];
      if (device === "webgpu") {
        if (CPU_ONLY.has(spec.torch)) {
          throw new Unsupported("PyTorch's CPU generator: random numbers are made on the cpu");
        }
        const missing = await webgpuUnavailable();
        if (missing !== null) throw new Unsupported(`no WebGPU adapter: ${missing}`);
        if (all.some((v) => isArrayTensor(v) && v.dtype === "float64")) {
          throw new Unsupported("WebGPU has no float64");
        }
      }
      const onDevice = async (v: AdapterValue, requiresGrad = false): Promise<ArgValue> =>
        isArrayTensor(v) ? await toTensor(v, requiresGrad).to(device) : v as ArgValue;
      const args: ArgValue[] = [];
      for (const [i, v] of call.args.entries()) {
        args.push(await onDevice(v, call.requiresGrad.includes(i)));
      }
      const options: Record<string, ArgValue> = {};
      for (const [key, v] of Object.entries(call.kwargs)) {
        const name = spec.options[key];
        if (name === undefined) throw new TypeError(`${spec.name} has no option for ${key}`);
        options[name] = await onDevice(v);
      }
      const output = spec.call(args, options);
      if (output.device !== device) {
        throw new Error(`${spec.name} on ${device} returned a tensor on ${output.device}`);
      }
      const grads: Record<number, ArrayTensor | null> = {};
      if (call.requiresGrad.length > 0 && call.gradOutput !== null) {
        await output.backward(await toTensor(call.gradOutput, false).to(device));
        for (const i of call.requiresGrad) {
          const g = (args[i] as Tensor).grad;
          if (g !== null && g.device !== device) {
            throw new Error(`${spec.name} on ${device} gave a gradient on ${g.device}`);
          }
          grads[i] = g === null ? null : await toArrayTensor(g);
        }
      }
      return { output: await toArrayTensor(output), grads };
    };
  }
  return { name: `parity-losses ${device}`, device, ops };
}
