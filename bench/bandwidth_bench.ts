/**
 * This machine's memory bandwidth, measured in the same run as the losses so that every cell
 * can say how far it is from the physical limit: a typed-array copy (`Float64Array.set`,
 * counted as bytes read + bytes written) and a read-only sum (WebAssembly SIMD, four f64x2
 * accumulators; a plain JS loop is compute-bound near 9 GB/s and would understate the limit).
 * 256 MiB buffers, far past the caches.
 *
 * @module
 */

import { config, logRecord, selected } from "./_harness.ts";

const BYTES = (config.quick ? 64 : 256) * 2 ** 20;
const LABEL = `${BYTES / 2 ** 20}MiB`;

/** Unsigned LEB128. */
function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function section(id: number, body: number[]): number[] {
  return [id, ...leb(body.length), ...body];
}

/**
 * `sum(bytes: i32): f64` over memory[0, bytes), 64 bytes per step, with the memory exported.
 * Hand-assembled so that the bench needs no toolchain.
 */
function sumModule(pages: number): Uint8Array<ArrayBuffer> {
  const simd = (op: number, ...rest: number[]): number[] => [0xfd, ...leb(op), ...rest];
  const F64X2_ADD = 0xf0;
  const load = (acc: number, offset: number): number[] => [
    0x20,
    acc, // local.get acc
    0x20,
    1, // local.get i
    ...simd(0x00, 4, ...leb(offset)), // v128.load align=16 offset
    ...simd(F64X2_ADD),
    0x21,
    acc, // local.set acc
  ];
  const body = [
    2,
    1,
    0x7f,
    4,
    0x7b, // locals: i32 i; v128 a, b, c, d (indices 1, 2..5)
    0x03,
    0x40, // loop
    ...load(2, 0),
    ...load(3, 16),
    ...load(4, 32),
    ...load(5, 48),
    0x20,
    1,
    0x41,
    0xc0,
    0x00,
    0x6a,
    0x21,
    1, // i += 64 (i32.const takes a signed LEB128)
    0x20,
    1,
    0x20,
    0,
    0x49,
    0x0d,
    0, // br_if 0 (i < bytes)
    0x0b, // end loop
    0x20,
    2,
    0x20,
    3,
    ...simd(F64X2_ADD),
    0x20,
    4,
    ...simd(F64X2_ADD),
    0x20,
    5,
    ...simd(F64X2_ADD),
    0x21,
    2,
    0x20,
    2,
    ...simd(0x21, 0),
    0x20,
    2,
    ...simd(0x21, 1),
    0xa0, // lane 0 + lane 1
    0x0b,
  ];
  const name = [..."sum"].map((c) => c.charCodeAt(0));
  const mem = [..."mem"].map((c) => c.charCodeAt(0));
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, [1, 0x60, 1, 0x7f, 1, 0x7c]), // type: (i32) -> f64
    ...section(3, [1, 0]), // function 0 has type 0
    ...section(5, [1, 0x00, ...leb(pages)]), // memory: min pages
    ...section(7, [2, name.length, ...name, 0x00, 0, mem.length, ...mem, 0x02, 0]),
    ...section(10, [1, ...leb(body.length), ...body]),
  ]);
}

interface Cell {
  op: string;
  size: string;
  mode: string;
  system: string;
  backend: string;
  bytes: number;
  warmup: number;
  n: number;
}

function register(cell: Cell, fn: () => number): void {
  logRecord({ type: "plan", ...cell });
  let ms: number[] = [];
  let sink = 0;
  globalThis.addEventListener("unload", () => {
    if (ms.length > 0) logRecord({ type: "samples", ...cell, ms: ms.slice(-cell.n) });
    ms = [];
    if (sink === 1.5) console.log(sink);
  });
  Deno.bench({
    group: "memory bandwidth",
    name: `${cell.backend} ${cell.size}`,
    n: cell.n,
    warmup: cell.warmup,
    fn: (b) => {
      b.start();
      const t0 = performance.now();
      sink += fn();
      const t1 = performance.now();
      b.end();
      ms.push(t1 - t0);
    },
  });
}

if (selected("memory", "copy")) {
  const src = new Float64Array(BYTES / 8).fill(1);
  const dst = new Float64Array(BYTES / 8).fill(2);
  register(
    {
      op: "bandwidth",
      size: LABEL,
      mode: "copy",
      system: "memory",
      backend: "copy",
      bytes: 2 * BYTES,
      warmup: 2,
      n: config.quick ? 10 : 30,
    },
    () => {
      dst.set(src);
      return dst[0];
    },
  );
}

if (selected("memory", "read")) {
  const pages = BYTES / 65536 + 1;
  const instance = new WebAssembly.Instance(new WebAssembly.Module(sumModule(pages)));
  const sum = instance.exports.sum as (bytes: number) => number;
  const mem = instance.exports.mem as WebAssembly.Memory;
  new Float64Array(mem.buffer, 0, BYTES / 8).fill(0.5);
  const got = sum(BYTES);
  if (got !== BYTES / 16) throw new Error(`the wasm read-only sum gave ${got}, not ${BYTES / 16}`);
  register(
    {
      op: "bandwidth",
      size: LABEL,
      mode: "read",
      system: "memory",
      backend: "read",
      bytes: BYTES,
      warmup: 2,
      n: config.quick ? 10 : 30,
    },
    () => sum(BYTES),
  );
}
