/**
 * The one WebGPU device of the process, created on first use (`await t.to("webgpu")`), and
 * the error scopes that turn validation, out-of-memory and shader errors into Errors naming
 * the op and the shader. Errors surface at the next `await t.data()` (WebGPU reports them
 * asynchronously; ops themselves stay synchronous).
 *
 * @module
 */

/** The device and what was asked of the adapter. */
export interface GpuContext {
  readonly device: GPUDevice;
  /** The adapter's description, e.g. `"llvmpipe (LLVM 15.0.6, 256 bits)"`. */
  readonly adapter: string;
  /** Bytes one storage binding may span; larger tensors are processed in windows. */
  readonly maxBinding: number;
  /** The alignment of a binding's offset, in bytes. */
  readonly offsetAlignment: number;
}

let context: GpuContext | null = null;
let pending: Promise<GpuContext> | null = null;
let firstError: Error | null = null;
const scopes = new Set<Promise<void>>();

/**
 * Returns the device, asking for the adapter and the device the first time. Requests the
 * adapter's largest buffer and binding sizes so that big tensors fit.
 *
 * @throws {Error} If the runtime has no WebGPU or no adapter.
 */
export function acquireGpu(): Promise<GpuContext> {
  if (context !== null) return Promise.resolve(context);
  pending ??= createContext().catch((error) => {
    pending = null;
    throw error;
  });
  return pending;
}

function createContext(): Promise<GpuContext> {
  return createGpuContext((globalThis.navigator as Navigator | undefined)?.gpu).then((made) =>
    context = made
  );
}

/**
 * Asks `gpu` (the runtime's `navigator.gpu`) for an adapter and a device with the adapter's
 * largest buffer and binding sizes.
 *
 * @throws {Error} If `gpu` is missing or finds no adapter.
 */
export async function createGpuContext(gpu: GPU | undefined): Promise<GpuContext> {
  if (gpu === undefined) {
    throw new Error("Cannot use device webgpu as this runtime has no WebGPU (navigator.gpu)");
  }
  const adapter = await gpu.requestAdapter();
  if (adapter === null) {
    throw new Error(
      "Cannot use device webgpu as no WebGPU adapter was found: navigator.gpu.requestAdapter() returned null",
    );
  }
  const limits = adapter.limits;
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxBufferSize: limits.maxBufferSize,
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxStorageBuffersPerShaderStage: Math.min(limits.maxStorageBuffersPerShaderStage, 10),
    },
  });
  return contextOf(device, adapter.info);
}

/** The context of a device: its error listener, its adapter's name and its binding limits. */
function contextOf(device: GPUDevice, info: GPUAdapterInfo | undefined): GpuContext {
  device.addEventListener("uncapturederror", (event) => {
    firstError ??= new Error(`WebGPU error: ${(event as GPUUncapturedErrorEvent).error.message}`);
  });
  return {
    device,
    adapter: info?.description || info?.vendor || "unknown adapter",
    maxBinding: device.limits.maxStorageBufferBindingSize,
    offsetAlignment: device.limits.minStorageBufferOffsetAlignment,
  };
}

/**
 * Makes `device`, one the caller created (TensorFlow.js's, for `@parity/losses/tfjs`), the
 * library's device instead of one of its own, so that buffers pass between the two owners on
 * the GPU. Synchronous: webgpu tensors can be made at once afterwards. The device keeps the
 * limits its creator asked for; every shader here binds at most 8 storage buffers, WebGPU's
 * default. Handing over the device in use again does nothing.
 *
 * @throws {Error} If the library already uses, or is creating, another device: buffers of one
 *   device cannot be used on another.
 */
export function adoptGpuDevice(device: GPUDevice): GpuContext {
  if (context !== null) {
    if (context.device === device) return context;
    throw new Error(
      "Cannot use this WebGPU device as the library already uses another one: hand it over before the first webgpu tensor is made",
    );
  }
  if (pending !== null) {
    throw new Error(
      "Cannot use this WebGPU device as the library is creating its own: hand it over before the first webgpu tensor is made",
    );
  }
  // GPUDevice.adapterInfo is recent; where it is missing the adapter is named "unknown adapter".
  context = contextOf(device, (device as { adapterInfo?: GPUAdapterInfo }).adapterInfo);
  return context;
}

/** The device, for code that runs on tensors already on it. */
export function gpu(): GpuContext {
  if (context === null) {
    throw new Error(
      'Cannot use device webgpu before it is ready: move a tensor there first with `await t.to("webgpu")`',
    );
  }
  return context;
}

/** Whether the device has been created (so webgpu tensors can be made synchronously). */
export function gpuReady(): boolean {
  return context !== null;
}

/**
 * Runs `encode` inside validation and out-of-memory error scopes; an error found there is kept
 * with `what` (op and shader) and thrown by the next {@linkcode throwGpuErrors}.
 */
export function withErrorScope<T>(what: string, encode: () => T): T {
  const { device } = gpu();
  device.pushErrorScope("out-of-memory");
  device.pushErrorScope("validation");
  try {
    return encode();
  } finally {
    const watch = (scope: Promise<GPUError | null>, kind: string): void => {
      const p: Promise<void> = scope.then((error) => {
        if (error !== null) {
          firstError ??= new Error(`Cannot run ${what} on webgpu as ${kind}: ${error.message}`);
        }
      }, () => {}).finally(() => scopes.delete(p));
      scopes.add(p);
    };
    watch(device.popErrorScope(), "WebGPU reported a validation error");
    watch(device.popErrorScope(), "the GPU ran out of memory");
  }
}

/**
 * The first error the device has reported so far, without waiting for the scopes still open;
 * it is cleared, as {@linkcode throwGpuErrors} clears it. For callers that never read back
 * (the TensorFlow.js bridge), so that an error surfaces at their next call.
 */
export function takeGpuError(): Error | null {
  const error = firstError;
  firstError = null;
  return error;
}

/** Waits for the error scopes opened so far and throws the first error they reported. */
export async function throwGpuErrors(): Promise<void> {
  if (scopes.size > 0) await Promise.all([...scopes]);
  const error = firstError;
  firstError = null;
  if (error !== null) throw error;
}
