/**
 * jax-js 0.1.25 (`@jax-js/jax` from npm) as a peer, dev-only like `tfjs.ts`: its numpy, nn
 * and lax namespaces, `vjp`, and its devices.
 *
 * jax-js frees an array when its reference count reaches zero, and every function takes
 * ownership of the arrays passed to it: code that uses an array twice writes `x.ref` for all
 * but the last use. The namespaces exported here pass a new reference for every array
 * argument instead, so that ported code reads as NumPy does; arrays are then never freed,
 * which costs the few megabytes the fixtures need per process.
 *
 * @module
 */

import {
  defaultDevice,
  type Device,
  init,
  lax as jaxLax,
  nn as jaxNn,
  numpy as jaxNp,
  vjp,
} from "@jax-js/jax";

export type { Array as JaxArray, Device } from "@jax-js/jax";
export { vjp };

/** Whether a value is a jax-js array or tracer (anything with a reference count). */
export function isJaxArray(v: unknown): v is { ref: unknown; shape: number[] } {
  return typeof v === "object" && v !== null && "ref" in v && "shape" in v &&
    Array.isArray((v as { shape: unknown }).shape);
}

function owned(v: unknown): unknown {
  if (isJaxArray(v)) return v.ref;
  if (Array.isArray(v)) return v.map(owned);
  return v;
}

/** A namespace whose functions get a new reference to each array argument. */
function sharing<T extends object>(ns: T): T {
  return new Proxy(ns, {
    get(target, key): unknown {
      const value: unknown = Reflect.get(target, key);
      if (typeof value !== "function" || /^[A-Z]/.test(String(key))) return value;
      const f = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => f(...args.map(owned));
    },
  });
}

/** `numpy`, with arrays shared rather than moved. */
export const np: typeof jaxNp = sharing(jaxNp);
/** `nn`, with arrays shared rather than moved. */
export const nn: typeof jaxNn = sharing(jaxNn);
/** `lax`, with arrays shared rather than moved. */
export const lax: typeof jaxLax = sharing(jaxLax);

/** The devices this suite runs jax-js on. */
export const JAX_DEVICES: readonly Device[] = ["wasm", "cpu"];

const ready = new Map<Device, Promise<string | null>>();

/** Starts a device once per process: null when it works, else why not. */
export function jaxStatus(device: Device): Promise<string | null> {
  let status = ready.get(device);
  if (status === undefined) {
    status = init(device).then(
      (started) => started.includes(device) ? null : `jax-js could not start ${device}`,
      (e) => `jax-js could not start ${device}: ${e instanceof Error ? e.message : e}`,
    );
    ready.set(device, status);
  }
  return status;
}

/** Makes `device` the one new arrays go to. */
export function useDevice(device: Device): void {
  if (defaultDevice() !== device) defaultDevice(device);
}
