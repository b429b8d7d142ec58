/**
 * TensorFlow.js 4.22 as a peer: core with the cpu, wasm and webgpu backends, loaded from npm
 * (dev-only: nothing in `mod.ts` or `losses/` imports this), plus `@tensorflow/tfjs` for
 * the gradients of its ops. The wasm backend is pointed at
 * the `.wasm` files inside its own npm package with `setWasmPaths`, which also selects the
 * single-threaded SIMD binary: one thread, like this library and the PyTorch peer.
 *
 * @module
 */

import * as tf from "npm:@tensorflow/tfjs-core@4.22.0";
import "npm:@tensorflow/tfjs-backend-cpu@4.22.0";
import { getThreadsCount, setWasmPaths } from "npm:@tensorflow/tfjs-backend-wasm@4.22.0";
import "npm:@tensorflow/tfjs-backend-webgpu@4.22.0";
// tfjs-core registers no gradients itself and its ESM files (dist/register_all_gradients.js)
// import without file extensions, which Deno does not resolve; the union package's node
// bundle registers them all on the same tfjs-core instance. Only this side effect is used.
import "npm:@tensorflow/tfjs@4.22.0";

export { tf };

/** A TensorFlow.js backend this suite times. */
export type TfBackend = "cpu" | "wasm" | "webgpu";

/** The backends in the order they are timed. */
export const TF_BACKENDS: readonly TfBackend[] = ["cpu", "wasm", "webgpu"];

/** Whether a backend works here, and why not when it does not. */
export interface TfStatus {
  ok: boolean;
  reason?: string;
  /** What the report should know about a working backend (the wasm binary in use). */
  details?: Record<string, unknown>;
}

let wasmDir: string | undefined;

/** The folder of the wasm backend's `.wasm` files inside the npm package, or an error. */
function locateWasm(): string {
  const entry = import.meta.resolve("npm:@tensorflow/tfjs-backend-wasm@4.22.0");
  if (!entry.startsWith("file:")) throw new Error(`the package resolves to ${entry}`);
  const dir = new URL(".", entry);
  const file = new URL("tfjs-backend-wasm-simd.wasm", dir);
  Deno.statSync(file);
  return decodeURIComponent(dir.pathname);
}

const statuses = new Map<TfBackend, Promise<TfStatus>>();

/** Checks a backend once per process: it must initialise and square-sum three numbers. */
export function tfStatus(backend: TfBackend): Promise<TfStatus> {
  let status = statuses.get(backend);
  if (status === undefined) {
    status = probe(backend);
    statuses.set(backend, status);
  }
  return status;
}

async function probe(backend: TfBackend): Promise<TfStatus> {
  try {
    if (backend === "webgpu") {
      const gpu = (navigator as unknown as { gpu?: GPU }).gpu;
      if (gpu === undefined) return { ok: false, reason: "navigator.gpu is undefined" };
      if ((await gpu.requestAdapter()) === null) {
        return { ok: false, reason: "navigator.gpu.requestAdapter() returned null" };
      }
    }
    if (backend === "wasm") {
      wasmDir ??= locateWasm();
      setWasmPaths(wasmDir);
    }
    if (!(await tf.setBackend(backend))) {
      return { ok: false, reason: `tf.setBackend("${backend}") returned false` };
    }
    await tf.ready();
    const x = tf.tensor1d([1, 2, 3]);
    const s = tf.sum(tf.square(x));
    const got = (await s.data())[0];
    tf.dispose([x, s]);
    if (got !== 14) return { ok: false, reason: `a smoke test gave ${got} instead of 14` };
    if (backend !== "wasm") return { ok: true };
    return {
      ok: true,
      details: {
        wasmDir,
        simd: await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"),
        threads: getThreadsCount(),
      },
    };
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
}

/** Makes `backend` the active one (tensors belong to the backend that made them). */
export async function useBackend(backend: TfBackend): Promise<void> {
  if (tf.getBackend() !== backend) await tf.setBackend(backend);
}
